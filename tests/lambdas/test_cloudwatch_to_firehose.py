"""The cloudwatch_to_firehose handler against Firehose: moto for the happy path, botocore Stubber for
partial failures, throttling and exhausted retries."""

from __future__ import annotations

import json

import boto3
import delivery
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from tests.lambdas.events import LOG_GROUP, LOG_STREAM, awslogs_event, control_message_event, flow_log_lines

STREAM = "VPCFlowLogsDefaultToS3"
FAST_RETRY = delivery.RetryPolicy(
    max_attempts=4, base_delay_s=0.001, max_delay_s=0.002, safety_margin_ms=1_000
)


@pytest.fixture
def settings(cw_handler):
    return cw_handler.Settings(delivery_stream=STREAM, retry=FAST_RETRY)


@pytest.fixture
def firehose(cw_handler):
    client = boto3.client("firehose", region_name="us-east-1", config=cw_handler.CLIENT_CONFIG)
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def ok(n: int) -> dict:
    return {
        "FailedPutCount": 0,
        "Encrypted": False,
        "RequestResponses": [{"RecordId": f"r{i}"} for i in range(n)],
    }


def put(records: list[bytes]) -> dict:
    return {"DeliveryStreamName": STREAM, "Records": [{"Data": r} for r in records]}


def summary_line(capsys) -> dict:
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1, lines
    return json.loads(lines[0])


@mock_aws
def test_lines_reach_s3_through_firehose_exactly(cw_handler, lambda_context, monkeypatch, capsys):
    # GIVEN a Firehose stream into a bucket (moto writes each PutRecordBatch as one object) and the env
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="flow-logs")
    boto3.client("firehose", region_name="us-east-1").create_delivery_stream(
        DeliveryStreamName=STREAM,
        ExtendedS3DestinationConfiguration={
            "RoleARN": "arn:aws:iam::123456789012:role/firehose",
            "BucketARN": "arn:aws:s3:::flow-logs",
            "Prefix": "raw/",
        },
    )
    monkeypatch.setenv("DELIVERY_STREAM_NAME", STREAM)
    cw_handler.firehose_client.cache_clear()
    messages = flow_log_lines(1_000)
    # WHEN the subscription delivers 1,000 flow log lines
    result = cw_handler.handler(awslogs_event(messages), lambda_context)
    # THEN S3 holds exactly those lines, newline-terminated, in order, in one record
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="flow-logs")["Contents"]]
    body = b"".join(s3.get_object(Bucket="flow-logs", Key=k)["Body"].read() for k in sorted(keys))
    assert body == "".join(m + "\n" for m in messages).encode()
    assert result["records_out"] == 1 and result["events_in"] == 1_000
    cw_handler.firehose_client.cache_clear()
    # AND one structured line was logged
    assert summary_line(capsys)["outcome"] == "delivered"


def test_control_message_is_skipped(cw_handler, firehose, settings, lambda_context, capsys):
    client, _ = firehose  # no stubbed response: any call would fail the test
    result = cw_handler.forward(control_message_event(), lambda_context, client, settings)
    assert result["outcome"] == "skipped_control_message"
    assert result["records_out"] == 0
    assert summary_line(capsys)["message_type"] == "CONTROL_MESSAGE"


def test_one_structured_log_line_per_invocation(cw_handler, firehose, settings, lambda_context, capsys):
    # GIVEN 2,000 lines and records limited to 64 KiB
    client, stubber = firehose
    messages = flow_log_lines(2_000)
    small = cw_handler.Settings(delivery_stream=STREAM, max_record_bytes=65_536, retry=FAST_RETRY)
    data = "".join(m + "\n" for m in messages).encode()
    n_records = len(data) // 65_536 + 1  # flow log lines are ~100 bytes: each record ends < 100 bytes short
    stubber.add_response("put_record_batch", ok(n_records))
    # WHEN forwarded
    cw_handler.forward(awslogs_event(messages), lambda_context, client, small)
    # THEN exactly one JSON line reports events in, records and bytes out, batches and retries
    line = summary_line(capsys)
    assert line["events_in"] == 2_000
    assert line["bytes_out"] == len(data)
    assert line["records_out"] == n_records
    assert (line["batches"], line["put_calls"], line["retries"]) == (1, 1, 0)
    assert (line["log_group"], line["log_stream"], line["request_id"]) == (
        LOG_GROUP,
        LOG_STREAM,
        lambda_context.aws_request_id,
    )


def test_partial_failure_resends_only_the_failed_records(cw_handler, firehose, lambda_context):
    # GIVEN five records, of which Firehose rejects the 2nd and 4th once
    client, stubber = firehose
    messages = [f"line {i}" for i in range(5)]
    records = [f"line {i}\n".encode() for i in range(5)]
    settings = cw_handler.Settings(delivery_stream=STREAM, max_record_bytes=8, retry=FAST_RETRY)
    failing = {
        "FailedPutCount": 2,
        "RequestResponses": [
            {"RecordId": "a"},
            {"ErrorCode": "ServiceUnavailableException", "ErrorMessage": "Slow down."},
            {"RecordId": "c"},
            {"ErrorCode": "InternalFailure", "ErrorMessage": "oops"},
            {"RecordId": "e"},
        ],
    }
    stubber.add_response("put_record_batch", failing, put(records))
    # THEN the retry carries exactly records 2 and 4, in order
    stubber.add_response("put_record_batch", ok(2), put([records[1], records[3]]))
    # WHEN forwarded
    result = cw_handler.forward(awslogs_event(messages), lambda_context, client, settings)
    assert (result["records_out"], result["put_calls"], result["retries"], result["records_retried"]) == (
        5,
        2,
        1,
        2,
    )
    assert result["errors"] == {"ServiceUnavailableException": 1, "InternalFailure": 1}


def test_throttled_call_is_retried_whole(cw_handler, firehose, settings, lambda_context):
    # GIVEN PutRecordBatch answers ServiceUnavailableException twice, then accepts
    client, stubber = firehose
    messages = flow_log_lines(3)
    record = "".join(m + "\n" for m in messages).encode()
    for _ in range(2):
        stubber.add_client_error("put_record_batch", "ServiceUnavailableException", "Slow down.", 400)
    stubber.add_response("put_record_batch", ok(1), put([record]))
    # WHEN forwarded THEN it is delivered on the third call
    result = cw_handler.forward(awslogs_event(messages), lambda_context, client, settings)
    assert (result["outcome"], result["put_calls"], result["retries"]) == ("delivered", 3, 2)


def test_exhausted_retries_raise_and_drop_nothing_silently(
    cw_handler, firehose, settings, lambda_context, capsys
):
    # GIVEN a record Firehose rejects on every one of the 4 allowed attempts
    client, stubber = firehose
    rejected = {"FailedPutCount": 1, "RequestResponses": [{"ErrorCode": "ServiceUnavailableException"}]}
    for _ in range(4):
        stubber.add_response("put_record_batch", rejected)
    # WHEN forwarded THEN it raises (so Lambda retries the event) with what failed
    with pytest.raises(delivery.DeliveryError, match=r"1 of 1 records still rejected after 4 attempts"):
        cw_handler.forward(awslogs_event(["x"]), lambda_context, client, settings)
    line = summary_line(capsys)
    assert line["outcome"] == "error" and line["records_out"] == 0


def test_no_time_left_raises_instead_of_retrying(cw_handler, firehose, lambda_context):
    # GIVEN an invocation with 1.5 s left and a safety margin of 3 s
    client, stubber = firehose
    settings = cw_handler.Settings(delivery_stream=STREAM)
    lambda_context.remaining_ms[0] = 1_500
    stubber.add_client_error("put_record_batch", "ServiceUnavailableException", "Slow down.", 400)
    # WHEN the first call is throttled THEN it raises at once, naming the time left
    with pytest.raises(delivery.DeliveryError, match=r"only 1500 ms left"):
        cw_handler.forward(awslogs_event(["x"]), lambda_context, client, settings)


def test_not_retryable_error_raises_at_once(cw_handler, firehose, settings, lambda_context):
    client, stubber = firehose
    stubber.add_client_error("put_record_batch", "ResourceNotFoundException", "Stream not found", 400)
    with pytest.raises(
        delivery.DeliveryError, match=r"ResourceNotFoundException: Stream not found \(not retryable\)"
    ):
        cw_handler.forward(awslogs_event(["x"]), lambda_context, client, settings)


def test_backoff_is_exponential_with_full_jitter():
    # GIVEN a stub client that fails three times, and a random source at its maximum
    class Failing:
        calls = 0

        def put_record_batch(self, **kwargs):
            self.calls += 1
            if self.calls <= 3:
                return {
                    "FailedPutCount": 1,
                    "RequestResponses": [{"ErrorCode": "ServiceUnavailableException"}],
                }
            return {"FailedPutCount": 0, "RequestResponses": [{"RecordId": "1"}]}

    sleeps: list[float] = []
    policy = delivery.RetryPolicy(base_delay_s=0.1, max_delay_s=0.3)
    # WHEN delivering THEN the pauses double up to the cap (at rand()=1), and scale with the random draw
    delivery.put_batches(
        Failing(), STREAM, [[b"x\n"]], lambda: 60_000, policy, sleep=sleeps.append, rand=lambda: 1.0
    )
    assert sleeps == pytest.approx([0.1, 0.2, 0.3])
    sleeps.clear()
    delivery.put_batches(
        Failing(), STREAM, [[b"x\n"]], lambda: 60_000, policy, sleep=sleeps.append, rand=lambda: 0.5
    )
    assert sleeps == pytest.approx([0.05, 0.1, 0.15])


def test_oversized_line_error_names_group_and_stream(cw_handler, firehose, lambda_context):
    client, _ = firehose
    settings = cw_handler.Settings(delivery_stream=STREAM, max_record_bytes=100)
    with pytest.raises(
        ValueError, match=rf"log group '{LOG_GROUP}', stream '{LOG_STREAM}': log event 1 is 201 bytes"
    ):
        cw_handler.forward(awslogs_event(["ok", "x" * 200]), lambda_context, client, settings)


def test_malformed_payload_raises_and_logs(cw_handler, firehose, settings, lambda_context, capsys):
    client, _ = firehose
    with pytest.raises(ValueError, match="not base64"):
        cw_handler.forward({"awslogs": {"data": "%%%"}}, lambda_context, client, settings)
    assert "not base64" in summary_line(capsys)["error"]


def test_delivery_stream_name_is_required(cw_handler, lambda_context, monkeypatch, capsys):
    # GIVEN no DELIVERY_STREAM_NAME WHEN invoked THEN a clear error, logged as the invocation's one line
    monkeypatch.delenv("DELIVERY_STREAM_NAME", raising=False)
    with pytest.raises(cw_handler.ConfigError, match="DELIVERY_STREAM_NAME is required"):
        cw_handler.handler(awslogs_event(["x"]), lambda_context)
    assert "DELIVERY_STREAM_NAME is required" in summary_line(capsys)["error"]


def test_limits_come_from_the_environment_and_are_checked(cw_handler):
    env = {"DELIVERY_STREAM_NAME": STREAM, "MAX_RECORD_BYTES": "50000", "MAX_ATTEMPTS": "3"}
    settings = cw_handler.load_settings(env)
    assert (settings.max_record_bytes, settings.retry.max_attempts, settings.max_batch_records) == (
        50_000,
        3,
        500,
    )
    with pytest.raises(
        cw_handler.ConfigError, match=r"MAX_RECORD_BYTES=2000000 must be between 1 and 1024000"
    ):
        cw_handler.load_settings({**env, "MAX_RECORD_BYTES": "2000000"})
    with pytest.raises(cw_handler.ConfigError, match=r"MAX_BATCH_RECORDS='lots' is not an integer"):
        cw_handler.load_settings({**env, "MAX_BATCH_RECORDS": "lots"})
