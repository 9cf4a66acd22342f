"""The Airflow test harness itself: a provider operator in dag.test() reaches localaws."""

import pendulum
from airflow.sdk import DagRunState


def test_provider_operator_reaches_localaws(airflow_db, aws_conn, aws_client, unique):
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder="tests/dags/smoke_localaws.py").get_dag("smoke_localaws")
    bucket = f"smoke-{unique}"
    run = dag.test(logical_date=pendulum.datetime(2026, 11, 26, 3, tz="UTC"), run_conf={"bucket": bucket})
    assert run.state == DagRunState.SUCCESS
    assert bucket in {b["Name"] for b in aws_client("s3").list_buckets()["Buckets"]}
