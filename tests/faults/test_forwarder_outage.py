"""Nothing lost on a real account's path: a Firehose outage longer than Lambda's retry window, on a stack
provisioned by vpcflow (failure queue, asynchronous invocation config, alerts topic, alarms) on localaws.

The forwarder fails every attempt of every event; Lambda gives the events up to the failure queue; the
alarms fire and notify the alerts topic; once Firehose is back, `vpcflow replay` delivers every line, the
queue is empty, and a second replay sends nothing.
"""

from __future__ import annotations

import base64
import gzip
import json
from collections import Counter

import boto3
import pytest
import requests
from vpcflow.devstack.cli import main as vpcflow
from vpcflow.model.config import StackConfig
from vpcflow.provision import stack as steps
from vpcflow.provision.common import Clients

from tests.conftest import REGION, stack_environment
from tests.faults import pipeline
from tests.faults.pipeline import Tally
from tests.lambdas.events import flow_log_lines

pytestmark = pytest.mark.e2e

EVENTS, LINES_PER_EVENT = 3, 500
# Two PutRecordBatch calls per attempt instead of ten: the outage outlasts them in a second, not a minute.
FAST_FORWARDER = {"MAX_ATTEMPTS": "2", "SAFETY_MARGIN_MS": "1000"}


@pytest.fixture
def stack(localaws, unique):
    config = StackConfig.isolated(
        "outage",
        unique[:6],
        log_group=f"/vpcflow/o{unique}",
        delivery_stream=f"o{unique}-delivery",
        quicksight=False,
    )
    clients = Clients(boto3.Session(region_name=REGION), endpoint_url=localaws.endpoint)
    for step in (
        steps.provision_storage,
        steps.provision_roles,
        steps.provision_delivery,
        steps.provision_functions,
        steps.provision_failure_handling,
        steps.provision_wiring,
    ):
        step(clients, config)
    lam = clients("lambda")
    lam.update_function_configuration(
        FunctionName=config.forwarder_function,
        Environment={"Variables": {"DELIVERY_STREAM_NAME": config.delivery_stream, **FAST_FORWARDER}},
    )
    lam.get_waiter("function_updated_v2").wait(FunctionName=config.forwarder_function)
    clients("logs").create_log_stream(logGroupName=config.log_group, logStreamName=pipeline.LOG_STREAM)
    return config, clients


def subscribe_inbox(clients: Clients, config: StackConfig) -> str:
    """An SQS queue subscribed to the alerts topic: what an on-call's pager would receive."""
    sqs = clients("sqs")
    url = sqs.create_queue(QueueName=f"{config.stack_name}-inbox")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic = steps.stack_arns(clients, config).topic(config.alerts_topic)
    clients("sns").subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    return url


def drain(sqs, url: str) -> list[dict]:
    found = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
        "Messages", []
    ):
        found += messages
        sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
        )
    return found


def queued_lines(sqs, url: str) -> Counter:
    """Every log line inside the invocation records waiting in the failure queue (left in the queue)."""
    lines: Counter = Counter()
    messages = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30).get(
        "Messages", []
    ):
        messages += batch
    for message in messages:
        record = json.loads(message["Body"])
        assert record["requestContext"]["condition"] == "RetriesExhausted", record["requestContext"]
        envelope = json.loads(gzip.decompress(base64.b64decode(record["requestPayload"]["awslogs"]["data"])))
        lines.update(event["message"] for event in envelope["logEvents"])
        sqs.change_message_visibility(
            QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
        )
    return lines


def evaluate_alarms(endpoint: str, config: StackConfig) -> dict[str, dict]:
    answer = requests.post(
        f"{endpoint}/_localaws/cloudwatch/evaluate", params={"prefix": config.alarm_prefix}, timeout=60
    )
    answer.raise_for_status()
    return {a["alarm"]: a for a in answer.json()["alarms"]}


def replay(config: StackConfig, endpoint: str, capsys, *args: str) -> tuple[int, str]:
    with stack_environment(config):
        code = vpcflow(["replay", "--endpoint-url", endpoint, "--region", REGION, *args])
    return code, capsys.readouterr().out


def test_an_outage_longer_than_every_retry_loses_nothing(localaws, stack, fault_report, capsys):
    config, clients = stack
    sqs, endpoint = clients("sqs"), localaws.endpoint
    failures = sqs.get_queue_url(QueueName=config.forwarder_failure_queue)["QueueUrl"]
    inbox = subscribe_inbox(clients, config)
    lines = flow_log_lines(EVENTS * LINES_PER_EVENT, seed=97)

    # GIVEN Firehose refusing every call (ServiceUnavailableException) until the outage ends
    pipeline.set_fault(endpoint, config.delivery_stream, fail_calls=1_000_000)
    try:
        # WHEN flow logs arrive in three PutLogEvents calls: three asynchronous invocations of the forwarder
        pipeline.put_lines(clients("logs"), config.log_group, lines, max_events=LINES_PER_EVENT)
        pipeline.wait_for_lambdas(endpoint)
        outcomes = pipeline.outcomes(endpoint, config.forwarder_function)
        # THEN every attempt failed, and Lambda gave each event to the failure queue: none dropped
        assert len(outcomes) == EVENTS
        for outcome in outcomes:
            assert (outcome["status"], outcome["attempts"], outcome["condition"]) == (
                "Failed", 3, "RetriesExhausted"
            ), outcome  # fmt: skip
            assert outcome["destination"].endswith(f":{config.forwarder_failure_queue}")
            assert "destination_error" not in outcome, outcome
        pipeline.flush(endpoint, config.delivery_stream)
        assert not pipeline.object_keys(clients("s3"), config.bucket, config.raw_prefix)
        assert queued_lines(sqs, failures) == Counter(lines)  # every line, once, waiting

        # AND the alarms fire and notify the alerts topic, in CloudWatch's notification shape
        alarms = evaluate_alarms(endpoint, config)
        firing = {
            name.removeprefix(config.alarm_prefix) for name, a in alarms.items() if a["state"] == "ALARM"
        }
        assert firing == {"forwarder-errors", "forwarder-events-dropped", "forwarder-failures-waiting"}, (
            alarms
        )
        notes = [json.loads(m["Body"]) for m in drain(sqs, inbox)]
        assert sorted(n["Subject"] for n in notes) == sorted(
            f'ALARM: "{config.alarm_prefix}{name}" in US East (N. Virginia)' for name in firing
        )
        errors = next(json.loads(n["Message"]) for n in notes if "forwarder-errors" in n["Subject"])
        assert errors["NewStateValue"] == "ALARM" and errors["NewStateReason"].startswith("Threshold Crossed")
        assert errors["Trigger"]["MetricName"] == "Errors" and errors["Trigger"]["Dimensions"] == [
            {"value": config.forwarder_function, "name": "FunctionName"}
        ]
        # AND the dry run lists the three events and sends nothing
        code, out = replay(config, endpoint, capsys, "--dry-run")
        assert code == 0 and f"listed {EVENTS} of {EVENTS} message(s)" in out, out
        assert out.count("RetriesExhausted, 3 attempts: ") == EVENTS, out
    finally:
        pipeline.clear_fault(endpoint, config.delivery_stream)

    # WHEN the outage is over and the operator replays the failure queue
    code, out = replay(config, endpoint, capsys)
    assert code == 0, out
    assert f"replayed {EVENTS} of {EVENTS} message(s)" in out and f"{len(lines):,} log events" in out, out
    pipeline.flush(endpoint, config.delivery_stream)
    # THEN every line is in S3 exactly once, and the queue is empty
    tally = Tally.of(lines, pipeline.delivered_lines(clients("s3"), config.bucket, config.raw_prefix))
    assert (tally.delivered, tally.lost, tally.duplicates, tally.foreign) == (len(lines), 0, 0, 0), tally
    depth = sqs.get_queue_attributes(
        QueueUrl=failures,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    assert depth == {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"}
    # AND a second replay finds nothing to send
    code, out = replay(config, endpoint, capsys)
    assert code == 0 and "replayed 0 of 0 message(s)" in out and "0 left in the queue" in out, out
    fault_report.add(
        "Firehose outage > every Lambda retry (provisioned stack)",
        f"every PutRecordBatch refused for {EVENTS} events x 3 attempts; alarms fired",
        tally.generated, tally.delivered, tally.lost, tally.duplicates, 0,
        "events kept on the failure queue (SQS); `vpcflow replay` delivered them; queue empty",
    )  # fmt: skip
