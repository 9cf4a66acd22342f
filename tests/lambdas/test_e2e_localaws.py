"""End to end through localaws: the deployed zips run in localaws's Lambda runtime.

CloudWatch Logs subscription -> cloudwatch_to_firehose -> Firehose (buffering, GZIP) -> S3, and
S3 ObjectCreated -> athena_partitioner -> Athena (on DuckDB) -> partition in Glue.
"""

from __future__ import annotations

import gzip
import json
import time

import pytest
import requests
from localaws.service import Service
from vpcflow.provision import packaging

from tests.lambdas.events import awslogs_event, control_message_event, flow_log_lines

pytestmark = pytest.mark.e2e

ROLE_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)


def deploy(aws_client, name: str, function: str, env: dict[str, str]) -> str:
    """CreateFunction with the deterministic zip; returns the function ARN."""
    iam = aws_client("iam")
    role = iam.create_role(RoleName=f"role-{name}", AssumeRolePolicyDocument=ROLE_POLICY)["Role"]["Arn"]
    spec = packaging.function(function)
    code = packaging.build_lambda_zip(function)
    created = aws_client("lambda").create_function(
        FunctionName=name,
        Runtime=spec.runtime,
        Role=role,
        Handler=spec.handler,
        Code={"ZipFile": code},
        Timeout=60,
        Environment={"Variables": env},
    )
    assert created["CodeSha256"] == packaging.code_sha256(code)
    return created["FunctionArn"]


def wait_for_lambdas(endpoint: str) -> None:
    response = requests.post(f"{endpoint}/_localaws/lambda/wait", params={"timeout": "60"}, timeout=70)
    response.raise_for_status()
    assert response.json()["idle"], "async Lambda invocations still running after 60 s"


def outcomes(endpoint: str, function: str) -> list[dict]:
    answer = requests.get(f"{endpoint}/_localaws/lambda/invocations", timeout=10).json()
    return [o for o in answer if o["function"] == function]


def flush(endpoint: str, stream: str) -> None:
    requests.post(
        f"{endpoint}/_localaws/firehose/flush", params={"stream": stream}, timeout=30
    ).raise_for_status()


def delivered_lines(s3, bucket: str, prefix: str) -> list[str]:
    lines = []
    for obj in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", []):
        body = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
        assert body[:2] == b"\x1f\x8b", f"{obj['Key']} is not gzip"
        text = gzip.decompress(body).decode()
        assert text.endswith("\n")
        lines += text.splitlines()
    return lines


@pytest.fixture
def forwarding_stack(localaws, aws_client, unique):
    """A GZIP Firehose stream into a bucket, the forwarder deployed, and a log group subscribed to it."""
    bucket, stream, group, function = (
        f"flow-{unique}",
        f"fh-{unique}",
        f"/vpc/flow-{unique}",
        f"cw2fh-{unique}",
    )
    aws_client("s3").create_bucket(Bucket=bucket)
    aws_client("firehose").create_delivery_stream(
        DeliveryStreamName=stream,
        ExtendedS3DestinationConfiguration={
            "RoleARN": "arn:aws:iam::123456789012:role/firehose",
            "BucketARN": f"arn:aws:s3:::{bucket}",
            "Prefix": "raw/",
            "CompressionFormat": "GZIP",
            "BufferingHints": {"SizeInMBs": 5, "IntervalInSeconds": 900},
        },
    )
    # Small records, so that one invocation sends many and partial failures have something to split.
    arn = deploy(
        aws_client,
        function,
        "cloudwatch_to_firehose",
        {"DELIVERY_STREAM_NAME": stream, "MAX_RECORD_BYTES": "4096", "SAFETY_MARGIN_MS": "1000"},
    )
    logs = aws_client("logs")
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="eni-0a1b2c3d4e5f67890-all")
    logs.put_subscription_filter(
        logGroupName=group, filterName="to-lambda", filterPattern="", destinationArn=arn
    )
    return {"bucket": bucket, "stream": stream, "group": group, "function": function}


def put_lines(aws_client, group: str, lines: list[str], per_call: int = 500) -> None:
    logs = aws_client("logs")
    now = int(time.time() * 1000)
    for start in range(0, len(lines), per_call):
        logs.put_log_events(
            logGroupName=group,
            logStreamName="eni-0a1b2c3d4e5f67890-all",
            logEvents=[
                {"timestamp": now + i, "message": m} for i, m in enumerate(lines[start : start + per_call])
            ],
        )


def test_log_events_reach_s3_as_gzip_objects_holding_exactly_the_lines(
    localaws, aws_client, forwarding_stack
):
    # GIVEN a subscribed log group
    stack = forwarding_stack
    lines = flow_log_lines(1_500, seed=11)
    # WHEN flow log lines are put in three calls and Firehose is flushed
    put_lines(aws_client, stack["group"], lines)
    wait_for_lambdas(localaws.endpoint)
    flush(localaws.endpoint, stack["stream"])
    # THEN the gzip objects under raw/ hold exactly those lines: none lost, none repeated
    got = delivered_lines(aws_client("s3"), stack["bucket"], "raw/")
    assert sorted(got) == sorted(lines)
    results = outcomes(localaws.endpoint, stack["function"])
    assert [r["status"] for r in results] == ["Success"] * 3, results


def test_partial_failures_are_resent_and_nothing_is_lost_or_doubled(localaws, aws_client, forwarding_stack):
    # GIVEN Firehose rejects about half the records of every PutRecordBatch, and throttles one whole call
    stack = forwarding_stack
    faults = f"{localaws.endpoint}/_localaws/firehose/faults"
    requests.post(
        faults, json={"stream": stack["stream"], "fail_rate": 0.5, "fail_calls": 1, "seed": 3}, timeout=10
    )
    lines = flow_log_lines(800, seed=12)
    try:
        # WHEN lines are logged
        put_lines(aws_client, stack["group"], lines, per_call=800)
        wait_for_lambdas(localaws.endpoint)
    finally:
        requests.delete(faults, params={"stream": stack["stream"]}, timeout=10)
    flush(localaws.endpoint, stack["stream"])
    # THEN every line arrives exactly once (only failed records were resent), in one successful invocation
    assert sorted(delivered_lines(aws_client("s3"), stack["bucket"], "raw/")) == sorted(lines)
    (result,) = outcomes(localaws.endpoint, stack["function"])
    assert (result["status"], result["attempts"]) == ("Success", 1), result
    summary = json.loads(result["payload"])
    assert summary["retries"] >= 2 and summary["records_retried"] > 0


def test_control_messages_and_malformed_payloads_through_invoke(localaws, aws_client, forwarding_stack):
    lam = aws_client("lambda")
    function = forwarding_stack["function"]
    # GIVEN the deployed forwarder WHEN CloudWatch's health check arrives THEN nothing is sent
    answer = lam.invoke(FunctionName=function, Payload=json.dumps(control_message_event()).encode())
    assert "FunctionError" not in answer
    assert json.loads(answer["Payload"].read())["outcome"] == "skipped_control_message"
    # WHEN a payload is not gzip THEN the function fails with a message that says so
    answer = lam.invoke(FunctionName=function, Payload=json.dumps({"awslogs": {"data": "aGVsbG8="}}).encode())
    assert answer.get("FunctionError") == "Unhandled"
    assert "awslogs.data is not gzip" in json.loads(answer["Payload"].read())["errorMessage"]
    # WHEN a line is larger than a record (4,096 bytes here) THEN the error names group, stream and event
    answer = lam.invoke(
        FunctionName=function, Payload=json.dumps(awslogs_event(["ok", "x" * 5_000])).encode()
    )
    assert answer.get("FunctionError") == "Unhandled"
    assert (
        "stream 'eni-0a1b2c3d4e5f67890-all': log event 1 is 5001 bytes"
        in json.loads(answer["Payload"].read())["errorMessage"]
    )


def _athena_is_placeholder(localaws) -> bool:
    athena = localaws.services.get("athena")
    return athena is None or type(athena).handle is Service.handle


def test_an_object_under_the_table_location_adds_its_partition_in_glue(localaws, aws_client, unique):
    # GIVEN the blog's partitioned table in Glue, the partitioner deployed with PARTITION_TYPE=Hour, and
    # the bucket notifying it of every created object
    bucket, database, function = f"flow-{unique}", f"db_{unique}", f"partitioner-{unique}"
    s3, glue = aws_client("s3"), aws_client("glue")
    s3.create_bucket(Bucket=bucket)
    # Query results in their own bucket, as in the blog: in the data bucket they would notify the function too.
    s3.create_bucket(Bucket=f"results-{unique}")
    glue.create_database(DatabaseInput={"Name": database})
    glue.create_table(
        DatabaseName=database,
        TableInput={
            "Name": "vpc_flow_logs",
            "TableType": "EXTERNAL_TABLE",
            "StorageDescriptor": {
                "Location": f"s3://{bucket}/raw/",
                "Columns": [{"Name": "version", "Type": "int"}, {"Name": "account", "Type": "string"}],
                "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.serde2.RegexSerDe"},
            },
            "PartitionKeys": [{"Name": "ingestdatetime", "Type": "string"}],
        },
    )
    arn = deploy(
        aws_client,
        function,
        "athena_partitioner",
        {
            "TABLE_NAME": f"{database}.vpc_flow_logs",
            "S3_STAGING_DIR": f"s3://results-{unique}/",
            "PARTITION_TYPE": "Hour",
        },
    )
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [{"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}]
        },
    )
    body = gzip.compress(b"2 123456789012 eni-1 10.0.0.1 10.0.0.2 443 49152 6 10 840 1 61 ACCEPT OK\n")
    # WHEN Firehose-style objects land (one twice, one with a space in its name) and an odd one too
    for key in (
        "raw/2026/11/26/15/fh-1-2026-11-26-15-00-00-a.gz",
        "raw/2026/11/26/15/fh-1-2026-11-26-15-00-00-a.gz",
        "raw/2026/11/26/16/my file.gz",
        "raw/notes/readme.txt",
        "elsewhere/2026/11/26/17/x.gz",
    ):
        s3.put_object(Bucket=bucket, Key=key, Body=body)
    wait_for_lambdas(localaws.endpoint)
    # THEN the partitioner ran once per notification and asked Athena for the two hour partitions only
    summaries = [json.loads(o["payload"]) for o in outcomes(localaws.endpoint, function)]
    assert len(summaries) == 5 and {o["status"] for o in outcomes(localaws.endpoint, function)} == {"Success"}
    assert sorted(p for s in summaries for p in s.get("partitions", [])) == [
        "2026-11-26-15",
        "2026-11-26-15",
        "2026-11-26-16",
    ]
    assert sorted(s["outcome"] for s in summaries) == ["added"] * 3 + ["nothing_to_add"] * 2
    if _athena_is_placeholder(localaws):
        pytest.skip(
            "localaws Athena (localaws/athena/service.py) is still the placeholder that lets moto answer: moto's "
            "Athena runs no SQL, so ALTER TABLE ADD PARTITION never reaches Glue (everything up to Athena passed)"
        )
    # AND Glue holds exactly the two hour partitions, at the blog's locations
    partitions = glue.get_partitions(DatabaseName=database, TableName="vpc_flow_logs")["Partitions"]
    assert sorted((p["Values"][0], p["StorageDescriptor"]["Location"]) for p in partitions) == [
        ("2026-11-26-15", f"s3://{bucket}/raw/2026/11/26/15/"),
        ("2026-11-26-16", f"s3://{bucket}/raw/2026/11/26/16/"),
    ]
