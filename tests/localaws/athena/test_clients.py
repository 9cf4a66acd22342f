"""Standard clients, unchanged, against localaws Athena: PyAthena and the Amazon provider in dag.test()."""

from __future__ import annotations

import json
import os
from typing import Any

import pendulum
import pytest

from tests.localaws.athena.conftest import Athena

LOGICAL_DATE = pendulum.datetime(2026, 11, 26, 15, tz="UTC")


def _seed(athena: Athena, aws_client, database: str, bucket: str) -> None:
    aws_client("s3").put_object(Bucket=bucket, Key="t/data.txt", Body=b"1 alpha\n2 beta\n3 gamma\n")
    athena.run(
        f"CREATE EXTERNAL TABLE t (id INT, name STRING) ROW FORMAT DELIMITED FIELDS TERMINATED BY ' ' "
        f"LOCATION 's3://{bucket}/t/'",
        database,
    )


def test_pyathena_cursor_returns_typed_rows(
    localaws, athena: Athena, aws_client, database: str, bucket: str
) -> None:
    import pyathena

    _seed(athena, aws_client, database, bucket)
    conn = pyathena.connect(
        s3_staging_dir=athena.output,
        region_name="us-east-1",
        schema_name=database,
        endpoint_url=localaws.endpoint,
        poll_interval=0.05,
    )
    cursor = conn.cursor()
    cursor.execute(
        "SELECT id, name, date_parse('2017-01-14-07', '%%Y-%%m-%%d-%%H') AS ts FROM t WHERE id >= %(low)s "
        "ORDER BY id",
        {"low": 2},
    )
    rows = cursor.fetchall()
    assert [r[:2] for r in rows] == [(2, "beta"), (3, "gamma")]
    assert rows[0][2].isoformat() == "2017-01-14T07:00:00"
    assert [d[0] for d in cursor.description] == ["id", "name", "ts"]
    assert cursor.data_scanned_in_bytes == len(b"1 alpha\n2 beta\n3 gamma\n")
    with pytest.raises(pyathena.error.DatabaseError, match="TABLE_NOT_FOUND"):
        cursor.execute("SELECT * FROM no_such_table")


def _dag_run(dag_id: str, conf: dict[str, Any]) -> Any:
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder="tests/dags/localaws_athena_query.py").get_dag(dag_id)
    return dag.test(logical_date=LOGICAL_DATE, run_conf=conf)


@pytest.mark.parametrize("dag_id", ["localaws_athena_query", "localaws_athena_query_deferrable"])
def test_athena_operator_and_sql_hook_in_dag_test(
    airflow_db: str,
    aws_conn: str,
    localaws,
    athena: Athena,
    aws_client,
    database: str,
    bucket: str,
    dag_id: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN a table, and a connection for AthenaSQLHook (PyAthena) that names a staging dir
    _seed(athena, aws_client, database, bucket)
    monkeypatch.setenv(
        "AIRFLOW_CONN_ATHENA_LOCALAWS",
        json.dumps(
            {
                "conn_type": "aws",
                "login": "testing",
                "password": "testing",
                "schema": database,
                "extra": {
                    "endpoint_url": localaws.endpoint,
                    "region_name": "us-east-1",
                    "s3_staging_dir": athena.output,
                },
            }
        ),
    )
    assert os.environ["AIRFLOW_CONN_AWS_DEFAULT"]
    query = f"SELECT name FROM {database}.t WHERE id = 2"
    # WHEN the provider's AthenaOperator runs the query in a DAG (and the hook reads it back)
    run = _dag_run(
        dag_id,
        {"query": query, "database": database, "output": athena.output, "sql_conn_id": "athena_localaws"},
    )
    # THEN every task succeeds, and the query the operator started SUCCEEDED in localaws
    states = {ti.task_id: str(ti.state) for ti in run.get_task_instances()}
    assert str(run.state) == "success", states
    qid = next(ti for ti in run.get_task_instances() if ti.task_id == "run_query").xcom_pull(
        task_ids="run_query"
    )
    execution = athena.client.get_query_execution(QueryExecutionId=qid)["QueryExecution"]
    assert execution["Status"]["State"] == "SUCCEEDED" and execution["Query"] == query
    if "read_back" in states:
        records = next(ti for ti in run.get_task_instances() if ti.task_id == "read_back").xcom_pull(
            task_ids="read_back"
        )
        assert records == [["beta"]]
