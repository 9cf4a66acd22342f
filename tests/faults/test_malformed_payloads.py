"""Malformed CloudWatch Logs payloads and oversized lines, invoked directly on the deployed forwarder:
each fails the invocation with an error that says what is wrong (naming the log group and stream once
they can be read), and nothing at all reaches Firehose, so nothing lands in S3 half-delivered."""

from __future__ import annotations

import base64
import gzip
import json

import pytest

from tests.faults import pipeline
from tests.lambdas.events import awslogs_envelope, awslogs_event, awslogs_event_from, flow_log_lines

pytestmark = pytest.mark.e2e

GROUP, STREAM = "/vpc/flowlogs/vpc-0abc1234", "eni-0a1b2c3d4e5f67890-all"
WHERE = f"log group {GROUP!r}, stream {STREAM!r}"
UNKNOWN = "log group and stream unknown"


def _gz_json(value) -> dict:
    return awslogs_event_from(gzip.compress(json.dumps(value).encode()))


def _envelope_without(field: str) -> dict:
    envelope = awslogs_envelope(flow_log_lines(3))
    del envelope[field]
    return _gz_json(envelope)


def _event_without_message() -> dict:
    envelope = awslogs_envelope(flow_log_lines(3))
    del envelope["logEvents"][1]["message"]
    return _gz_json(envelope)


CASES = {
    "not base64": ({"awslogs": {"data": "!!! not base64 !!!"}}, ["awslogs.data is not base64", UNKNOWN]),
    "not gzip": (
        {"awslogs": {"data": base64.b64encode(b"plain text, not gzip").decode()}},
        ["awslogs.data is not gzip", UNKNOWN],
    ),
    "truncated gzip": (
        awslogs_event_from(gzip.compress(json.dumps(awslogs_envelope(["x"])).encode())[:-12]),
        ["awslogs.data is not gzip", UNKNOWN],
    ),
    "not JSON": (
        awslogs_event_from(gzip.compress(b'{"messageType": "DATA_MESSAGE", ')),
        ["decompressed awslogs.data is not JSON", UNKNOWN],
    ),
    "JSON array": (_gz_json([1, 2]), ["decoded payload is a JSON list, not an object"]),
    "no awslogs key": ({"Records": []}, ["no awslogs.data (got ['Records'])"]),
    "no messageType": (_envelope_without("messageType"), [WHERE, "messageType is None"]),
    "no logStream": (_envelope_without("logStream"), ["stream None", "needs string logGroup and logStream"]),
    "logEvents not a list": (
        _gz_json({**awslogs_envelope([]), "logEvents": {"message": "x"}}),
        [WHERE, "logEvents is a dict, expected a list"],
    ),
    "event without message": (_event_without_message(), [WHERE, "logEvents[1] has no message"]),
    "line longer than a record": (
        awslogs_event(["ok line", "x" * 1_100_000, "another ok line"]),
        [WHERE, "log event 1 is 1100001 bytes with its newline", "(1024000 bytes)"],
    ),
}


# Lines the payload holds where they can be read; the others cannot be decoded at all.
LINES_IN = {
    "no messageType": 3,
    "no logStream": 3,
    "event without message": 3,
    "line longer than a record": 3,
}


@pytest.fixture(scope="module")
def forwarder(localaws, aws_client):
    """One deployed forwarder (default 1,000 KiB records) with its stream and bucket."""
    return pipeline.forwarding_stack(aws_client, "malformed")


@pytest.mark.parametrize("case", list(CASES))
def test_malformed_payload_fails_clearly_and_delivers_nothing(
    localaws, aws_client, forwarder, fault_report, case
):
    event, expected = CASES[case]
    # WHEN the forwarder is invoked with the payload
    answer = aws_client("lambda").invoke(FunctionName=forwarder.function, Payload=json.dumps(event).encode())
    error = json.loads(answer["Payload"].read())
    # THEN the invocation fails with a message naming the problem (and the source once it is known)
    assert answer.get("FunctionError") == "Unhandled", error
    for part in expected:
        assert part in error["errorMessage"], error
    # AND nothing reached Firehose or S3
    assert pipeline.flush(localaws.endpoint, forwarder.stream) == []
    assert pipeline.object_keys(aws_client("s3"), forwarder.bucket) == []
    fault_report.add(
        f"malformed payload: {case}",
        f"{case} ({error['errorType']})",
        LINES_IN.get(case, "unreadable"), 0, 0, 0, 0,
        "invocation fails naming the problem; nothing sent; the event stays with Lambda (retries, OnFailure)",
    )  # fmt: skip
