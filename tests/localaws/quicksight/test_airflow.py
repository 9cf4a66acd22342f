"""The Amazon provider's QuickSight operator and sensor, unchanged, in dag.test() against localaws."""

from __future__ import annotations

from typing import Any

import pendulum
import pytest

from tests.localaws.quicksight.conftest import ACCOUNT, custom_sql, relational

LOGICAL_DATE = pendulum.datetime(2026, 11, 26, 15, tz="UTC")


def refresh(data_set_id: str, ingestion_id: str, dag_id: str = "localaws_quicksight_refresh") -> Any:
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder="tests/dags/localaws_quicksight_refresh.py").get_dag(dag_id)
    return dag.test(
        logical_date=LOGICAL_DATE, run_conf={"data_set_id": data_set_id, "ingestion_id": ingestion_id}
    )


def task_states(run: Any) -> dict[str, str]:
    return {ti.task_id: str(ti.state) for ti in run.get_task_instances()}


@pytest.mark.parametrize("dag_id", ["localaws_quicksight_refresh", "localaws_quicksight_refresh_deferrable"])
def test_create_ingestion_operator_and_sensor_succeed(
    airflow_db: str, aws_conn: str, qs: Any, data_source: dict, athena_table: dict, unique: str, dag_id: str
) -> None:
    # GIVEN a SPICE dataset over an Athena table
    set_id = f"af-{unique}"
    qs.create_data_set(
        AwsAccountId=ACCOUNT,
        DataSetId=set_id,
        Name="airflow",
        ImportMode="SPICE",
        PhysicalTableMap=relational(
            data_source["Arn"],
            athena_table["schema"],
            athena_table["table"],
            [("id", "INTEGER"), ("name", "STRING")],
        ),
    )
    # WHEN the provider's operator (waiting for completion) and sensor run in a DAG
    run = refresh(set_id, f"af-{unique}-1", dag_id)
    # THEN both succeed, and the ingestion they waited for completed
    assert str(run.state) == "success", task_states(run)
    ingestion = qs.describe_ingestion(AwsAccountId=ACCOUNT, DataSetId=set_id, IngestionId=f"af-{unique}-1")
    assert ingestion["Ingestion"]["IngestionStatus"] == "COMPLETED"


def test_create_ingestion_operator_fails_with_the_ingestion(
    airflow_db: str, aws_conn: str, qs: Any, data_source: dict, unique: str
) -> None:
    # GIVEN a dataset whose ingestions fail (DIRECT_QUERY has no SPICE to fill)
    set_id = f"af-dq-{unique}"
    qs.create_data_set(
        AwsAccountId=ACCOUNT,
        DataSetId=set_id,
        Name="direct",
        ImportMode="DIRECT_QUERY",
        PhysicalTableMap=custom_sql(data_source["Arn"], "SELECT 1 AS one", [("one", "INTEGER")]),
    )
    run = refresh(set_id, f"af-{unique}-1")
    states = task_states(run)
    assert str(run.state) == "failed"
    assert states == {"refresh_spice": "failed", "wait_spice": "upstream_failed"}
