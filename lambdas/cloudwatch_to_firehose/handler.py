"""Lambda: CloudWatch Logs subscription -> Firehose. Thin adapter: configuration, client, one log line.

Each log event's message becomes one '\\n'-terminated line; lines are packed into as few Firehose records
as the limits allow and sent with PutRecordBatch; CONTROL_MESSAGE events are skipped. Delivery is
at-least-once (see lambdas/README.md).
"""

from __future__ import annotations

import functools
import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import awslogs
import boto3
import delivery
import packing
from botocore.config import Config

# Retries are ours (delivery.py), bounded by the invocation's remaining time; botocore's would not be.
CLIENT_CONFIG = Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=20)

DEFAULT_TIMEOUT_MS = 60_000  # when the context cannot tell the remaining time (local runs)


class ConfigError(ValueError):
    """A missing or invalid environment variable."""


@dataclass(frozen=True)
class Settings:
    delivery_stream: str
    max_record_bytes: int = packing.MAX_RECORD_BYTES
    max_batch_records: int = packing.MAX_BATCH_RECORDS
    max_batch_bytes: int = packing.MAX_BATCH_BYTES
    retry: delivery.RetryPolicy = delivery.RetryPolicy()


def _int_env(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"environment variable {name}={raw!r} is not an integer") from None
    if not low <= value <= high:
        raise ConfigError(f"environment variable {name}={value} must be between {low} and {high}")
    return value


def load_settings(env: Mapping[str, str] = os.environ) -> Settings:
    stream = env.get("DELIVERY_STREAM_NAME", "").strip()
    if not stream:
        raise ConfigError(
            "environment variable DELIVERY_STREAM_NAME is required: the Firehose delivery stream name"
        )
    return Settings(
        delivery_stream=stream,
        max_record_bytes=_int_env(
            env, "MAX_RECORD_BYTES", packing.MAX_RECORD_BYTES, 1, packing.MAX_RECORD_BYTES
        ),
        max_batch_records=_int_env(
            env, "MAX_BATCH_RECORDS", packing.MAX_BATCH_RECORDS, 1, packing.MAX_BATCH_RECORDS
        ),
        max_batch_bytes=_int_env(env, "MAX_BATCH_BYTES", packing.MAX_BATCH_BYTES, 1, packing.MAX_BATCH_BYTES),
        retry=delivery.RetryPolicy(
            max_attempts=_int_env(env, "MAX_ATTEMPTS", delivery.RetryPolicy.max_attempts, 1, 100),
            safety_margin_ms=_int_env(
                env, "SAFETY_MARGIN_MS", delivery.RetryPolicy.safety_margin_ms, 0, 900_000
            ),
        ),
    )


@functools.cache
def firehose_client():
    # Created once per container and reused by warm invocations.
    return boto3.client("firehose", config=CLIENT_CONFIG)


def handler(event, context):
    try:
        settings = load_settings()
    except ConfigError as exc:
        _log(
            {"function": "cloudwatch_to_firehose", "outcome": "error", "error": f"ConfigError: {exc}"},
            context,
        )
        raise
    return forward(event, context, firehose_client(), settings)


def _log(summary: dict, context) -> None:
    request_id = getattr(context, "aws_request_id", None)
    if request_id:
        summary["request_id"] = request_id
    # One JSON line on stdout: CloudWatch Logs Insights parses it as fields.
    print(json.dumps(summary, default=str), flush=True)


def remaining_time(context) -> Callable[[], int]:
    get = getattr(context, "get_remaining_time_in_millis", None)
    if callable(get):
        return get
    deadline = time.monotonic() + DEFAULT_TIMEOUT_MS / 1000
    return lambda: int((deadline - time.monotonic()) * 1000)


def forward(event, context, client, settings: Settings) -> dict:
    """Decode, pack and deliver one subscription event; return (and print) its one-line summary."""
    started = time.monotonic()
    stats = delivery.DeliveryStats()
    summary: dict = {"function": "cloudwatch_to_firehose", "delivery_stream": settings.delivery_stream}
    try:
        logs = awslogs.decode(event)
        summary.update(log_group=logs.log_group, log_stream=logs.log_stream, message_type=logs.message_type)
        summary["events_in"] = len(logs.messages)
        if logs.message_type == awslogs.CONTROL_MESSAGE:
            summary["outcome"] = "skipped_control_message"
            return summary
        records = packing.pack_lines(logs.messages, settings.max_record_bytes, logs.source)
        batches = packing.batch_records(records, settings.max_batch_records, settings.max_batch_bytes)
        delivery.put_batches(
            client, settings.delivery_stream, batches, remaining_time(context), settings.retry, stats
        )
        summary["outcome"] = "delivered"
        return summary
    except Exception as exc:
        summary["outcome"] = "error"
        summary["error"] = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        summary.update(
            records_out=stats.records,
            bytes_out=stats.bytes,
            batches=stats.batches,
            put_calls=stats.calls,
            retries=stats.retries,
            records_retried=stats.records_retried,
            errors=dict(stats.errors),
            duration_ms=round((time.monotonic() - started) * 1000, 1),
        )
        _log(summary, context)
