"""QuickSight test fixtures: a client, an Athena workgroup and data source, a small Athena table.

Airflow tests use the shared ``airflow_db`` and ``aws_conn`` fixtures of tests/conftest.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from localaws.server import LocalAWS
from localaws.service import Service

ACCOUNT = "123456789012"  # moto's account: what STS GetCallerIdentity answers, so the provider's hook agrees
TERMINAL = ("COMPLETED", "FAILED", "CANCELLED")

# A small table the ingestion tests read: three rows, the last one's n does not convert to INTEGER.
ROWS_CSV = "id,name,n,ts\n1,alpha,10,2026-11-26 10:00:00\n2,beta,20,2026-11-26 11:00:00\n3,gamma,x,2026-11-26 12:00:00\n"


def athena_is_real(localaws: LocalAWS) -> bool:
    """False while localaws/athena is still the placeholder (moto's Athena, which runs no SQL)."""
    return type(localaws.services["athena"]).claims is not Service.claims


@pytest.fixture
def qs(aws_client: Callable[[str], Any]) -> Any:
    return aws_client("quicksight")


@pytest.fixture
def real_athena(localaws: LocalAWS) -> None:
    if not athena_is_real(localaws):
        pytest.skip("localaws Athena is still moto's placeholder: no SQL runs, so no rows to ingest")


@pytest.fixture(scope="session")
def work_group(aws_client: Callable[[str], Any]) -> str:
    """An Athena workgroup with an output location, as vpcflow provisions one."""
    aws_client("s3").create_bucket(Bucket="qs-athena-results")
    aws_client("athena").create_work_group(
        Name="qs-tests",
        Configuration={"ResultConfiguration": {"OutputLocation": "s3://qs-athena-results/qs-tests/"}},
    )
    return "qs-tests"


@pytest.fixture
def data_source(qs: Any, unique: str, work_group: str) -> dict[str, Any]:
    """An ATHENA data source in the test workgroup: {"Arn", "DataSourceId"}."""
    answer = qs.create_data_source(
        AwsAccountId=ACCOUNT,
        DataSourceId=f"athena-{unique}",
        Name=f"Athena {unique}",
        Type="ATHENA",
        DataSourceParameters={"AthenaParameters": {"WorkGroup": work_group}},
    )
    return {"Arn": answer["Arn"], "DataSourceId": answer["DataSourceId"]}


def relational(
    data_source_arn: str, schema: str, table: str, columns: list[tuple[str, str]]
) -> dict[str, Any]:
    return {
        "t1": {
            "RelationalTable": {
                "DataSourceArn": data_source_arn,
                "Catalog": "AwsDataCatalog",
                "Schema": schema,
                "Name": table,
                "InputColumns": [{"Name": n, "Type": t} for n, t in columns],
            }
        }
    }


def custom_sql(
    data_source_arn: str, sql: str, columns: list[tuple[str, str]] | None = None
) -> dict[str, Any]:
    spec: dict[str, Any] = {"DataSourceArn": data_source_arn, "Name": "query", "SqlQuery": sql}
    if columns is not None:
        spec["Columns"] = [{"Name": n, "Type": t} for n, t in columns]
    return {"t1": {"CustomSql": spec}}


def wait_ingestion(qs: Any, data_set_id: str, ingestion_id: str, timeout: float = 30) -> dict[str, Any]:
    """Poll DescribeIngestion until it ends; the Ingestion. (A deadline against hangs, not a timed assertion.)"""
    deadline = time.monotonic() + timeout
    while True:
        ingestion = qs.describe_ingestion(
            AwsAccountId=ACCOUNT, DataSetId=data_set_id, IngestionId=ingestion_id
        )["Ingestion"]
        if ingestion["IngestionStatus"] in TERMINAL or time.monotonic() > deadline:
            return ingestion
        time.sleep(0.05)


def run_athena(
    aws_client: Callable[[str], Any], sql: str, work_group: str, timeout: float = 30
) -> dict[str, Any]:
    athena = aws_client("athena")
    query_id = athena.start_query_execution(QueryString=sql, WorkGroup=work_group)["QueryExecutionId"]
    deadline = time.monotonic() + timeout
    while True:
        execution = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
        if (
            execution["Status"]["State"] in ("SUCCEEDED", "FAILED", "CANCELLED")
            or time.monotonic() > deadline
        ):
            return execution
        time.sleep(0.05)


def make_text_table(aws_client: Callable[[str], Any], work_group: str, table: str, csv_text: str) -> None:
    """qs_test.<table> over one CSV object (with a header line) in localaws: S3 object + Athena DDL."""
    s3 = aws_client("s3")
    s3.put_object(Bucket="qs-athena-data", Key=f"{table}/part-0.csv", Body=csv_text.encode())
    for ddl in (
        "CREATE DATABASE IF NOT EXISTS qs_test",
        f"CREATE EXTERNAL TABLE IF NOT EXISTS qs_test.{table} (id bigint, name string, n string, ts timestamp) "
        f"ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' LOCATION 's3://qs-athena-data/{table}/' "
        "TBLPROPERTIES ('skip.header.line.count'='1')",
    ):
        execution = run_athena(aws_client, ddl, work_group)
        assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"]


@pytest.fixture(scope="session")
def athena_table(aws_client: Callable[[str], Any], work_group: str) -> dict[str, str]:
    """The table of ROWS_CSV: {"schema", "table"}."""
    aws_client("s3").create_bucket(Bucket="qs-athena-data")
    make_text_table(aws_client, work_group, "rows", ROWS_CSV)
    return {"schema": "qs_test", "table": "rows"}
