"""SPICE refresh through the Amazon provider, as vpcflow_hourly does it: operator (waiting) then sensor."""

import pendulum
from airflow.providers.amazon.aws.operators.quicksight import QuickSightCreateIngestionOperator
from airflow.providers.amazon.aws.sensors.quicksight import QuickSightSensor
from airflow.sdk import dag


@dag(schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC"), catchup=False, tags=["test"])
def localaws_quicksight_refresh():
    refresh_spice = QuickSightCreateIngestionOperator(
        task_id="refresh_spice",
        data_set_id="{{ params.data_set_id }}",
        ingestion_id="{{ params.ingestion_id }}",
        wait_for_completion=True,
        waiter_delay=1,
    )
    wait_spice = QuickSightSensor(
        task_id="wait_spice",
        data_set_id="{{ params.data_set_id }}",
        ingestion_id="{{ params.ingestion_id }}",
        poke_interval=1,
        timeout=60,
    )
    refresh_spice >> wait_spice


localaws_quicksight_refresh()
