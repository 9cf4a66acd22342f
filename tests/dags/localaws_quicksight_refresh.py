"""SPICE refresh through the Amazon provider, as vpcflow_hourly does it: operator then sensor.

Two DAGs: one waits in the worker (waiter polling), one defers to the triggerer (aiobotocore).
"""

import pendulum
from airflow.providers.amazon.aws.operators.quicksight import QuickSightCreateIngestionOperator
from airflow.providers.amazon.aws.sensors.quicksight import QuickSightSensor
from airflow.sdk import dag


def refresh_then_sense(deferrable: bool) -> None:
    refresh_spice = QuickSightCreateIngestionOperator(
        task_id="refresh_spice",
        data_set_id="{{ params.data_set_id }}",
        ingestion_id="{{ params.ingestion_id }}",
        wait_for_completion=True,
        waiter_delay=1,
        deferrable=deferrable,
    )
    wait_spice = QuickSightSensor(
        task_id="wait_spice",
        data_set_id="{{ params.data_set_id }}",
        ingestion_id="{{ params.ingestion_id }}",
        poke_interval=1,
        timeout=60,
        deferrable=deferrable,
    )
    refresh_spice >> wait_spice


@dag(schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC"), catchup=False, tags=["test"])
def localaws_quicksight_refresh():
    refresh_then_sense(deferrable=False)


@dag(schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC"), catchup=False, tags=["test"])
def localaws_quicksight_refresh_deferrable():
    refresh_then_sense(deferrable=True)


localaws_quicksight_refresh()
localaws_quicksight_refresh_deferrable()
