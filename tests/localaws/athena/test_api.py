"""The Athena API with boto3: executions, results, workgroups, catalog calls, and Athena's errors."""

from __future__ import annotations

import json
import time

import botocore.exceptions
import pytest

from tests.localaws.athena.conftest import Athena


def test_query_lifecycle_statistics_and_result_files(athena: Athena, aws_client, results_bucket: str) -> None:
    qid = athena.start("SELECT 1 AS one, 'a,\"b' AS s, NULL AS n, CAST(2.5 AS double) AS d")
    first = athena.client.get_query_execution(QueryExecutionId=qid)["QueryExecution"]
    assert first["Status"]["State"] in ("QUEUED", "RUNNING", "SUCCEEDED")
    done = athena.wait(qid)
    status, stats = done["Status"], done["Statistics"]
    assert status["State"] == "SUCCEEDED"
    assert status["CompletionDateTime"] >= status["SubmissionDateTime"]
    for key in (
        "EngineExecutionTimeInMillis",
        "DataScannedInBytes",
        "TotalExecutionTimeInMillis",
        "QueryQueueTimeInMillis",
        "QueryPlanningTimeInMillis",
        "ServiceProcessingTimeInMillis",
    ):
        assert isinstance(stats[key], int), key
    assert done["StatementType"] == "DML"
    assert done["QueryExecutionContext"] == {"Database": "default", "Catalog": "AwsDataCatalog"}
    location = done["ResultConfiguration"]["OutputLocation"]
    assert location == f"s3://{results_bucket}/out/{qid}.csv"

    result = athena.client.get_query_results(QueryExecutionId=qid)
    info = result["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]
    assert [(c["Name"], c["Type"]) for c in info] == [
        ("one", "integer"),
        ("s", "varchar"),
        ("n", "unknown"),
        ("d", "double"),
    ]
    rows = result["ResultSet"]["Rows"]
    assert rows[0] == {"Data": [{"VarCharValue": n} for n in ("one", "s", "n", "d")]}
    assert rows[1] == {"Data": [{"VarCharValue": "1"}, {"VarCharValue": 'a,"b'}, {}, {"VarCharValue": "2.5"}]}

    body = aws_client("s3").get_object(Bucket=results_bucket, Key=f"out/{qid}.csv")["Body"].read().decode()
    assert body == '"one","s","n","d"\n"1","a,""b",,"2.5"\n'
    meta = aws_client("s3").get_object(Bucket=results_bucket, Key=f"out/{qid}.csv.metadata")["Body"].read()
    assert json.loads(meta)["ColumnInfo"][0]["Name"] == "one"


def test_unnamed_columns_and_trino_semantics(athena: Athena) -> None:
    run = athena.run(
        "SELECT count(*), 7 / 2, date_parse('2017-01-14-07', '%Y-%m-%d-%H'), "
        "from_unixtime(0), ARRAY[1, 2], 'x' || 'y' AS xy"
    )
    assert run.rows[0] == ["_col0", "_col1", "_col2", "_col3", "_col4", "xy"]
    assert run.rows[1] == ["1", "3", "2017-01-14 07:00:00.000", "1970-01-01 00:00:00.000 UTC", "[1, 2]", "xy"]
    assert [c["Type"] for c in run.columns][:3] == ["bigint", "integer", "timestamp"]


def test_results_paginate_with_max_results_and_next_token(athena: Athena) -> None:
    qid = athena.start("SELECT x FROM UNNEST(sequence(1, 2500)) AS t(x) ORDER BY x")
    assert athena.wait(qid)["Status"]["State"] == "SUCCEEDED"
    pages, token = [], None
    while True:
        kwargs = {"QueryExecutionId": qid, "MaxResults": 1000}
        if token:
            kwargs["NextToken"] = token
        page = athena.client.get_query_results(**kwargs)
        pages.append([r["Data"][0]["VarCharValue"] for r in page["ResultSet"]["Rows"]])
        token = page.get("NextToken")
        if not token:
            break
    assert [len(p) for p in pages] == [1000, 1000, 501]  # the header row counts as a row
    assert pages[0][:2] == ["x", "1"] and pages[-1][-1] == "2500"


def test_client_request_token_is_idempotent(athena: Athena) -> None:
    token = "t" * 40
    a = athena.client.start_query_execution(
        QueryString="SELECT 1",
        ClientRequestToken=token,
        ResultConfiguration={"OutputLocation": athena.output},
    )
    b = athena.client.start_query_execution(
        QueryString="SELECT 1",
        ClientRequestToken=token,
        ResultConfiguration={"OutputLocation": athena.output},
    )
    assert a["QueryExecutionId"] == b["QueryExecutionId"]
    with pytest.raises(botocore.exceptions.ClientError) as err:
        athena.client.start_query_execution(
            QueryString="SELECT 2",
            ClientRequestToken=token,
            ResultConfiguration={"OutputLocation": athena.output},
        )
    assert err.value.response["Error"]["Code"] == "InvalidRequestException"


def test_bad_requests_raise_invalid_request(athena: Athena) -> None:
    c = athena.client
    cases = [
        lambda: c.start_query_execution(QueryString=" "),
        lambda: c.start_query_execution(QueryString="SELECT 1"),  # primary has no OutputLocation
        lambda: c.start_query_execution(
            QueryString="SELECT 1", ResultConfiguration={"OutputLocation": "s3://no-such-bucket-x/"}
        ),
        lambda: c.get_query_execution(QueryExecutionId="00000000-0000-0000-0000-000000000000"),
        lambda: c.get_work_group(WorkGroup="nope"),
    ]
    for call in cases:
        with pytest.raises(botocore.exceptions.ClientError) as err:
            call()
        assert err.value.response["Error"]["Code"] == "InvalidRequestException"
    with pytest.raises(botocore.exceptions.ClientError, match="No output location provided"):
        c.start_query_execution(QueryString="SELECT 1")


def test_failures_read_like_athena(athena: Athena, database: str) -> None:
    missing = athena.run("SELECT * FROM t", database, ok=False)
    assert missing.state == "FAILED"
    assert missing.reason == f"TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.{database}.t' does not exist"
    assert missing.execution["Status"]["AthenaError"]["ErrorCategory"] == 2
    syntax = athena.run("SELECT FROM WHERE", database, ok=False)
    assert syntax.state == "FAILED" and syntax.reason.startswith("SYNTAX_ERROR: line 1:")
    nonsense = athena.run("THIS IS NOT SQL AT ALL", database, ok=False)
    assert nonsense.reason.startswith("SYNTAX_ERROR: line 1:1: mismatched input 'THIS'")
    column = athena.run("SELECT nope FROM (SELECT 1 AS a)", database, ok=False)
    assert column.reason.startswith("COLUMN_NOT_FOUND: ") and "'nope'" in column.reason
    schema = athena.run("SELECT * FROM nodb_zz.t", database, ok=False)
    assert schema.reason == "SCHEMA_NOT_FOUND: line 1:15: Schema 'nodb_zz' does not exist"
    with pytest.raises(botocore.exceptions.ClientError, match="FAILED"):
        athena.client.get_query_results(QueryExecutionId=missing.id)


def test_batch_get_list_and_stop(athena: Athena, unique: str) -> None:
    c = athena.client
    c.create_work_group(
        Name=f"wg-{unique}", Configuration={"ResultConfiguration": {"OutputLocation": athena.output}}
    )
    done = athena.run("SELECT 1", workgroup=f"wg-{unique}", output=None)
    slow = athena.start(
        "SELECT count(*) FROM UNNEST(sequence(1, 30000)) a(x) CROSS JOIN UNNEST(sequence(1, 30000)) b(y)",
        workgroup=f"wg-{unique}",
        output=None,
    )
    c.stop_query_execution(QueryExecutionId=slow)
    stopped = athena.wait(slow)
    assert stopped["Status"]["State"] == "CANCELLED"
    batch = c.batch_get_query_execution(QueryExecutionIds=[done.id, slow, "missing-id"])
    assert {e["QueryExecutionId"] for e in batch["QueryExecutions"]} == {done.id, slow}
    assert batch["UnprocessedQueryExecutionIds"][0]["QueryExecutionId"] == "missing-id"
    listed = c.list_query_executions(WorkGroup=f"wg-{unique}")["QueryExecutionIds"]
    assert listed == [slow, done.id]  # newest first
    with pytest.raises(botocore.exceptions.ClientError, match="CANCELLED"):
        c.get_query_results(QueryExecutionId=slow)


def test_workgroups_output_location_enforcement_and_cutoff(
    athena: Athena, aws_client, bucket: str, database: str, unique: str
) -> None:
    c = athena.client
    names = {g["Name"] for g in c.list_work_groups()["WorkGroups"]}
    assert "primary" in names
    c.create_work_group(
        Name=f"enforced-{unique}",
        Configuration={
            "ResultConfiguration": {"OutputLocation": f"s3://{bucket}/wg/"},
            "EnforceWorkGroupConfiguration": True,
        },
    )
    wg = c.get_work_group(WorkGroup=f"enforced-{unique}")["WorkGroup"]
    assert wg["Configuration"]["ResultConfiguration"]["OutputLocation"] == f"s3://{bucket}/wg/"
    assert wg["State"] == "ENABLED"
    run = athena.run("SELECT 1", workgroup=f"enforced-{unique}")  # the request's location is overridden
    assert run.execution["ResultConfiguration"]["OutputLocation"] == f"s3://{bucket}/wg/{run.id}.csv"
    with pytest.raises(botocore.exceptions.ClientError, match="already created"):
        c.create_work_group(Name=f"enforced-{unique}")

    # a table of 12 MB of plain text, and a workgroup that may scan 10 MB per query
    line = "2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 1 2 ACCEPT OK\n"
    aws_client("s3").put_object(
        Bucket=bucket, Key="big/data.txt", Body=(line * (12_000_000 // len(line) + 1)).encode()
    )
    athena.run(f"CREATE EXTERNAL TABLE big (line STRING) LOCATION 's3://{bucket}/big/'", database)
    c.create_work_group(
        Name=f"capped-{unique}",
        Configuration={
            "ResultConfiguration": {"OutputLocation": athena.output},
            "BytesScannedCutoffPerQuery": 10_000_000,
        },
    )
    capped = athena.run("SELECT count(*) FROM big", database, ok=False, workgroup=f"capped-{unique}")
    assert capped.state == "FAILED"
    assert capped.reason == "Query cancelled! : Bytes scanned limit was exceeded"
    assert athena.run("SELECT 1", database, workgroup=f"capped-{unique}").state == "SUCCEEDED"


def test_catalog_calls_read_glue(athena: Athena, database: str, bucket: str) -> None:
    athena.run(
        f"CREATE EXTERNAL TABLE t1 (a INT COMMENT 'first', b STRING) PARTITIONED BY (dt STRING) "
        f"STORED AS PARQUET LOCATION 's3://{bucket}/t1/'",
        database,
    )
    c = athena.client
    assert c.get_database(CatalogName="AwsDataCatalog", DatabaseName=database)["Database"]["Name"] == database
    assert database in {d["Name"] for d in c.list_databases(CatalogName="AwsDataCatalog")["DatabaseList"]}
    meta = c.get_table_metadata(CatalogName="AwsDataCatalog", DatabaseName=database, TableName="t1")[
        "TableMetadata"
    ]
    assert meta["Columns"] == [
        {"Name": "a", "Type": "int", "Comment": "first"},
        {"Name": "b", "Type": "string"},
    ]
    assert meta["PartitionKeys"] == [{"Name": "dt", "Type": "string"}]
    assert meta["TableType"] == "EXTERNAL_TABLE"
    assert meta["Parameters"]["location"] == f"s3://{bucket}/t1/"
    listed = c.list_table_metadata(CatalogName="AwsDataCatalog", DatabaseName=database)["TableMetadataList"]
    assert [t["Name"] for t in listed] == ["t1"]
    with pytest.raises(botocore.exceptions.ClientError) as err:
        c.get_table_metadata(CatalogName="AwsDataCatalog", DatabaseName=database, TableName="nope")
    assert err.value.response["Error"]["Code"] == "MetadataException"


def test_waiters_see_a_query_run(athena: Athena) -> None:
    qid = athena.start(
        "SELECT count(*) FROM UNNEST(sequence(1, 3000)) a(x) CROSS JOIN UNNEST(sequence(1, 3000)) b(y)"
    )
    seen = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state = athena.client.get_query_execution(QueryExecutionId=qid)["QueryExecution"]["Status"]["State"]
        seen.add(state)
        if state == "SUCCEEDED":
            break
    assert "SUCCEEDED" in seen
    assert athena.client.get_query_results(QueryExecutionId=qid)["ResultSet"]["Rows"][1]["Data"][0] == {
        "VarCharValue": "9000000"
    }


def test_execution_parameters_bind_question_marks(athena: Athena) -> None:
    qid = athena.client.start_query_execution(
        QueryString="SELECT ? AS a, '?' AS q, ? + 1 AS b",
        ExecutionParameters=["'x'", "41"],
        ResultConfiguration={"OutputLocation": athena.output},
    )["QueryExecutionId"]
    execution = athena.wait(qid)
    assert execution["ExecutionParameters"] == ["'x'", "41"]
    rows = athena.client.get_query_results(QueryExecutionId=qid)["ResultSet"]["Rows"]
    assert [d["VarCharValue"] for d in rows[1]["Data"]] == ["x", "?", "42"]
