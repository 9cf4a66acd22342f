"""An injection attempt through a triggered run's conf stops at vpcflow_hourly's first task, with an error
naming the parameter, and no statement reaches Athena."""

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
    ("param", "value"), [("database", PAYLOAD), ("raw_prefix", "raw/'; DROP TABLE t; --/")]
)
def test_hostile_run_conf_fails_validate_params_and_runs_no_sql(
    airflow_db, aws_conn, aws_client, capfd, param, value
):
    from airflow.dag_processing.dagbag import DagBag
    from airflow.sdk import DagRunState

    dag = DagBag(dag_folder="dags/vpcflow_hourly.py").get_dag("vpcflow_hourly")
    # A bad param fails the same way on every try: no need to wait out the DAG's retry delays here.
    dag.get_task("validate_params").retries = 0
    athena = aws_client("athena")
    # localaws is shared with the rest of the session: only the queries this run started count.
    before = _query_ids(athena)
    run = dag.test(logical_date=pendulum.datetime(2026, 11, 26, 4, tz="UTC"), run_conf={param: value})
    log = "".join(capfd.readouterr())
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert run.state == DagRunState.FAILED
    assert states["validate_params"] == "failed"
    assert {s for t, s in states.items() if t != "validate_params"} <= {"upstream_failed", None}, states
    assert f"ConfigError: {param}=" in log
    assert not [q for q in _queries(athena, sorted(_query_ids(athena) - before)) if "DROP" in q]
