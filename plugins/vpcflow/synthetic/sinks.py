"""Where generated flow logs go: S3 in Firehose's layout, or a CloudWatch Logs group.

S3 (history, backfills): each hour becomes a few gzip objects under the hour's prefix, named as Firehose
names them, ``{prefix}YYYY/MM/DD/HH/{stream}-1-YYYY-MM-DD-HH-MM-SS-{uuid}.gz`` (UTC), with uuids and
bytes fixed by the seed, so rewriting an hour replaces the same keys with the same objects.

CloudWatch Logs (the live path): put_log_events in time order, batches within the API's limits, so the
records travel subscription -> Lambda -> Firehose -> S3. CloudWatch accepts events from the last 14 days
up to 2 hours ahead only; Firehose then stamps keys with the arrival time, not with the flows' hours.
"""

from __future__ import annotations

import gzip
import random
import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from vpcflow.synthetic.generator import (
    HOUR,
    GeneratorConfig,
    GeneratorError,
    HourBatch,
    HourSummary,
    generate,
)

DEFAULT_DELIVERY_STREAM = "VPCFlowLogsDefaultToS3"  # the blog's Firehose delivery stream
DEFAULT_LOG_STREAM = "vpcflow-generator"

# PutLogEvents limits: at most 10,000 events and 1,048,576 bytes per call, counting 26 bytes per event.
MAX_BATCH_EVENTS = 10_000
MAX_BATCH_BYTES = 1_048_576
EVENT_OVERHEAD = 26


def parse_s3_url(url: str) -> tuple[str, str]:
    """``s3://bucket/raw/`` -> ``("bucket", "raw/")``; the prefix is empty or ends with '/'."""
    if not isinstance(url, str) or not url.startswith("s3://"):
        raise GeneratorError(f"S3 destination {url!r} must look like s3://bucket/prefix/")
    bucket, _, prefix = url[len("s3://") :].partition("/")
    if not bucket:
        raise GeneratorError(f"S3 destination {url!r} has no bucket")
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    return bucket, prefix


def firehose_objects(
    batch: HourBatch,
    *,
    prefix: str,
    seed: int,
    delivery_stream: str = DEFAULT_DELIVERY_STREAM,
    objects_per_hour: int = 4,
) -> list[tuple[str, bytes]]:
    """An hour's lines as (key, gzip bytes) in Firehose's layout: consecutive slices of the hour, one object
    per buffer flush, each key stamped with a time inside the hour so it lands in the hour's prefix."""
    if objects_per_hour < 1:
        raise GeneratorError(f"objects_per_hour must be at least 1, not {objects_per_hour}")
    if not batch.lines:
        return []
    rng = random.Random(f"vpcflow:{seed}:{batch.hour:%Y-%m-%dT%H}:objects")
    count = min(objects_per_hour, len(batch.lines))
    objects = []
    for index in range(count):
        lo = len(batch.lines) * index // count
        hi = len(batch.lines) * (index + 1) // count
        stamp = batch.hour + timedelta(seconds=(HOUR * index) // count + rng.randrange(0, 60))
        name = (
            f"{delivery_stream}-1-{stamp:%Y-%m-%d-%H-%M-%S}-{uuid.UUID(int=rng.getrandbits(128), version=4)}"
        )
        key = f"{prefix}{stamp:%Y/%m/%d/%H}/{name}.gz"
        # Records as the delivery Lambda sends them: one line each, newline-terminated. mtime=0 keeps the
        # bytes identical across runs.
        body = ("\n".join(batch.lines[lo:hi]) + "\n").encode()
        objects.append((key, gzip.compress(body, compresslevel=6, mtime=0)))
    return objects


def write_s3(
    batches: Iterable[HourBatch],
    s3: Any,
    *,
    bucket: str,
    prefix: str,
    seed: int,
    delivery_stream: str = DEFAULT_DELIVERY_STREAM,
    objects_per_hour: int = 4,
) -> list[HourSummary]:
    """Write each hour as Firehose would have; returns the summaries with their S3 keys."""
    summaries = []
    for batch in batches:
        for key, body in firehose_objects(
            batch,
            prefix=prefix,
            seed=seed,
            delivery_stream=delivery_stream,
            objects_per_hour=objects_per_hour,
        ):
            s3.put_object(Bucket=bucket, Key=key, Body=body)
            batch.summary.objects.append(key)
        summaries.append(batch.summary)
    return summaries


def log_event_batches(batch: HourBatch) -> list[list[dict[str, Any]]]:
    """An hour's lines as put_log_events batches: time-ordered, within the event and byte limits."""
    batches: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    size = 0
    for ts, line in sorted(zip(batch.timestamps_ms, batch.lines, strict=True), key=lambda pair: pair[0]):
        event_size = len(line.encode()) + EVENT_OVERHEAD
        if current and (len(current) >= MAX_BATCH_EVENTS or size + event_size > MAX_BATCH_BYTES):
            batches.append(current)
            current, size = [], 0
        current.append({"timestamp": ts, "message": line})
        size += event_size
    if current:
        batches.append(current)
    return batches


def put_log_events(
    batches: Iterable[HourBatch], logs: Any, *, log_group: str, log_stream: str
) -> list[HourSummary]:
    """Send each hour's lines to a CloudWatch Logs stream (created if missing; the group must exist, since
    its subscription is what carries records on). Raises if CloudWatch rejects any event."""
    try:
        logs.create_log_stream(logGroupName=log_group, logStreamName=log_stream)
    except logs.exceptions.ResourceAlreadyExistsException:
        pass
    except logs.exceptions.ResourceNotFoundException:
        raise GeneratorError(
            f"log group {log_group!r} does not exist: create it with its subscription first (vpcflow_provision)"
        ) from None
    summaries = []
    for batch in batches:
        for events in log_event_batches(batch):
            response = logs.put_log_events(logGroupName=log_group, logStreamName=log_stream, logEvents=events)
            rejected = response.get("rejectedLogEventsInfo")
            if rejected:
                raise GeneratorError(
                    f"CloudWatch Logs rejected events of hour {batch.hour:%Y-%m-%dT%H} in {log_group}/{log_stream}: "
                    f"{rejected} (it accepts events from the last 14 days to 2 hours ahead only; write older "
                    "history to S3 instead)"
                )
        batch.summary.objects.append(f"{log_group}:{log_stream}")
        summaries.append(batch.summary)
    return summaries


def generate_to_s3(
    start: Any,
    end: Any,
    config: GeneratorConfig,
    *,
    s3: Any,
    url: str,
    delivery_stream: str = DEFAULT_DELIVERY_STREAM,
    objects_per_hour: int = 4,
    estate: Any = None,
) -> list[HourSummary]:
    """Generate [start, end) into ``url`` (``s3://bucket/raw/``) in Firehose's layout; one summary per hour
    (``estate``: the generator's estate placed in EC2, vpcflow.synthetic.ec2_estate)."""
    bucket, prefix = parse_s3_url(url)
    return write_s3(
        generate(start, end, config, estate),
        s3,
        bucket=bucket,
        prefix=prefix,
        seed=config.seed,
        delivery_stream=delivery_stream,
        objects_per_hour=objects_per_hour,
    )


def generate_to_log_group(
    start: Any,
    end: Any,
    config: GeneratorConfig,
    *,
    logs: Any,
    log_group: str,
    log_stream: str = DEFAULT_LOG_STREAM,
    estate: Any = None,
) -> list[HourSummary]:
    """Generate [start, end) into a CloudWatch Logs group; one summary per hour (``estate``: as for S3)."""
    return put_log_events(
        generate(start, end, config, estate), logs, log_group=log_group, log_stream=log_stream
    )
