"""Provider operators and sensors that know the hour they work on: each renders its templates with
``hour`` (vpcflow.hourly.context.HourContext, built once per task) beside Airflow's own context, so the SQL
files, the wait and the SPICE refresh name what the stack's environment and the run's data interval say."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
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
    """One statement of sql/hourly/ about hour H, in the stack's database and workgroup. Its log ends with
    the statement's final state, rows and bytes scanned (the provider's ends on its last poll)."""

    def __init__(self, **kwargs: Any):
        super().__init__(
            database="{{ hour.stack.database }}",
            workgroup="{{ hour.stack.workgroup }}",
            output_location="{{ hour.stack.athena_output_location }}",
            **kwargs,
        )

    def execute(self, context: Any) -> Any:
        query_id = super().execute(context)
        self.report(query_id)
        return query_id

    def execute_complete(self, context: Any, event: dict[str, Any] | None = None) -> Any:
        query_id = super().execute_complete(context, event)
        self.report(query_id)
        return query_id

    def report(self, query_id: str) -> str:
        """Log (and return) the statement's final state, rows and bytes scanned."""
        client = self.hook.get_conn()
        stats = client.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
        rows = None
        try:
            runtime = client.get_query_runtime_statistics(QueryExecutionId=query_id)["QueryRuntimeStatistics"]
            rows = runtime.get("Rows", {}).get("OutputRows")
        except client.exceptions.ClientError:  # not every statement has runtime statistics (DDL)
            pass
        line = (
            f"Athena query {query_id} {stats['Status']['State']}: {'?' if rows is None else rows} rows, "
            f"{stats.get('Statistics', {}).get('DataScannedInBytes')} bytes scanned, "
            f"{stats.get('Statistics', {}).get('EngineExecutionTimeInMillis')} ms in the engine"
        )
        self.log.info(line)
        return line


class CompactHourOperator(HourAthenaOperator):
    """compact_hour: the hour's distinct records into a location of this try's own (sql/hourly/
    compact_hour.sql, a CTAS), then the Parquet partition switched to it (vpcflow.hourly.compaction).

    A try that fails after Athena wrote files (a late failure, a killed worker) leaves them in its own
    location, which nothing references: the retry writes elsewhere, and the publishing try deletes them.
    The hour's lock keeps a second run from compacting the same hour meanwhile."""

    def render_template_fields(self, context: Any, jinja_env: Any = None) -> None:
        from vpcflow.hourly.compaction import Target

        if "hour" not in context:
            context["hour"] = HourContext.from_airflow(context)
        # The try's own id: the same after a resumed deferral, new for every try of every run.
        context["compaction"] = Target.for_try(context["hour"], str(context["ti"].id))
        super().render_template_fields(context, jinja_env)

    def execute(self, context: Any) -> Any:
        from vpcflow.hourly import compaction

        s3 = S3Hook(aws_conn_id=self.aws_conn_id).get_conn()
        compaction.acquire(s3, context["hour"], _holder(context))
        with _released_on_failure(s3, context):
            query_id = super().execute(context)
        return self._publish(context, query_id)

    def execute_complete(self, context: Any, event: dict[str, Any] | None = None) -> Any:
        s3 = S3Hook(aws_conn_id=self.aws_conn_id).get_conn()
        with _released_on_failure(s3, context):
            query_id = super().execute_complete(context, event)
        return self._publish(context, query_id)

    def _publish(self, context: Any, query_id: str) -> dict[str, Any]:
        from airflow.providers.amazon.aws.hooks.glue_catalog import GlueCatalogHook

        from vpcflow.hourly import compaction

        s3 = S3Hook(aws_conn_id=self.aws_conn_id).get_conn()
        try:
            glue = GlueCatalogHook(aws_conn_id=self.aws_conn_id).get_conn()
            published = compaction.publish(glue, s3, context["hour"], context["compaction"])
        finally:
            compaction.release(s3, context["hour"])
        return {"query_execution_id": query_id, **published}


@contextmanager
def _released_on_failure(s3: Any, context: Any) -> Iterator[None]:
    """The hour's lock goes when the statement fails; a deferral keeps it (the same try resumes)."""
    from airflow.sdk.exceptions import TaskDeferred

    from vpcflow.hourly import compaction

    try:
        yield
    except TaskDeferred:
        raise
    except BaseException:
        compaction.release(s3, context["hour"])
        raise


def _holder(context: Any) -> str:
    return f"{context['dag'].dag_id}/{context['run_id']}/{context['ti'].task_id}"


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

    def execute(self, context: Any) -> Any:
        answer = super().execute(context)
        self.report()
        return answer

    def execute_complete(self, context: Any, event: dict[str, Any] | None = None) -> Any:
        answer = super().execute_complete(context, event)
        self.report()
        return answer

    def report(self) -> None:
        """The log ends with the ingestion's final state and rows (the provider's ends on its last poll)."""
        ingestion = self.hook.conn.describe_ingestion(
            AwsAccountId=self.hook.account_id, DataSetId=self.data_set_id, IngestionId=self.ingestion_id
        )["Ingestion"]
        rows = ingestion.get("RowInfo", {})
        self.log.info(
            "SPICE ingestion %s of %s %s: %s rows ingested, %s dropped, %s in the dataset",
            self.ingestion_id,
            self.data_set_id,
            ingestion["IngestionStatus"],
            rows.get("RowsIngested"),
            rows.get("RowsDropped"),
            rows.get("TotalRowsInDataset"),
        )
