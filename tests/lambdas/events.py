"""Real Lambda events, built the way AWS builds them: CloudWatch Logs subscription envelopes and S3
notifications."""

from __future__ import annotations

import base64
import gzip
import json
import random
from dataclasses import dataclass, field
from urllib.parse import quote_plus

ACCOUNT = "123456789012"
LOG_GROUP = "/vpc/flowlogs/vpc-0abc1234"
LOG_STREAM = "eni-0a1b2c3d4e5f67890-all"


def flow_log_lines(count: int, seed: int = 7) -> list[str]:
    """Default-format (v2) VPC flow log records, as they appear in CloudWatch Logs."""
    rng = random.Random(seed)
    lines = []
    for i in range(count):
        start = 1_764_165_600 + i
        lines.append(
            f"2 {ACCOUNT} eni-0a1b2c3d4e5f67890 10.0.{rng.randrange(256)}.{rng.randrange(256)} "
            f"172.31.{rng.randrange(256)}.{rng.randrange(256)} {rng.randrange(1024, 65536)} "
            f"{rng.choice((22, 80, 443, 3306, 5432))} {rng.choice((6, 17))} {rng.randrange(1, 500)} "
            f"{rng.randrange(40, 900_000)} {start} {start + 60} {rng.choice(('ACCEPT', 'REJECT'))} OK"
        )
    return lines


def awslogs_envelope(
    messages: list[str],
    log_group: str = LOG_GROUP,
    log_stream: str = LOG_STREAM,
    message_type: str = "DATA_MESSAGE",
) -> dict:
    return {
        "messageType": message_type,
        "owner": ACCOUNT if message_type == "DATA_MESSAGE" else "CloudwatchLogs",
        "logGroup": log_group,
        "logStream": log_stream,
        "subscriptionFilters": ["vpcflow-to-lambda"],
        "logEvents": [
            {"id": f"{36_000_000_000_000_000 + i}", "timestamp": 1_764_165_600_000 + i, "message": message}
            for i, message in enumerate(messages)
        ],
    }


def awslogs_event_from(payload: bytes) -> dict:
    """The Lambda event for already-gzipped bytes."""
    return {"awslogs": {"data": base64.b64encode(payload).decode("ascii")}}


def awslogs_event(messages: list[str], **envelope_args) -> dict:
    """A CloudWatch Logs subscription event: base64(gzip(JSON envelope))."""
    return awslogs_event_from(gzip.compress(json.dumps(awslogs_envelope(messages, **envelope_args)).encode()))


def control_message_event() -> dict:
    envelope = awslogs_envelope(
        ["CWL CONTROL MESSAGE: Checking health of destination Firehose."],
        log_group="",
        log_stream="",
        message_type="CONTROL_MESSAGE",
    )
    return awslogs_event_from(gzip.compress(json.dumps(envelope).encode()))


def s3_record(bucket: str, key: str, event_name: str = "ObjectCreated:Put", size: int = 1024) -> dict:
    """One S3 notification record; the key is URL-encoded as S3 encodes it (quote_plus style)."""
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": "us-east-1",
        "eventTime": "2017-01-14T07:10:00.000Z",
        "eventName": event_name,
        "userIdentity": {"principalId": "AWS:AIDAEXAMPLE"},
        "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": {"x-amz-request-id": "EXAMPLE123456789", "x-amz-id-2": "EXAMPLE/abc"},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": "FlowLogDataReceived",
            "bucket": {
                "name": bucket,
                "ownerIdentity": {"principalId": "EXAMPLE"},
                "arn": f"arn:aws:s3:::{bucket}",
            },
            "object": {
                "key": quote_plus(key, safe="/"),
                "size": size,
                "eTag": "0123456789abcdef",
                "sequencer": "0A1B2C",
            },
        },
    }


def s3_event(*records: dict) -> dict:
    return {"Records": list(records)}


def s3_test_event(bucket: str) -> dict:
    return {
        "Service": "Amazon S3",
        "Event": "s3:TestEvent",
        "Time": "2017-01-14T07:00:00.000Z",
        "Bucket": bucket,
        "RequestId": "5582815E1AEA5ADF",
        "HostId": "8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE",
    }


@dataclass
class LambdaContext:
    """The parts of the Lambda context object the handlers use; the remaining time counts down per call."""

    function_name: str = "test-function"
    aws_request_id: str = "52fdfc07-2182-154f-163f-5f0f9a621d72"
    memory_limit_in_mb: int = 128
    remaining_ms: list[int] = field(default_factory=lambda: [60_000])

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms[0]
