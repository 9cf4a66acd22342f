"""The local Lambda runtime through boto3: Invoke, CloudWatch Logs subscriptions, S3 notifications, errors,
timeouts and async retries with an on-failure destination. Functions are real zips deployed with
CreateFunction; handlers call back into localaws with boto3, which proves AWS_ENDPOINT_URL reaches them."""

from __future__ import annotations

import base64
import io
import json
import time
import zipfile
from urllib.parse import unquote_plus

import pytest

RECORDER = '''
import base64, gzip, json, os
import boto3

s3 = boto3.client("s3")  # at module level, as AWS recommends; the endpoint comes from AWS_ENDPOINT_URL


def record(event, context):
    """Write what arrived to S3, decoding a CloudWatch Logs envelope first."""
    if "awslogs" in event:
        event = json.loads(gzip.decompress(base64.b64decode(event["awslogs"]["data"])))
    s3.put_object(Bucket=os.environ["OUT_BUCKET"], Key=context.aws_request_id + ".json", Body=json.dumps(event))
    return {"recorded": True}
'''

# No boto3 here: importing it costs a cold sandbox 1-3 s, which these handlers do not need.
HANDLER = """
import os, time


def describe(event, context):
    print("describing", event)
    env = {k: os.environ.get(k) for k in (
        "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION", "GREETING", "AWS_ACCESS_KEY_ID")}
    return {
        "event": event, "env": env, "function_name": context.function_name,
        "invoked_function_arn": context.invoked_function_arn, "aws_request_id": context.aws_request_id,
        "memory_limit_in_mb": int(context.memory_limit_in_mb), "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name, "remaining": context.get_remaining_time_in_millis(),
    }


def fail(event, context):
    raise ValueError("bad input: %s" % event.get("n"))


def sleep(event, context):
    time.sleep(event.get("seconds", 30))
    return "woke up"
"""


@pytest.fixture(scope="module")
def function_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", HANDLER)
        archive.writestr("recorder.py", RECORDER)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def role(aws_client) -> str:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    name = f"localaws-runtime-test-{time.time_ns()}"
    return aws_client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"][
        "Arn"
    ]


@pytest.fixture
def deploy(aws_client, function_zip, role, unique):
    def make(handler: str, timeout: int = 10, env: dict[str, str] | None = None) -> str:
        name = f"{handler.split('.')[-1]}-{unique}"
        aws_client("lambda").create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=role,
            Handler=handler,
            Code={"ZipFile": function_zip},
            Timeout=timeout,
            MemorySize=256,
            Environment={"Variables": env or {}},
        )
        return name

    return make


def wait_for_async(localaws) -> None:
    assert localaws.services["lambda"].wait_idle(60), "async invocations did not finish"


def recorded(aws_client, bucket: str) -> list[dict]:
    s3 = aws_client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    return [json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read()) for key in keys]


def test_invoke_runs_the_handler_with_the_lambda_environment_and_context(localaws, aws_client, deploy):
    name = deploy("handler.describe", env={"GREETING": "hello"})
    response = aws_client("lambda").invoke(
        FunctionName=name, Payload=json.dumps({"a": [1, 2]}), LogType="Tail"
    )
    result = json.loads(response["Payload"].read())
    assert response["StatusCode"] == 200 and "FunctionError" not in response
    assert response["ExecutedVersion"] == "$LATEST"
    assert result["event"] == {"a": [1, 2]}
    assert result["env"] == {
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": localaws.endpoint,
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "GREETING": "hello",
        "AWS_ACCESS_KEY_ID": "localaws",
    }
    assert result["function_name"] == name
    assert result["invoked_function_arn"] == f"arn:aws:lambda:us-east-1:123456789012:function:{name}"
    assert result["aws_request_id"] == response["ResponseMetadata"]["RequestId"]
    assert result["memory_limit_in_mb"] == 256 and result["log_group_name"] == f"/aws/lambda/{name}"
    assert "[$LATEST]" in result["log_stream_name"] and 0 < result["remaining"] <= 10_000
    tail = base64.b64decode(response["LogResult"]).decode()
    request_id = result["aws_request_id"]
    assert f"START RequestId: {request_id} Version: $LATEST" in tail
    assert "describing {'a': [1, 2]}" in tail and f"REPORT RequestId: {request_id}" in tail


def test_a_logs_subscription_delivers_the_decoded_events(localaws, aws_client, deploy, unique):
    # GIVEN a function subscribed to a log group; it writes what it receives to a bucket
    out = f"lambda-out-{unique}"
    aws_client("s3").create_bucket(Bucket=out)
    name = deploy("recorder.record", env={"OUT_BUCKET": out})
    logs = aws_client("logs")
    group = f"/vpc/flow-{unique}"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="eni-0a1b-all")
    logs.put_subscription_filter(
        logGroupName=group,
        filterName="to-lambda",
        filterPattern="",
        destinationArn=f"arn:aws:lambda:us-east-1:123456789012:function:{name}",
    )
    # WHEN flow log lines are put
    now = int(time.time() * 1000)
    lines = ["2 123456789012 eni-0a1b 10.0.0.1 10.0.0.2 443 5000 6 10 840 1 2 ACCEPT OK", "2 - - - NODATA"]
    logs.put_log_events(
        logGroupName=group,
        logStreamName="eni-0a1b-all",
        logEvents=[{"timestamp": now, "message": line} for line in lines],
    )
    wait_for_async(localaws)
    # THEN the handler saw the real awslogs envelope, decoded
    (envelope,) = recorded(aws_client, out)
    assert envelope["messageType"] == "DATA_MESSAGE"
    assert envelope["owner"] == "123456789012"
    assert (envelope["logGroup"], envelope["logStream"]) == (group, "eni-0a1b-all")
    assert envelope["subscriptionFilters"] == ["to-lambda"]
    assert [e["message"] for e in envelope["logEvents"]] == lines
    assert all(e["id"] and e["timestamp"] == now for e in envelope["logEvents"])


def test_an_s3_upload_invokes_the_subscribed_function_with_the_encoded_key(
    localaws, aws_client, deploy, unique
):
    source, out = f"lambda-src-{unique}", f"lambda-s3out-{unique}"
    s3 = aws_client("s3")
    s3.create_bucket(Bucket=source)
    s3.create_bucket(Bucket=out)
    name = deploy("recorder.record", env={"OUT_BUCKET": out})
    s3.put_bucket_notification_configuration(
        Bucket=source,
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [
                {
                    "LambdaFunctionArn": f"arn:aws:lambda:us-east-1:123456789012:function:{name}",
                    "Events": ["s3:ObjectCreated:*"],
                }
            ]
        },
    )
    key = "raw/2026/11/26/16/flow log é=1.gz"
    s3.put_object(Bucket=source, Key=key, Body=b"0123456789")
    wait_for_async(localaws)
    ((record,),) = [event["Records"] for event in recorded(aws_client, out)]
    assert (record["eventVersion"], record["eventSource"], record["awsRegion"]) == (
        "2.1",
        "aws:s3",
        "us-east-1",
    )
    assert record["eventName"] == "ObjectCreated:Put" and record["eventTime"].endswith("Z")
    assert record["s3"]["bucket"]["name"] == source
    assert record["s3"]["bucket"]["arn"] == f"arn:aws:s3:::{source}"
    obj = record["s3"]["object"]
    assert obj["key"] == "raw/2026/11/26/16/flow+log+%C3%A9%3D1.gz"  # form-encoded as S3 sends it
    assert unquote_plus(obj["key"]) == key
    assert obj["size"] == 10 and obj["eTag"] == "781e5e245d69b566979b86e28d23f2c7"
    assert obj["sequencer"] and int(obj["sequencer"], 16) > 0


def test_a_handler_error_is_reported_as_lambda_reports_it(aws_client, deploy):
    name = deploy("handler.fail")
    response = aws_client("lambda").invoke(FunctionName=name, Payload=b'{"n": 7}')
    error = json.loads(response["Payload"].read())
    assert response["StatusCode"] == 200 and response["FunctionError"] == "Unhandled"
    assert (error["errorType"], error["errorMessage"]) == ("ValueError", "bad input: 7")
    assert any("handler.py" in frame and "in fail" in frame for frame in error["stackTrace"])


def test_a_timeout_kills_the_sandbox_and_is_reported_as_lambda_reports_it(aws_client, deploy):
    name = deploy("handler.sleep", timeout=1)
    response = aws_client("lambda").invoke(FunctionName=name, Payload=b'{"seconds": 30}', LogType="Tail")
    error = json.loads(response["Payload"].read())
    assert response["FunctionError"] == "Unhandled"
    assert error["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in error["errorMessage"]
    assert "Task timed out after 1.00 seconds" in base64.b64decode(response["LogResult"]).decode()
    # A fresh sandbox serves the next invocation.
    again = aws_client("lambda").invoke(FunctionName=name, Payload=b'{"seconds": 0}')
    assert json.loads(again["Payload"].read()) == "woke up"


def test_an_import_error_is_reported_as_lambda_reports_it(aws_client, deploy):
    name = deploy("no_such_module.handler")
    response = aws_client("lambda").invoke(FunctionName=name)
    error = json.loads(response["Payload"].read())
    assert response["FunctionError"] == "Unhandled"
    assert error["errorType"] == "Runtime.ImportModuleError"
    assert "Unable to import module 'no_such_module'" in error["errorMessage"]


def test_failed_event_invocations_are_retried_then_sent_to_the_on_failure_destination(
    localaws, aws_client, deploy, unique
):
    sqs = aws_client("sqs")
    queue_url = sqs.create_queue(QueueName=f"failures-{unique}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    name = deploy("handler.fail")
    aws_client("lambda").put_function_event_invoke_config(
        FunctionName=name,
        MaximumRetryAttempts=2,
        DestinationConfig={"OnFailure": {"Destination": queue_arn}},
    )
    response = aws_client("lambda").invoke(FunctionName=name, InvocationType="Event", Payload=b'{"n": 3}')
    assert response["StatusCode"] == 202
    wait_for_async(localaws)
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)["Messages"]
    (record,) = [json.loads(m["Body"]) for m in messages]
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3  # the first attempt and two retries
    assert record["requestContext"]["functionArn"].endswith(f":function:{name}:$LATEST")
    assert record["requestPayload"] == {"n": 3}
    assert record["responseContext"] == {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled",
    }
    assert record["responsePayload"]["errorType"] == "ValueError"


def test_dry_run_and_unknown_functions(aws_client, deploy, unique):
    name = deploy("handler.describe")
    assert aws_client("lambda").invoke(FunctionName=name, InvocationType="DryRun")["StatusCode"] == 204
    with pytest.raises(aws_client("lambda").exceptions.ResourceNotFoundException):
        aws_client("lambda").invoke(FunctionName=f"missing-{unique}")


def test_a_synchronous_handler_can_call_back_into_localaws(aws_client, deploy, unique):
    # The handler's own boto3 call reaches the same threaded endpoint while Invoke waits: no deadlock.
    out = f"lambda-sync-{unique}"
    aws_client("s3").create_bucket(Bucket=out)
    name = deploy("recorder.record", env={"OUT_BUCKET": out})
    response = aws_client("lambda").invoke(FunctionName=name, Payload=b'{"hello": "sync"}')
    assert json.loads(response["Payload"].read()) == {"recorded": True}
    assert recorded(aws_client, out) == [{"hello": "sync"}]


def test_sandboxes_stay_warm_and_a_configuration_change_gets_a_fresh_one(aws_client, deploy):
    lam = aws_client("lambda")
    name = deploy("handler.describe", env={"GREETING": "first"})
    first, second = (json.loads(lam.invoke(FunctionName=name)["Payload"].read()) for _ in range(2))
    assert first["log_stream_name"] == second["log_stream_name"]  # the same execution environment
    lam.update_function_configuration(FunctionName=name, Environment={"Variables": {"GREETING": "second"}})
    third = json.loads(lam.invoke(FunctionName=name)["Payload"].read())
    assert third["env"]["GREETING"] == "second"
    assert third["log_stream_name"] != first["log_stream_name"]


def test_runtimes_other_than_python_are_refused_clearly(aws_client, function_zip, role, unique):
    name = f"node-{unique}"
    aws_client("lambda").create_function(
        FunctionName=name,
        Runtime="nodejs20.x",
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": function_zip},
    )
    response = aws_client("lambda").invoke(FunctionName=name)
    error = json.loads(response["Payload"].read())
    assert response["FunctionError"] == "Unhandled" and error["errorType"] == "Runtime.Unsupported"
    assert "nodejs20.x" in error["errorMessage"]
