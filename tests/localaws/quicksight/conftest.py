"""QuickSight test fixtures: clients, an Athena data source, a small Athena table, an Airflow home."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from localaws.server import LocalAWS
from localaws.service import Service

ACCOUNT = "123456789012"  # moto's account: what STS GetCallerIdentity answers, so the provider's hook agrees
TERMINAL = ("COMPLETED", "FAILED", "CANCELLED")

# A small table the ingestion tests read: three good rows and one whose n does not convert to INTEGER.
ROWS_CSV = "id,name,n,ts\n1,alpha,10,2026-11-26 10:00:00\n2,beta,20,2026-11-26 11:00:00\n3,gamma,,2026-11-26 12:00:00\n"


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


@pytest.fixture(scope="session")
def athena_table(aws_client: Callable[[str], Any], work_group: str) -> dict[str, str]:
    """Database and table of ROWS_CSV in localaws (S3 object + Athena DDL): {"schema", "table"}."""
    s3 = aws_client("s3")
    s3.create_bucket(Bucket="qs-athena-data")
    s3.put_object(Bucket="qs-athena-data", Key="rows/rows.csv", Body=ROWS_CSV.encode())
    for ddl in (
        "CREATE DATABASE IF NOT EXISTS qs_test",
        "CREATE EXTERNAL TABLE IF NOT EXISTS qs_test.rows (id bigint, name string, n string, ts timestamp) "
        "ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' LOCATION 's3://qs-athena-data/rows/' "
        "TBLPROPERTIES ('skip.header.line.count'='1')",
    ):
        execution = run_athena(aws_client, ddl, work_group)
        assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"]
    return {"schema": "qs_test", "table": "rows"}


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory: pytest.TempPathFactory, localaws: LocalAWS) -> Iterator[Path]:
    """A throwaway AIRFLOW_HOME with an initialised SQLite metadata DB and aws_default pointing at localaws."""
    home = tmp_path_factory.mktemp("airflow")
    conn = (
        '{"conn_type":"aws","login":"testing","password":"testing",'
        f'"extra":{{"endpoint_url":"{localaws.endpoint}","region_name":"us-east-1"}}}}'
    )
    env = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
        "AIRFLOW_CONN_AWS_DEFAULT": conn,
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    import airflow.settings
    from airflow.utils import db

    # Airflow read its config at import: point it at this home even if another test imported it first.
    airflow.settings.SQL_ALCHEMY_CONN = env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    airflow.settings.configure_orm()
    db.initdb()
    yield home
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
