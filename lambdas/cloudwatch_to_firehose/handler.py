"""Lambda: CloudWatch Logs subscription -> Firehose. Thin adapter: configuration, client, one log line.

Each log event's message becomes one '\\n'-terminated line; lines are packed into as few Firehose records
as the limits allow and sent with PutRecordBatch; CONTROL_MESSAGE events are skipped. Delivery is
at-least-once (see lambdas/README.md).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass

import awslogs
import boto3
import delivery
import packing
from botocore.config import Config
from vpcflow_lambda import ConfigError as ConfigError  # the handler's own error type, for its callers
from vpcflow_lambda import bounded_int, configure, remaining_time, required, summary_line

# Retries are ours (delivery.py), bounded by the invocation's remaining time; botocore's would not be.
CLIENT_CONFIG = Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=20)
FUNCTION = "cloudwatch_to_firehose"


@dataclass(frozen=True)
class Settings:
    delivery_stream: str
    max_record_bytes: int = packing.MAX_RECORD_BYTES
    max_batch_records: int = packing.MAX_BATCH_RECORDS
    max_batch_bytes: int = packing.MAX_BATCH_BYTES
    retry: delivery.RetryPolicy = delivery.RetryPolicy()


def load_settings(env: Mapping[str, str] = os.environ) -> Settings:
    return Settings(
        delivery_stream=required(env, "DELIVERY_STREAM_NAME", "the Firehose delivery stream name"),
        max_record_bytes=bounded_int(
            env, "MAX_RECORD_BYTES", packing.MAX_RECORD_BYTES, 1, packing.MAX_RECORD_BYTES
        ),
        max_batch_records=bounded_int(
            env, "MAX_BATCH_RECORDS", packing.MAX_BATCH_RECORDS, 1, packing.MAX_BATCH_RECORDS
        ),
        max_batch_bytes=bounded_int(
            env, "MAX_BATCH_BYTES", packing.MAX_BATCH_BYTES, 1, packing.MAX_BATCH_BYTES
        ),
        retry=delivery.RetryPolicy(
            max_attempts=bounded_int(env, "MAX_ATTEMPTS", delivery.RetryPolicy.max_attempts, 1, 100),
            safety_margin_ms=bounded_int(
                env, "SAFETY_MARGIN_MS", delivery.RetryPolicy.safety_margin_ms, 0, 900_000
            ),
        ),
    )


@functools.cache
def firehose_client():
    # Created once per container and reused by warm invocations.
    return boto3.client("firehose", config=CLIENT_CONFIG)


def handler(event, context):
    settings = configure(FUNCTION, context, load_settings)
    return forward(event, context, firehose_client(), settings)


def forward(event, context, client, settings: Settings) -> dict:
    """Decode, pack and deliver one subscription event; return (and print) its one-line summary."""
    stats = delivery.DeliveryStats()
    with summary_line(
        FUNCTION, context, lambda: _counters(stats), delivery_stream=settings.delivery_stream
    ) as summary:
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


def _counters(stats: delivery.DeliveryStats) -> dict:
    return {
        "records_out": stats.records,
        "bytes_out": stats.bytes,
        "batches": stats.batches,
        "put_calls": stats.calls,
        "retries": stats.retries,
        "records_retried": stats.records_retried,
        "errors": dict(stats.errors),
    }
