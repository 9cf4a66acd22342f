"""The local Lambda runtime's asynchronous invocation config and metrics: MaximumEventAgeInSeconds cuts
retries where Lambda's 1- and 2-minute retry delays would, PutFunctionEventInvokeConfig replaces the config
(UpdateFunctionEventInvokeConfig changes what it names), a destination that cannot be reached is reported,
and invocations publish AWS/Lambda metrics."""

from __future__ import annotations

import io
import json
import time
import zipfile
from datetime import UTC, datetime, timedelta

import pytest

HANDLER = """
def fail(event, context):
    raise ValueError("no: %s" % event.get("n"))
"""


@pytest.fixture(scope="module")
def role(aws_client) -> str:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    name = f"localaws-event-config-{time.time_ns()}"
    return aws_client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"][
        "Arn"
    ]


@pytest.fixture
def failing(aws_client, role, unique) -> str:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", HANDLER)
    name = f"fail-{unique}"
    aws_client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="handler.fail",
        Code={"ZipFile": buffer.getvalue()},
        Timeout=10,
    )
    return name


@pytest.fixture
def queue(aws_client, unique) -> tuple[str, str]:
    sqs = aws_client("sqs")
    url = sqs.create_queue(QueueName=f"failed-{unique}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def invoke_event(localaws, aws_client, name: str) -> dict:
    aws_client("lambda").invoke(FunctionName=name, InvocationType="Event", Payload=b'{"n": 1}')
    assert localaws.services["lambda"].wait_idle(60)
    return [o for o in localaws.services["lambda"].async_results if o["function"] == name][-1]


def records(aws_client, url: str) -> list[dict]:
    found = aws_client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
    return [json.loads(m["Body"]) for m in found.get("Messages", [])]


@pytest.mark.parametrize(("max_age", "attempts"), [(60, 1), (120, 2), (21600, 3)])
def test_the_maximum_event_age_cuts_retries_where_lambdas_delays_would(
    localaws, aws_client, failing, queue, max_age, attempts
):
    # GIVEN a failing function whose events may live max_age seconds (Lambda retries after 1 min, then 2)
    url, arn = queue
    aws_client("lambda").put_function_event_invoke_config(
        FunctionName=failing,
        MaximumRetryAttempts=2,
        MaximumEventAgeInSeconds=max_age,
        DestinationConfig={"OnFailure": {"Destination": arn}},
    )
    # WHEN an event is invoked
    outcome = invoke_event(localaws, aws_client, failing)
    # THEN it is tried as often as fits in its age, and its record says why it was given up
    condition = "RetriesExhausted" if attempts == 3 else "EventAgeExceeded"
    assert (outcome["attempts"], outcome["condition"]) == (attempts, condition), outcome
    (record,) = records(aws_client, url)
    assert record["requestContext"]["condition"] == condition
    assert record["requestContext"]["approximateInvokeCount"] == attempts


def test_put_replaces_the_config_and_update_changes_what_it_names(localaws, aws_client, failing, queue):
    url, arn = queue
    lam = aws_client("lambda")
    # GIVEN a config with a destination, then a put without one
    lam.put_function_event_invoke_config(
        FunctionName=failing, MaximumRetryAttempts=2, DestinationConfig={"OnFailure": {"Destination": arn}}
    )
    lam.put_function_event_invoke_config(FunctionName=failing, MaximumRetryAttempts=0)
    # THEN the second one is the config: no retry, no record
    current = lam.get_function_event_invoke_config(FunctionName=failing)
    assert current["MaximumRetryAttempts"] == 0 and not current.get("DestinationConfig")
    assert invoke_event(localaws, aws_client, failing)["attempts"] == 1
    assert records(aws_client, url) == []
    # WHEN an update names the destination only
    lam.update_function_event_invoke_config(
        FunctionName=failing, DestinationConfig={"OnFailure": {"Destination": arn}}
    )
    # THEN the retries stay as they were and the destination is added
    current = lam.get_function_event_invoke_config(FunctionName=failing)
    assert current["MaximumRetryAttempts"] == 0
    assert current["DestinationConfig"]["OnFailure"]["Destination"] == arn


def metric_sum(aws_client, name: str, metric: str) -> float:
    stats = aws_client("cloudwatch").get_metric_statistics(
        Namespace="AWS/Lambda",
        MetricName=metric,
        Dimensions=[{"Name": "FunctionName", "Value": name}],
        StartTime=datetime.now(UTC) - timedelta(minutes=5),
        EndTime=datetime.now(UTC) + timedelta(minutes=1),
        Period=600,
        Statistics=["Sum"],
    )
    return sum(p["Sum"] for p in stats["Datapoints"])


def test_a_missing_destination_queue_is_reported_and_counted(localaws, aws_client, failing, caplog):
    # GIVEN an on-failure destination naming a queue that does not exist
    gone = "arn:aws:sqs:us-east-1:123456789012:no-such-queue"
    aws_client("lambda").put_function_event_invoke_config(
        FunctionName=failing, MaximumRetryAttempts=0, DestinationConfig={"OnFailure": {"Destination": gone}}
    )
    # WHEN an event fails
    outcome = invoke_event(localaws, aws_client, failing)
    # THEN the outcome, the log and DestinationDeliveryFailures name the problem: the event is lost, loudly
    assert gone in outcome["destination_error"] and "does not exist" in outcome["destination_error"]
    assert any(gone in r.getMessage() and "event lost" in r.getMessage() for r in caplog.records)
    assert metric_sum(aws_client, failing, "DestinationDeliveryFailures") == 1
    assert metric_sum(aws_client, failing, "AsyncEventsDropped") == 1


def test_invocations_publish_lambda_metrics(localaws, aws_client, failing):
    # WHEN the function is invoked twice synchronously and fails both times
    for _ in range(2):
        assert (
            aws_client("lambda").invoke(FunctionName=failing, Payload=b"{}")["FunctionError"] == "Unhandled"
        )
    # THEN AWS/Lambda has its invocations and errors; nothing is ever throttled locally
    assert metric_sum(aws_client, failing, "Invocations") == 2
    assert metric_sum(aws_client, failing, "Errors") == 2
    assert metric_sum(aws_client, failing, "Throttles") == 0
