"""The Python bodies of vpcflow_hourly's tasks. Each works on the HourContext it is given, never on the
clock, and leaves the same state when run twice. Clients come in from the DAG (AthenaHook, S3Hook), so the
same code runs on AWS and on localaws."""

from __future__ import annotations

import io
import logging
import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from airflow.sdk.exceptions import AirflowFailException

from vpcflow.athena import Athena
from vpcflow.hourly.context import HourContext
from vpcflow.hourly.quality import CHECKS, evaluate, failure_message, find_offending_lines
from vpcflow.hourly.settings import RunSettings
from vpcflow.model.config import StackConfig

log = logging.getLogger(__name__)


class HourFailed(AirflowFailException):
    """The hour cannot be processed as it is: no data, or a quality breach. Retrying will not help, so the
    task fails at once instead of spending its retries."""


def split_location(location: str) -> tuple[str, str]:
    bucket, _, prefix = location.removeprefix("s3://").partition("/")
    return bucket, prefix


def _list(s3_client: Any, location: str) -> Iterator[dict[str, Any]]:
    bucket, prefix = split_location(location)
    for page in s3_client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        yield from page.get("Contents", [])


def list_hour_objects(s3_client: Any, hour: HourContext) -> dict[str, Any]:
    """The objects Firehose wrote for hour H; fails, naming the prefix, when there are too few."""
    objects = [(item["Key"], item["Size"]) for item in _list(s3_client, hour.raw_location)]
    if len(objects) < hour.settings.min_objects:
        raise HourFailed(
            f"hour {hour.label}: {len(objects)} objects under {hour.raw_location}, expected at least "
            f"{hour.settings.min_objects} (set min_objects=0 to accept an empty hour)"
        )
    return {"prefix": hour.raw_location, "objects": len(objects), "bytes": sum(size for _, size in objects)}


def store_quality(s3_client: Any, athena_client: Any, hour: HourContext, rows: list[dict[str, Any]]) -> str:
    """Write hour H's check rows as one Parquet object at a fixed key (a rerun replaces it) and register
    the partition. Returns the object's URI."""
    import duckdb

    bucket, prefix = split_location(hour.quality_location)
    key = f"{prefix}quality-{hour.label}.parquet"
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE q (check_name VARCHAR, value BIGINT, ratio DOUBLE, threshold DOUBLE, passed BOOLEAN)"
    )
    con.executemany(
        "INSERT INTO q VALUES (?, ?, ?, ?, ?)",
        [(r["check_name"], r["value"], r["ratio"], r["threshold"], r["passed"]) for r in rows],
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/q.parquet"
        con.execute(f"COPY q TO '{path}' (FORMAT parquet)")
        with open(path, "rb") as handle:
            s3_client.put_object(Bucket=bucket, Key=key, Body=handle.read())
    Athena.for_stack(athena_client, hour.stack).run(hour.add_quality_partition_sql())
    return f"s3://{bucket}/{key}"


def evaluate_quality(
    s3_client: Any, athena_client: Any, hour: HourContext, query_execution_id: str
) -> dict[str, Any]:
    """Judge hour H from the one-scan check query, store the verdict, and fail with evidence on a breach."""
    (counts,) = Athena(athena_client).rows(query_execution_id)
    results = evaluate({name: int(counts[name] or 0) for name in CHECKS}, hour.settings.thresholds)
    stored = store_quality(s3_client, athena_client, hour, [r.as_row() for r in results])
    failed = {r.check for r in results if not r.passed}
    verdict = {
        "hour": hour.label,
        "passed": not failed,
        "failed_checks": sorted(failed),
        "counts": {r.check: r.value for r in results},
        "stored": stored,
    }
    log.info("quality of %s: %s", hour.label, verdict)
    if failed:
        samples = find_offending_lines(
            _hour_objects(s3_client, hour), failed, hour.start_ts, hour.settings.outside_hour_tolerance_s
        )
        raise HourFailed(failure_message(hour.label, results, samples))
    return verdict


def _hour_objects(s3_client: Any, hour: HourContext) -> Iterator[tuple[str, bytes]]:
    bucket, _ = split_location(hour.raw_location)
    for item in _list(s3_client, hour.raw_location):
        body = s3_client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
        yield f"s3://{bucket}/{item['Key']}", body


def clear_parquet_partition(s3_client: Any, hour: HourContext) -> int:
    """Delete the files of hour H's Parquet partition so the insert that follows replaces, not appends.
    DeleteObjects answers 200 even when some keys failed: those come back in Errors, and any of them
    would leave rows of an earlier try beside the new ones, so they fail the try."""
    bucket, _ = split_location(hour.parquet_location)
    keys = [{"Key": item["Key"]} for item in _list(s3_client, hour.parquet_location)]
    for start in range(0, len(keys), 1000):  # DeleteObjects takes at most 1000 keys
        answer = s3_client.delete_objects(
            Bucket=bucket, Delete={"Objects": keys[start : start + 1000], "Quiet": True}
        )
        if answer.get("Errors"):
            first = answer["Errors"][0]
            raise RuntimeError(
                f"hour {hour.label}: {len(answer['Errors'])} object(s) of {hour.parquet_location} not deleted, "
                f"e.g. {first.get('Key')}: {first.get('Code')} {first.get('Message')}"
            )
    return len(keys)


def spice_refresh_due(
    settings: RunSettings, stack: StackConfig, run_type: Any, interval_end: datetime, conf: dict[str, Any]
) -> bool:
    """Whether this run refreshes SPICE. QuickSight allows 32 refreshes a day (8 on Standard), so a
    backfill refreshes once, in the run of its last hour (``backfill_to`` in the run's conf)."""
    # The Task SDK's DagRunType is a plain str Enum: str() of it is 'DagRunType.BACKFILL', not 'backfill'.
    run_type = getattr(run_type, "value", run_type)
    if settings.spice_refresh == "off" or not stack.quicksight:
        return False
    if run_type != "backfill" or settings.spice_refresh == "hourly":
        return True
    backfill_to = conf.get("backfill_to")
    if not backfill_to:
        return False
    from pendulum import parse

    return interval_end >= parse(backfill_to) - timedelta(seconds=1)


def summarise(
    athena_client: Any, query_execution_id: str, verdict: dict[str, Any], objects: dict[str, Any]
) -> dict[str, Any]:
    rows = Athena(athena_client).rows(query_execution_id)
    total = next(r for r in rows if r["kind"] == "total")
    summary = {
        "hour": verdict["hour"],
        "objects": objects["objects"],
        "object_bytes": objects["bytes"],
        "flows": int(total["flows"]),
        "bytes": int(total["bytes"]),
        "rejects": int(total["rejects"]),
        "top_rejected_sources": [
            (r["sourceaddress"], int(r["flows"])) for r in rows if r["kind"] == "top_rejected"
        ],
        "quality": "passed" if verdict["passed"] else f"failed: {', '.join(verdict['failed_checks'])}",
    }
    buffer = io.StringIO()
    buffer.write(
        f"hour {summary['hour']}: {summary['flows']} flows, {summary['bytes']} bytes, "
        f"{summary['rejects']} rejects, quality {summary['quality']}"
    )
    for source, flows in summary["top_rejected_sources"]:
        buffer.write(f"\n  rejected source {source}: {flows} flows")
    log.info(buffer.getvalue())
    return summary
