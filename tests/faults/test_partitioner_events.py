"""athena_partitioner under odd S3 events, deployed on localaws and invoked with the events S3 sends:
URL-encoded keys, keys that are not Firehose objects, duplicates, Firehose error-output keys,
s3:TestEvent, and keys that try to smuggle SQL. Glue must end up with exactly the right partitions; an
Athena that throttles (TooManyRequestsException) is waited out by Lambda's retry."""

from __future__ import annotations

import json

import pytest
from localaws.service import AWSError, target_action

from tests.faults import pipeline
from tests.lambdas.events import s3_event, s3_record, s3_test_event

pytestmark = pytest.mark.e2e

TABLE = "vpc_flow_logs"


def _table(glue, database: str, bucket: str) -> None:
    glue.create_database(DatabaseInput={"Name": database})
    glue.create_table(
        DatabaseName=database,
        TableInput={
            "Name": TABLE,
            "TableType": "EXTERNAL_TABLE",
            "StorageDescriptor": {
                "Location": f"s3://{bucket}/raw/",
                "Columns": [{"Name": "version", "Type": "int"}, {"Name": "account", "Type": "string"}],
                "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.serde2.RegexSerDe"},
            },
            "PartitionKeys": [{"Name": "ingestdatetime", "Type": "string"}],
        },
    )


@pytest.fixture
def partitioner(aws_client, unique):
    """The blog's table in Glue and athena_partitioner deployed for it (PARTITION_TYPE=Hour)."""
    bucket, database, function = f"part-{unique}", f"db_{unique}", f"partitioner-{unique}"
    aws_client("s3").create_bucket(Bucket=bucket)
    aws_client("s3").create_bucket(Bucket=f"results-{unique}")
    _table(aws_client("glue"), database, bucket)
    env = {
        "TABLE_NAME": f"{database}.{TABLE}",
        "S3_STAGING_DIR": f"s3://results-{unique}/",
        "PARTITION_TYPE": "Hour",
        # botocore's own retries cut to 2 calls, so that Athena throttling reaches the function quickly.
        "AWS_MAX_ATTEMPTS": "2",
        "AWS_RETRY_MODE": "standard",
    }
    pipeline.deploy(aws_client, function, "athena_partitioner", env)
    return {"bucket": bucket, "database": database, "function": function}


def partitions(glue, database: str) -> list[tuple[str, str]]:
    found = glue.get_partitions(DatabaseName=database, TableName=TABLE)["Partitions"]
    return sorted((p["Values"][0], p["StorageDescriptor"]["Location"]) for p in found)


def invoke(aws_client, function: str, event: dict) -> tuple[dict, dict]:
    answer = aws_client("lambda").invoke(FunctionName=function, Payload=json.dumps(event).encode())
    return answer, json.loads(answer["Payload"].read())


def test_odd_and_hostile_keys_give_exactly_the_firehose_partitions(aws_client, partitioner, fault_report):
    bucket, database, function = partitioner["bucket"], partitioner["database"], partitioner["function"]
    good = [
        "raw/2026/11/26/15/fh-1-2026-11-26-15-00-00-a.gz",
        "raw/2026/11/26/15/fh-1-2026-11-26-15-00-00-a.gz",  # S3 delivers an event twice
        "raw/2026/11/26/16/name with spaces+plus&amp=.gz",  # quote_plus-encoded: '+' is a space, %2B a '+'
        "raw/2026/11/26/17/x'; DROP TABLE vpc_flow_logs; --.gz",  # SQL in the name: only digits are used
        "raw/2026/11/26/18/%27%3B DROP TABLE x.gz",  # literally '%27' in the key (S3 sends %2527)
    ]
    ignored = [
        "raw/notes/readme.txt",  # not YYYY/MM/DD/HH/<name>
        "raw/2026/11/26/19/sub/x.gz",  # one level too deep
        "raw/2026/11/26/7/x.gz",  # hour not two digits
        "raw/2026/02/30/10/x.gz",  # no such date
        "raw/2026/11/26/24/x.gz",  # no such hour
        "raw/2026/11/26/20'/x.gz",  # a quote where the hour is
        "raw/processing-failed/2026/11/26/21/x.gz",  # Firehose error output under the location
        "raw/format-conversion-failed/2026/11/26/21/x.gz",
        "errors/processing-failed/2026/11/26/21/x.gz",  # the stack's own error prefix
        "elsewhere/2026/11/26/22/x.gz",  # outside the table location
        "raw%2F2026/11/26/23/x.gz",  # '%2F' in a key is not a folder
    ]
    records = [s3_record(bucket, key) for key in good + ignored]
    records.append(s3_record("another-bucket", "raw/2026/11/26/23/x.gz"))  # same path, other bucket
    records.append(s3_record(bucket, "raw/2026/11/26/23/x.gz", event_name="ObjectRemoved:Delete"))
    # WHEN S3 sends the test event, then the records (once together and once more, as a duplicate event)
    answer, summary = invoke(aws_client, function, s3_test_event(bucket))
    assert "FunctionError" not in answer and summary["outcome"] == "ignored_test_event", summary
    for _ in range(2):
        answer, summary = invoke(aws_client, function, s3_event(*records))
        assert "FunctionError" not in answer, summary
    # THEN exactly the four hours of the Firehose objects are partitions, at their locations
    assert summary["partitions"] == ["2026-11-26-15", "2026-11-26-16", "2026-11-26-17", "2026-11-26-18"]
    assert len(summary["ignored"]) == len(ignored) + 1, summary["ignored"]
    glue = aws_client("glue")
    assert partitions(glue, database) == [
        (f"2026-11-26-{h}", f"s3://{bucket}/raw/2026/11/26/{h}/") for h in ("15", "16", "17", "18")
    ]
    # AND the table the hostile keys named is still there
    assert glue.get_table(DatabaseName=database, Name=TABLE)["Table"]["Name"] == TABLE
    fault_report.add(
        "S3 events: odd, hostile, duplicate keys",
        f"{len(records) * 2 + 1} records: URL-encoded, SQL in names, error output, TestEvent, duplicates",
        4, 4, 0, 0, 0, "only Firehose-layout keys become partitions (ADD IF NOT EXISTS); the rest listed as ignored",
    )  # fmt: skip


def test_a_malformed_s3_event_fails_clearly(aws_client, partitioner):
    answer, error = invoke(aws_client, partitioner["function"], {"Records": [{"eventSource": "aws:s3",
                           "eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": "b"}}}]})  # fmt: skip
    assert answer.get("FunctionError") == "Unhandled"
    assert "Records[0] (ObjectCreated:Put) has no s3.bucket.name / s3.object.key" in error["errorMessage"]
    assert partitions(aws_client("glue"), partitioner["database"]) == []


def test_athena_throttling_is_waited_out_by_the_lambda_retry(
    localaws, aws_client, partitioner, fault_report, monkeypatch
):
    # GIVEN Athena answers TooManyRequestsException to the next 3 StartQueryExecution calls (the function's
    # botocore makes 2 calls per invocation)
    athena = localaws.services["athena"]
    handle, throttled = athena.handle, []

    def throttling(request):
        if target_action(request) == "StartQueryExecution" and len(throttled) < 3:
            throttled.append(request)
            raise AWSError("TooManyRequestsException", "Rate exceeded", 400)
        return handle(request)

    monkeypatch.setattr(athena, "handle", throttling)
    bucket = partitioner["bucket"]
    event = s3_event(s3_record(bucket, "raw/2026/11/26/15/a.gz"), s3_record(bucket, "raw/2026/11/26/16/b.gz"))
    # WHEN S3 notifies the function asynchronously, as it does
    aws_client("lambda").invoke(
        FunctionName=partitioner["function"], InvocationType="Event", Payload=json.dumps(event).encode()
    )
    pipeline.wait_for_lambdas(localaws.endpoint)
    # THEN the first invocation failed on the throttling, the retry added both partitions
    ((result,),) = [pipeline.outcomes(localaws.endpoint, partitioner["function"])]
    assert (result["status"], result["attempts"]) == ("Success", 2), result
    assert len(throttled) == 3
    assert [v for v, _ in partitions(aws_client("glue"), partitioner["database"])] == [
        "2026-11-26-15",
        "2026-11-26-16",
    ]
    fault_report.add(
        "Athena TooManyRequestsException",
        "3 StartQueryExecution calls throttled",
        2, 2, 0, 0, 0, "botocore retry, then Lambda async retry; ADD IF NOT EXISTS",
    )  # fmt: skip
