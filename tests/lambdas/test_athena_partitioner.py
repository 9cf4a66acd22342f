"""The athena_partitioner handler: S3 notifications in, one ALTER TABLE on Athena out."""

from __future__ import annotations

import json

import boto3
import pytest
import s3_events
from botocore.stub import ANY, Stubber
from moto import mock_aws
from vpcflow import athena as vpcflow_athena

from tests.lambdas.events import s3_event, s3_record, s3_test_event

BUCKET = "my-vpc-flow-logs"
TABLE_LOCATION = f"s3://{BUCKET}/raw/"
STAGING = "s3://aws-athena-query-results-123456789012-us-east-1/"


@pytest.fixture
def settings(partitioner_handler):
    env = {"TABLE_NAME": "default.vpc_flow_logs", "TABLE_LOCATION": TABLE_LOCATION, "S3_STAGING_DIR": STAGING}
    return partitioner_handler.load_settings(env)


@pytest.fixture
def athena():
    client = boto3.client("athena", region_name="us-east-1")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def expect_query(stubber, sql: str, states=("RUNNING", "SUCCEEDED"), reason: str | None = None) -> None:
    stubber.add_response(
        "start_query_execution",
        {"QueryExecutionId": "q-1"},
        {
            "QueryString": sql,
            "QueryExecutionContext": {"Database": "default"},
            "ResultConfiguration": {"OutputLocation": STAGING},
        },
    )
    for state in states:
        status = {"State": state, **({"StateChangeReason": reason} if reason else {})}
        stubber.add_response(
            "get_query_execution",
            {"QueryExecution": {"QueryExecutionId": "q-1", "Status": status}},
            {"QueryExecutionId": "q-1"},
        )


def fast(monkeypatch):
    # The poll's pauses are real sleeps; these tests need no pause at all.
    monkeypatch.setattr(vpcflow_athena.time, "sleep", lambda s: None)


def test_several_records_with_duplicates_make_one_statement(
    partitioner_handler, settings, athena, lambda_context, monkeypatch
):
    # GIVEN an event with three objects in two days, one delivered twice, one key with a space (URL-encoded)
    client, stubber = athena
    fast(monkeypatch)
    event = s3_event(
        s3_record(BUCKET, "raw/2017/01/14/07/VPCFlowLogs-1-2017-01-14-07-10-00-a.gz"),
        s3_record(BUCKET, "raw/2017/01/14/09/my file.gz"),
        s3_record(BUCKET, "raw/2017/01/15/00/VPCFlowLogs-1-2017-01-15-00-00-00-b.gz"),
        s3_record(BUCKET, "raw/2017/01/14/07/VPCFlowLogs-1-2017-01-14-07-10-00-a.gz"),
    )
    assert event["Records"][1]["s3"]["object"]["key"] == "raw/2017/01/14/09/my+file.gz"
    # THEN one statement adds the two Day partitions, once each
    expect_query(
        stubber,
        "ALTER TABLE default.vpc_flow_logs ADD IF NOT EXISTS "
        "PARTITION (IngestDateTime='2017-01-14-00') LOCATION 's3://my-vpc-flow-logs/raw/2017/01/14/' "
        "PARTITION (IngestDateTime='2017-01-15-00') LOCATION 's3://my-vpc-flow-logs/raw/2017/01/15/'",
    )
    # WHEN the handler runs
    result = partitioner_handler.add_partitions(event, lambda_context, client, settings)
    assert result["outcome"] == "added" and result["partitions"] == ["2017-01-14-00", "2017-01-15-00"]


def test_hour_partitions_from_url_encoded_prefixes(partitioner_handler, athena, lambda_context, monkeypatch):
    # GIVEN a table under a prefix with '=' (S3 encodes it as %3D) and PARTITION_TYPE=Hour
    client, stubber = athena
    fast(monkeypatch)
    settings = partitioner_handler.load_settings(
        {
            "TABLE_NAME": "default.vpc_flow_logs",
            "TABLE_LOCATION": f"s3://{BUCKET}/source=vpc",
            "S3_STAGING_DIR": STAGING,
            "PARTITION_TYPE": "Hour",
        }
    )
    event = s3_event(s3_record(BUCKET, "source=vpc/2017/01/14/07/x.gz"))
    assert "%3D" in event["Records"][0]["s3"]["object"]["key"]
    expect_query(
        stubber,
        "ALTER TABLE default.vpc_flow_logs ADD IF NOT EXISTS PARTITION (IngestDateTime='2017-01-14-07') "
        "LOCATION 's3://my-vpc-flow-logs/source=vpc/2017/01/14/07/'",
        states=("SUCCEEDED",),
    )
    partitioner_handler.add_partitions(event, lambda_context, client, settings)


def test_s3_test_event_is_ignored(partitioner_handler, settings, athena, lambda_context, capsys):
    client, _ = athena
    result = partitioner_handler.add_partitions(s3_test_event(BUCKET), lambda_context, client, settings)
    assert result["outcome"] == "ignored_test_event"
    assert json.loads(capsys.readouterr().out)["outcome"] == "ignored_test_event"


def test_odd_keys_and_other_events_add_nothing(partitioner_handler, settings, athena, lambda_context, capsys):
    # GIVEN objects outside the table, Firehose error output, a bad layout, and a delete
    client, _ = athena  # no Athena call expected
    event = s3_event(
        s3_record(BUCKET, "elsewhere/2017/01/14/07/x.gz"),
        s3_record(BUCKET, "raw/processing-failed/2017/01/14/07/x.gz"),
        s3_record(BUCKET, "raw/2017/01/14/notes.txt"),
        s3_record(BUCKET, "raw/2017/01/14/07/x.gz", event_name="ObjectRemoved:Delete"),
    )
    result = partitioner_handler.add_partitions(event, lambda_context, client, settings)
    assert result["outcome"] == "nothing_to_add"
    assert result["objects_in"] == 3 and len(result["ignored"]) == 3
    assert json.loads(capsys.readouterr().out)["outcome"] == "nothing_to_add"


def test_a_key_carrying_sql_cannot_reach_the_statement(
    partitioner_handler, settings, athena, lambda_context, monkeypatch
):
    client, stubber = athena
    fast(monkeypatch)
    event = s3_event(s3_record(BUCKET, "raw/2017/01/14/07/x') LOCATION 'evil'; DROP TABLE t; --.gz"))
    expect_query(
        stubber,
        "ALTER TABLE default.vpc_flow_logs ADD IF NOT EXISTS PARTITION (IngestDateTime='2017-01-14-00') "
        "LOCATION 's3://my-vpc-flow-logs/raw/2017/01/14/'",
    )
    partitioner_handler.add_partitions(event, lambda_context, client, settings)


def test_failed_query_raises_with_athenas_reason(
    partitioner_handler, settings, athena, lambda_context, monkeypatch
):
    client, stubber = athena
    fast(monkeypatch)
    expect_query(stubber, ANY, states=("QUEUED", "FAILED"), reason="Table not found default.vpc_flow_logs")
    event = s3_event(s3_record(BUCKET, "raw/2017/01/14/07/x.gz"))
    with pytest.raises(
        vpcflow_athena.AthenaQueryError, match=r"q-1 FAILED: Table not found default.vpc_flow_logs"
    ):
        partitioner_handler.add_partitions(event, lambda_context, client, settings)


def test_cancelled_query_raises(partitioner_handler, settings, athena, lambda_context):
    client, stubber = athena
    expect_query(stubber, ANY, states=("CANCELLED",))
    with pytest.raises(vpcflow_athena.AthenaQueryError, match=r"q-1 CANCELLED: no reason given"):
        partitioner_handler.add_partitions(
            s3_event(s3_record(BUCKET, "raw/2017/01/14/07/x.gz")), lambda_context, client, settings
        )


def test_query_still_running_when_time_is_up_raises(partitioner_handler, settings, athena, lambda_context):
    client, stubber = athena
    lambda_context.remaining_ms[0] = 1_000
    expect_query(stubber, ANY, states=("RUNNING",))
    with pytest.raises(vpcflow_athena.AthenaQueryError, match=r"q-1 still RUNNING: 1000 ms left"):
        partitioner_handler.add_partitions(
            s3_event(s3_record(BUCKET, "raw/2017/01/14/07/x.gz")), lambda_context, client, settings
        )


def test_polling_backs_off():
    class Client:
        polls = 0

        def start_query_execution(self, **kwargs):
            return {"QueryExecutionId": "q"}

        def get_query_execution(self, QueryExecutionId):
            self.polls += 1
            state = "SUCCEEDED" if self.polls == 6 else "RUNNING"
            return {"QueryExecution": {"Status": {"State": state}}}

    sleeps: list[float] = []
    vpcflow_athena.Athena(Client(), database="default", sleep=sleeps.append).run("SELECT 1")
    assert sleeps == [0.1, 0.2, 0.4, 0.8, 1.6]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "TABLE_NAME is required"),
        ({"TABLE_NAME": "vpc_flow_logs"}, r"must be <database>\.<table>"),
        ({"TABLE_NAME": "default.t;DROP"}, "is not a valid Athena name"),
        (
            {"TABLE_NAME": "d.t", "TABLE_LOCATION": "s3://bucket/it's/"},
            'TABLE_LOCATION "s3://bucket/it\'s/" is not',
        ),
        ({"TABLE_NAME": "d.t", "S3_STAGING_DIR": "/tmp/results"}, "S3_STAGING_DIR '/tmp/results/' is not"),
        ({"TABLE_NAME": "d.t", "PARTITION_TYPE": "Week"}, "PARTITION_TYPE 'Week' is not one of"),
        ({"TABLE_NAME": "d.t", "PARTITION_COLUMN": "dt'"}, 'PARTITION_COLUMN "dt\'" is not a valid'),
    ],
)
def test_configuration_errors_are_clear(partitioner_handler, env, message):
    with pytest.raises(partitioner_handler.ConfigError, match=message):
        partitioner_handler.load_settings(env)


def test_partition_type_defaults_to_day_as_in_the_blog(partitioner_handler):
    settings = partitioner_handler.load_settings({"TABLE_NAME": "default.vpc_flow_logs"})
    assert settings.partition_type.value == "Day"
    assert settings.table_location is None  # read from Glue at the first event


def test_events_that_are_not_s3_notifications_are_errors():
    with pytest.raises(s3_events.EventError, match=r"no Records list \(got \['awslogs'\]\)"):
        s3_events.created_objects({"awslogs": {}})
    with pytest.raises(
        s3_events.EventError, match=r"Records\[0\] \(ObjectCreated:Put\) has no s3.bucket.name"
    ):
        s3_events.created_objects({"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put"}]})


@mock_aws
def test_table_location_from_glue_and_the_statement_reaches_athena(
    partitioner_handler, lambda_context, monkeypatch
):
    # GIVEN a Glue table (no TABLE_LOCATION in the env) and the blog's environment
    glue = boto3.client("glue", region_name="us-east-1")
    glue.create_database(DatabaseInput={"Name": "flowlogs"})
    glue.create_table(
        DatabaseName="flowlogs",
        TableInput={
            "Name": "vpc_flow_logs",
            "StorageDescriptor": {
                "Location": f"s3://{BUCKET}/raw",
                "Columns": [{"Name": "version", "Type": "int"}],
            },
            "PartitionKeys": [{"Name": "ingestdatetime", "Type": "string"}],
        },
    )
    for name, value in {
        "TABLE_NAME": "flowlogs.vpc_flow_logs",
        "S3_STAGING_DIR": STAGING,
        "ATHENA_WORKGROUP": "primary",
        "PARTITION_TYPE": "Month",
        "ATHENA_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("TABLE_LOCATION", raising=False)
    partitioner_handler.client.cache_clear()
    partitioner_handler.glue_table_location.cache_clear()
    # WHEN an object arrives
    result = partitioner_handler.handler(
        s3_event(s3_record(BUCKET, "raw/2017/01/14/07/x.gz")), lambda_context
    )
    # THEN the Month partition statement ran on Athena (moto's Athena accepts it without running it)
    query = boto3.client("athena", region_name="us-east-1").get_query_execution(
        QueryExecutionId=result["query_id"]
    )
    assert query["QueryExecution"]["Query"] == (
        "ALTER TABLE flowlogs.vpc_flow_logs ADD IF NOT EXISTS PARTITION (IngestDateTime='2017-01-01-00') "
        "LOCATION 's3://my-vpc-flow-logs/raw/2017/01/'"
    )
    partitioner_handler.client.cache_clear()
    partitioner_handler.glue_table_location.cache_clear()
