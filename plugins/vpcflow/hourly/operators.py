"""Provider operators and sensors that know the hour they work on: each renders its templates with
``hour`` (vpcflow.hourly.context.HourContext, built once per task) beside Airflow's own context, so the SQL
files, the wait and the SPICE refresh name what the stack's environment and the run's data interval say."""

from __future__ import annotations

from typing import Any

from airflow.providers.amazon.aws.hooks.s3 import S3Hook
from airflow.providers.amazon.aws.operators.athena import AthenaOperator
from airflow.providers.amazon.aws.operators.quicksight import QuickSightCreateIngestionOperator
from airflow.providers.standard.sensors.date_time import DateTimeSensor, DateTimeSensorAsync

from vpcflow.hourly.context import HourContext


class HourTemplated:
    """Puts ``hour`` into the template context before the operator's fields are rendered."""

    def render_template_fields(self, context: Any, jinja_env: Any = None) -> None:
        if "hour" not in context:
            context["hour"] = HourContext.from_airflow(context)
        super().render_template_fields(context, jinja_env)  # type: ignore[misc]


class HourAthenaOperator(HourTemplated, AthenaOperator):
    """One statement of sql/hourly/ about hour H, in the stack's database and workgroup."""

    def __init__(self, **kwargs: Any):
        super().__init__(
            database="{{ hour.stack.database }}",
            workgroup="{{ hour.stack.workgroup }}",
            output_location="{{ hour.stack.athena_output_location }}",
            **kwargs,
        )


class ReplacingAthenaOperator(HourAthenaOperator):
    """compact_hour: every try empties hour H's Parquet partition before its INSERT. A try that failed
    after Athena wrote files (a late failure, a killed worker) would otherwise leave them for the retry to
    add to. In execute, not pre_execute: a resumed deferral runs pre_execute again, after the INSERT."""

    def execute(self, context: Any) -> Any:
        from vpcflow.hourly.tasks import clear_parquet_partition  # at run time, not when the DAG is parsed

        clear_parquet_partition(S3Hook(aws_conn_id=self.aws_conn_id).get_conn(), context["hour"])
        return super().execute(context)


class HourCompleteSensor(HourTemplated, DateTimeSensor):
    """Waits, giving its worker slot back between pokes, until Firehose has surely delivered hour H."""

    def __init__(self, **kwargs: Any):
        super().__init__(target_time="{{ hour.complete_at.isoformat() }}", **kwargs)


class HourCompleteSensorAsync(HourTemplated, DateTimeSensorAsync):
    """The same wait, deferred to the triggerer: no worker slot is held at all."""

    def __init__(self, **kwargs: Any):
        super().__init__(target_time="{{ hour.complete_at.isoformat() }}", **kwargs)


class HourSpiceRefreshOperator(HourTemplated, QuickSightCreateIngestionOperator):
    """A SPICE ingestion of the stack's dataset for hour H's run.

    QuickSight keeps an ingestion id for good, and a second run of the hour (a new manual run, or dag.test)
    starts again at try 1: the task instance's id, new for every try of every run, never collides where
    the try number did."""

    def __init__(self, **kwargs: Any):
        super().__init__(
            data_set_id="{{ hour.stack.quicksight_dataset_id }}",
            ingestion_id="vpcflow-{{ hour.start.strftime('%Y%m%dT%H') }}-{{ ti.id }}",
            **kwargs,
        )
