"""Firehose misbehaving under the real-time path: CloudWatch Logs subscription -> cloudwatch_to_firehose
(the deployed zip, run by localaws's Lambda runtime) -> Firehose (localaws, GZIP) -> S3.

Every case counts the lines it logged against the lines in S3 after a flush: none may be lost, and
duplicates may only come from what at-least-once delivery allows (a Lambda retry resending batches an
earlier attempt had delivered), never more than the event's lines per extra attempt.
"""

from __future__ import annotations

import json

import pytest

from tests.faults import pipeline
from tests.faults.pipeline import Tally
from tests.lambdas.events import flow_log_lines

pytestmark = pytest.mark.e2e

# Small records (about 37 lines each), so one invocation sends many and partial failures split them.
SMALL_RECORDS = {"MAX_RECORD_BYTES": "4096", "SAFETY_MARGIN_MS": "1000"}


def run(
    localaws, aws_client, stack: pipeline.Stack, lines: list[str], per_call: int
) -> tuple[Tally, list[dict]]:
    pipeline.put_lines(aws_client("logs"), stack.group, lines, max_events=per_call)
    pipeline.wait_for_lambdas(localaws.endpoint)
    pipeline.flush(localaws.endpoint, stack.stream)
    tally = Tally.of(lines, pipeline.delivered_lines(aws_client("s3"), stack.bucket))
    return tally, pipeline.outcomes(localaws.endpoint, stack.function)


@pytest.mark.parametrize(
    ("fail_rate", "throttle"), [(0.1, True), (0.3, True), (0.6, True), (0.3, False)], ids=lambda v: str(v)
)
def test_partial_failures_are_resent_until_every_line_arrives_once(
    localaws, aws_client, unique, fault_report, fail_rate, throttle
):
    # GIVEN Firehose rejects a share of every PutRecordBatch's records (FailedPutCount > 0), as
    # ServiceUnavailableException "Slow down." (throttling) or InternalFailure
    stack = pipeline.forwarding_stack(aws_client, unique, SMALL_RECORDS)
    pipeline.set_fault(localaws.endpoint, stack.stream, fail_rate=fail_rate, throttle=throttle, seed=17)
    lines = flow_log_lines(1_200, seed=int(fail_rate * 100) + throttle)
    try:
        # WHEN 1,200 lines are logged in two PutLogEvents calls (two invocations)
        tally, results = run(localaws, aws_client, stack, lines, per_call=600)
    finally:
        pipeline.clear_fault(localaws.endpoint, stack.stream)
    # THEN every line is in S3; only failed records were resent, so none twice unless Lambda retried
    attempts = sum(r["attempts"] for r in results)
    bound = sum((r["attempts"] - 1) * 600 for r in results)
    assert (tally.lost, tally.foreign) == (0, 0), tally
    assert tally.duplicates <= bound, (tally, results)
    assert {r["status"] for r in results} == {"Success"} and len(results) == 2, results
    summaries = [json.loads(r["payload"]) for r in results]
    retried = sum(s["records_retried"] for s in summaries)
    assert retried > 0, summaries
    code = "ServiceUnavailableException" if throttle else "InternalFailure"
    fault_report.add(
        f"Firehose partial failure {fail_rate:.0%}",
        f"FailedPutCount: {fail_rate:.0%} of records answer {code}",
        tally.generated, tally.delivered, tally.lost, tally.duplicates, bound,
        f"{retried} records resent by the Lambda, {attempts} invocation(s) for 2 events",
    )  # fmt: skip


def test_whole_calls_throttled_are_resent_within_the_invocation(localaws, aws_client, unique, fault_report):
    # GIVEN Firehose refuses the next 4 PutRecordBatch calls whole (ServiceUnavailableException)
    stack = pipeline.forwarding_stack(aws_client, unique, SMALL_RECORDS)
    pipeline.set_fault(localaws.endpoint, stack.stream, fail_calls=4)
    lines = flow_log_lines(800, seed=41)
    # WHEN lines are logged
    tally, results = run(localaws, aws_client, stack, lines, per_call=800)
    # THEN the invocation waited them out (10 attempts allowed) and delivered everything exactly once
    assert (tally.lost, tally.duplicates, tally.foreign) == (0, 0, 0), tally
    ((result,),) = [results]
    assert (result["status"], result["attempts"]) == ("Success", 1), result
    assert json.loads(result["payload"])["retries"] == 4
    fault_report.add(
        "Firehose throttling (whole calls)",
        "4 PutRecordBatch calls refused: ServiceUnavailableException",
        tally.generated, tally.delivered, tally.lost, tally.duplicates, 0,
        "backoff with jitter inside one invocation",
    )  # fmt: skip


def test_firehose_down_longer_than_an_invocation_is_survived_by_lambda_retries(
    localaws, aws_client, unique, fault_report
):
    # GIVEN a forwarder allowed 3 calls per batch, and Firehose refusing the next 5 calls
    stack = pipeline.forwarding_stack(aws_client, unique, {**SMALL_RECORDS, "MAX_ATTEMPTS": "3"})
    pipeline.set_fault(localaws.endpoint, stack.stream, fail_calls=5)
    lines = flow_log_lines(800, seed=43)
    # WHEN lines are logged
    tally, results = run(localaws, aws_client, stack, lines, per_call=800)
    # THEN the first invocation raised, Lambda's async retry delivered: everything, once (the failed
    # invocation had delivered nothing)
    ((result,),) = [results]
    assert (result["status"], result["attempts"]) == ("Success", 2), result
    assert (tally.lost, tally.duplicates, tally.foreign) == (0, 0, 0), tally
    fault_report.add(
        "Firehose unavailable > 1 invocation",
        "5 calls refused; the Lambda gives up after 3",
        tally.generated, tally.delivered, tally.lost, tally.duplicates, 0,
        "Lambda raised; async retry (MaximumRetryAttempts) delivered",
    )  # fmt: skip


def test_an_outage_in_the_middle_of_an_event_duplicates_only_the_batches_already_sent(
    localaws, aws_client, unique, fault_report, monkeypatch
):
    # GIVEN batches of 10 records (~370 lines), 3 calls per batch, and Firehose going down after the
    # event's first two calls for three calls: the invocation fails after delivering two batches
    env = {**SMALL_RECORDS, "MAX_ATTEMPTS": "3", "MAX_BATCH_RECORDS": "10"}
    stack = pipeline.forwarding_stack(aws_client, unique, env)
    firehose = localaws.services["firehose"]
    original, calls = firehose._injected_failures, []

    def outage_after_two_calls(stream: str, count: int):
        if stream == stack.stream:
            calls.append(count)
            if len(calls) == 3:
                firehose.set_fault(stream, fail_calls=3)
        return original(stream, count)

    monkeypatch.setattr(firehose, "_injected_failures", outage_after_two_calls)
    lines = flow_log_lines(1_200, seed=47)
    packing = pipeline.lambda_module("cloudwatch_to_firehose", "packing")
    batches = packing.batch_records(packing.pack_lines(lines, 4096), 10)
    assert len(batches) >= 3
    sent_before_outage = sum(record.count(b"\n") for batch in batches[:2] for record in batch)
    # WHEN the lines are logged in one call
    tally, results = run(localaws, aws_client, stack, lines, per_call=1_200)
    # THEN everything arrived; Lambda's retry resent the event, so exactly the two batches delivered before
    # the outage are in S3 twice: at-least-once, bounded by one event per extra attempt
    ((result,),) = [results]
    assert (result["status"], result["attempts"]) == ("Success", 2), result
    assert (tally.lost, tally.foreign) == (0, 0), tally
    assert tally.duplicates == sent_before_outage <= len(lines) * (result["attempts"] - 1)
    fault_report.add(
        "Firehose outage mid-event",
        "calls 3-5 of an event refused; 3 calls per batch",
        tally.generated, tally.delivered, tally.lost, tally.duplicates, len(lines),
        "Lambda retry resent the event (2 batches sent twice)",
    )  # fmt: skip


def test_an_event_that_outlives_every_retry_is_kept_on_the_failure_destination_and_replayed(
    localaws, aws_client, unique, fault_report
):
    # GIVEN an on-failure queue, 2 async retries, 2 calls per batch, and Firehose down for 6 calls:
    # longer than all three attempts of the event together
    sqs = aws_client("sqs")
    queue = sqs.create_queue(QueueName=f"dlq-{unique}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    stack = pipeline.forwarding_stack(
        aws_client,
        unique,
        {**SMALL_RECORDS, "MAX_ATTEMPTS": "2"},
        event_invoke_config={
            "MaximumRetryAttempts": 2,
            "DestinationConfig": {"OnFailure": {"Destination": queue_arn}},
        },
    )
    pipeline.set_fault(localaws.endpoint, stack.stream, fail_calls=6)
    lines = flow_log_lines(600, seed=53)
    # WHEN lines are logged
    tally, results = run(localaws, aws_client, stack, lines, per_call=600)
    # THEN nothing reached S3, and the whole event sits on the failure queue
    ((result,),) = [results]
    assert (result["status"], result["attempts"]) == ("Failed", 3), result
    assert tally.delivered == 0
    (message,) = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1)["Messages"]
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    # WHEN Firehose is back and the operator replays the event from the queue
    answer = aws_client("lambda").invoke(
        FunctionName=stack.function, Payload=json.dumps(record["requestPayload"]).encode()
    )
    assert "FunctionError" not in answer, answer["Payload"].read()
    pipeline.flush(localaws.endpoint, stack.stream)
    # THEN every line is in S3 exactly once
    tally = Tally.of(lines, pipeline.delivered_lines(aws_client("s3"), stack.bucket))
    assert (tally.lost, tally.duplicates, tally.foreign) == (0, 0, 0), tally
    fault_report.add(
        "Firehose unavailable > all retries",
        "6 calls refused; 3 attempts x 2 calls",
        tally.generated, tally.delivered, tally.lost, tally.duplicates, 0,
        "event kept on the OnFailure SQS queue, replayed",
    )  # fmt: skip
