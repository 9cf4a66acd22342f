"""Athena through the Amazon provider against localaws: AthenaOperator (polling and deferred) and AthenaSQLHook."""

import pendulum
from airflow.providers.amazon.aws.operators.athena import AthenaOperator
from airflow.sdk import dag, task


def run_query(deferrable: bool) -> AthenaOperator:
    return AthenaOperator(
        task_id="run_query",
        query="{{ params.query }}",
        database="{{ params.database }}",
        output_location="{{ params.output }}",
        sleep_time=1,
        deferrable=deferrable,
    )


@dag(
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["test"],
    params={"query": "SELECT 1", "database": "default", "output": "", "sql_conn_id": "aws_default"},
)
def localaws_athena_query():
    @task
    def read_back(params=None) -> list:
        from airflow.providers.amazon.aws.hooks.athena_sql import AthenaSQLHook

        hook = AthenaSQLHook(athena_conn_id=params["sql_conn_id"])
        return [list(r) for r in hook.get_records(params["query"])]

    run_query(deferrable=False) >> read_back()


@dag(
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["test"],
    params={"query": "SELECT 1", "database": "default", "output": ""},
)
def localaws_athena_query_deferrable():
    run_query(deferrable=True)


localaws_athena_query()
localaws_athena_query_deferrable()
