"""An injection attempt through a triggered run's conf stops at vpcflow_hourly's first task, with an error
naming the parameter, and no statement reaches Athena. The stack's names cannot come from a conf at all."""

from __future__ import annotations

import pendulum
import pytest

pytestmark = pytest.mark.e2e

PAYLOAD = "vpcflow; DROP TABLE vpc_flow_logs; --"


def _query_ids(athena) -> set[str]:
    return {
        i
        for group in athena.list_work_groups()["WorkGroups"]
        for page in athena.get_paginator("list_query_executions").paginate(WorkGroup=group["Name"])
        for i in page["QueryExecutionIds"]
    }


def _queries(athena, ids: list[str]) -> list[str]:
    found = []
    for start in range(0, len(ids), 50):
        found += [
            q["Query"]
            for q in athena.batch_get_query_execution(QueryExecutionIds=ids[start : start + 50])[
                "QueryExecutions"
            ]
        ]
    return found


@pytest.mark.parametrize(
    ("param", "value", "message"),
    [
        ("database", PAYLOAD, "['database'] belong to the stack's identity"),
        ("raw_prefix", "raw/'; DROP TABLE t; --/", "['raw_prefix'] belong to the stack's identity"),
        ("parquet_prefix", "raw/", "['parquet_prefix'] belong to the stack's identity"),
    ],
)
def test_hostile_run_conf_fails_check_run_settings_and_runs_no_sql(
    airflow_db, aws_conn, aws_client, capfd, param, value, message
):
    from airflow.dag_processing.dagbag import DagBag
    from airflow.sdk import DagRunState

    dag = DagBag(dag_folder="dags/vpcflow_hourly.py").get_dag("vpcflow_hourly")
    # A bad param fails the same way on every try: no need to wait out the DAG's retry delays here.
    dag.get_task("check_run_settings").retries = 0
    athena = aws_client("athena")
    # localaws is shared with the rest of the session: only the queries this run started count.
    before = _query_ids(athena)
    run = dag.test(logical_date=pendulum.datetime(2026, 11, 26, 4, tz="UTC"), run_conf={param: value})
    log = "".join(capfd.readouterr())
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert run.state == DagRunState.FAILED
    assert states["check_run_settings"] == "failed"
    assert {s for t, s in states.items() if t != "check_run_settings"} <= {"upstream_failed", None}, states
    assert f"ConfigError: vpcflow_hourly: {message}" in log or f"ConfigError: {message}" in log
    assert not [q for q in _queries(athena, sorted(_query_ids(athena) - before)) if "DROP" in q]


def test_a_setting_of_the_wrong_type_is_refused_before_the_run_exists(airflow_db, aws_conn):
    # The trigger form's typed Params: Airflow itself validates the conf, so no run (and no SQL) happens.
    from airflow.dag_processing.dagbag import DagBag
    from airflow.exceptions import ParamValidationError

    dag = DagBag(dag_folder="dags/vpcflow_hourly.py").get_dag("vpcflow_hourly")
    with pytest.raises(ParamValidationError, match="outside_hour_tolerance_s"):
        dag.test(
            logical_date=pendulum.datetime(2026, 11, 26, 5, tz="UTC"),
            run_conf={"outside_hour_tolerance_s": "0; DROP TABLE t"},
        )
