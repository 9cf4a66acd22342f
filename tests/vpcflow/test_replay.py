"""vpcflow.replay: which queue messages are replayable events (pure), and replaying against localaws with a
function that fails some events: a message goes only after its event was delivered; the others stay,
visible again, with the function's error reported."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from vpcflow.replay import RecordError, parse_message, replay

from tests.lambdas.events import awslogs_event

FUNCTION = "fwd"
# Stands in for the forwarder: answers its summary's records_out, or fails on a "poison" line.
HANDLER = """
import base64, gzip, json


def handler(event, context):
    envelope = json.loads(gzip.decompress(base64.b64decode(event["awslogs"]["data"])))
    lines = [e["message"] for e in envelope["logEvents"]]
    if "poison" in lines:
        raise RuntimeError("Firehose said no")
    return {"records_out": 1, "events_in": len(lines)}
"""


def record(event: dict, function: str = FUNCTION, condition: str = "RetriesExhausted") -> str:
    """An on-failure invocation record, as Lambda writes it to the queue."""
    return json.dumps(
        {
            "version": "1.0",
            "timestamp": "2026-11-30T12:00:00.000Z",
            "requestContext": {
                "requestId": "e4b46cbf-b738-4ea8-8880-a18cdf61200e",
                "functionArn": f"arn:aws:lambda:us-east-1:123456789012:function:{function}:$LATEST",
                "condition": condition,
                "approximateInvokeCount": 3,
            },
            "requestPayload": event,
            "responseContext": {
                "statusCode": 200,
                "executedVersion": "$LATEST",
                "functionError": "Unhandled",
            },
            "responsePayload": {"errorMessage": "slow down", "errorType": "DeliveryError"},
        }
    )


def message(body: str) -> dict:
    return {"MessageId": "m-1", "ReceiptHandle": "h-1", "Body": body}


def test_an_invocation_record_gives_its_original_event():
    event = awslogs_event(["a", "b", "c"])
    failed = parse_message(message(record(event)), FUNCTION)
    assert failed.payload == event and failed.log_events == 3
    assert (failed.condition, failed.attempts, failed.error) == (
        "RetriesExhausted",
        3,
        "DeliveryError: slow down",
    )


def test_a_bare_dead_letter_event_is_replayable_too():
    failed = parse_message(message(json.dumps(awslogs_event(["a"]))), FUNCTION)
    assert failed.log_events == 1 and failed.condition is None


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("not json", "message m-1: the body is not JSON"),
        ("[1, 2]", "message m-1: the body is JSON list, not an object"),
        ('{"hello": 1}', "neither a Lambda invocation record (requestPayload) nor a CloudWatch Logs event"),
        (record(awslogs_event(["a"]), function="other"), "a record of function 'other', not of 'fwd'"),
        (record({"awslogs": {"data": "!!"}}), "awslogs.data is not base64(gzip(JSON))"),
        (record({"n": 1}), "not a CloudWatch Logs subscription event"),
    ],
)
def test_what_is_not_a_replayable_event_is_named(body, problem):
    with pytest.raises(RecordError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        parse_message(message(body), FUNCTION)


@pytest.fixture
def function(aws_client, unique) -> str:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    role = aws_client("iam").create_role(
        RoleName=f"replay-{unique}", AssumeRolePolicyDocument=json.dumps(trust)
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", HANDLER)
    name = f"{FUNCTION}-{unique}"
    aws_client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role["Role"]["Arn"],
        Handler="handler.handler",
        Code={"ZipFile": buffer.getvalue()},
        Timeout=10,
    )
    return name


def test_replay_deletes_only_what_was_delivered(aws_client, unique, function):
    sqs, lam = aws_client("sqs"), aws_client("lambda")
    url = sqs.create_queue(QueueName=f"replay-{unique}")["QueueUrl"]
    # GIVEN two good events, one the function still refuses, and one message that is no event at all
    for lines in (["a", "b"], ["poison"], ["c"]):
        sqs.send_message(QueueUrl=url, MessageBody=record(awslogs_event(lines), function))
    sqs.send_message(QueueUrl=url, MessageBody='{"hello": 1}')
    # WHEN a dry run lists them
    listed = replay(sqs, lam, url, function, dry_run=True)
    # THEN nothing was sent or deleted
    assert len(listed.listed) == 3 and len(listed.failed) == 1 and listed.left_in_queue == 4
    # WHEN they are replayed
    report = replay(sqs, lam, url, function)
    # THEN the two good events were delivered and their messages deleted
    assert sorted(i.event.log_events for i in report.sent) == [1, 2]
    assert report.log_events_sent == 3 and report.records_sent == 2
    assert all(i.deleted for i in report.sent)
    # AND the refused one and the unreadable one stay, visible again at once, each with its reason
    assert sorted(i.outcome for i in report.failed) == ["failed", "unreadable"]
    refused = next(i for i in report.failed if i.outcome == "failed")
    assert refused.error == "RuntimeError: Firehose said no"
    assert report.left_in_queue == 2
    visible = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    assert visible["Attributes"]["ApproximateNumberOfMessages"] == "2"
    # AND a limit stops after that many messages, leaving the rest
    assert len(replay(sqs, lam, url, function, limit=1).items) == 1
