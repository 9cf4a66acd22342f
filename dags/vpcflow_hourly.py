"""
### vpcflow_hourly

Every hour H (the run's data interval [H, H+1) in UTC), once Firehose has surely delivered it:

1. **wait_for_hour** — deferred (no worker held) until H+1 + the Firehose buffer interval + a grace period;
   then **list_hour_objects** fails, naming the prefix, if the hour has fewer objects than `min_objects`.
2. **register_partition** — `ALTER TABLE vpc_flow_logs ADD IF NOT EXISTS PARTITION` (Hour/Day/Month);
   **register_typed_partition** — the same partition in `vpc_flow_logs_typed`, the blog table's companion
   over the same objects with BIGINT packets/bytes/times (the blog's INT reads a flow of 2^31 bytes as NULL),
   which the next steps read.
3. **check_quality** — one scan counts malformed rows, NODATA/SKIPDATA, out-of-domain values, flows far
   outside the hour and duplicates; **evaluate_quality** stores one row per check in
   `vpc_flow_logs_quality` and fails with the offending lines if a threshold is breached.
4. **compact_hour** — empties the hour's Parquet partition, then the hour's rows, typed (BIGINT bytes,
   timestamps), fill it again: on every try, so a rerun or retry replaces the hour instead of adding to it.
5. **refresh_spice** — a SPICE ingestion per run and try; a backfill refreshes once, at its last hour.
6. **summarise** — flows, bytes, rejects, top rejected sources and the verdict, in the log and XCom.

Backfill: `airflow backfill create --dag-id vpcflow_hourly --from-date ... --to-date ... --dag-run-conf
'{"backfill_to": "<to-date>"}'` (`make backfill FROM=... TO=...` does exactly that).
"""

from __future__ import annotations

from datetime import timedelta

from airflow.providers.amazon.aws.hooks.athena import AthenaHook
from airflow.providers.amazon.aws.hooks.s3 import S3Hook
from airflow.providers.amazon.aws.operators.athena import AthenaOperator
from airflow.providers.amazon.aws.operators.quicksight import QuickSightCreateIngestionOperator
from airflow.providers.standard.sensors.date_time import DateTimeSensor, DateTimeSensorAsync
from airflow.sdk import dag, get_current_context, task
from airflow.timetables.interval import CronDataIntervalTimetable
from vpcflow.hourly.macros import MACROS
from vpcflow.hourly.operators import ReplacingAthenaOperator
from vpcflow.hourly.schedule import hourly_schedule_settings
from vpcflow.hourly.settings import HourlyConfig
from vpcflow.model.sqlfiles import sql_dir

SCHEDULE = hourly_schedule_settings()
# Hour H is complete once Firehose has flushed its last buffer (buffer interval) plus a grace period.
WAIT_UNTIL = "{{ (data_interval_end + macros.timedelta(seconds=params.buffer_interval_s + params.grace_s)).isoformat() }}"
DEFAULTS = HourlyConfig()


def _config() -> HourlyConfig:
    return HourlyConfig.from_params(get_current_context()["params"])


def _athena(
    deferrable: bool = SCHEDULE.deferrable, operator: type[AthenaOperator] = AthenaOperator, **kwargs
):
    """An AthenaOperator for one templated statement of sql/hourly/, in the stack's workgroup."""
    return operator(
        database="{{ params.database }}",
        workgroup="{{ params.workgroup }}",
        output_location="s3://{{ params.bucket }}/{{ params.athena_results_prefix }}",
        sleep_time=SCHEDULE.athena_poll_s,
        deferrable=deferrable,
        **kwargs,
    )


def _athena_quick(**kwargs):
    # Catalog statements and small scans finish in a second or two: deferring frees the worker for no
    # time, and a trigger that fires that soon meets Airflow 3.3's stale-executor-event race
    # (apache/airflow#71580), which sends the resumed task to retry. The raw-hour scans still defer.
    return _athena(deferrable=False, **kwargs)


@dag(
    schedule=CronDataIntervalTimetable("0 * * * *", timezone="UTC"),
    start_date=SCHEDULE.start_date,
    catchup=SCHEDULE.catchup,
    max_active_runs=SCHEDULE.max_active_runs,
    params=DEFAULTS.to_params(),
    template_searchpath=[str(sql_dir())],
    user_defined_macros=MACROS,
    default_args={"aws_conn_id": "aws_default", "retries": 2, "retry_delay": timedelta(minutes=1)},
    tags=["vpcflow"],
    doc_md=__doc__,
)
def vpcflow_hourly():
    @task
    def validate_params() -> dict:
        return {
            "hour": get_current_context()["data_interval_start"].strftime("%Y-%m-%d-%H"),
            **_config().to_params(),
        }

    # Deferred to the triggerer: waiting out the hour holds no worker slot.
    # Without a triggerer, it gives its worker slot back between pokes (reschedule mode).
    wait_for_hour = (
        DateTimeSensorAsync(task_id="wait_for_hour", target_time=WAIT_UNTIL)
        if SCHEDULE.deferrable
        else DateTimeSensor(
            task_id="wait_for_hour", target_time=WAIT_UNTIL, mode="reschedule", poke_interval=60
        )
    )

    @task(retries=0)
    def list_hour_objects() -> dict:
        from vpcflow.hourly.tasks import list_hour_objects as list_objects

        context = get_current_context()
        return list_objects(S3Hook().get_conn(), _config(), context["data_interval_start"])

    register_partition = _athena_quick(task_id="register_partition", query="hourly/register_partition.sql")
    register_typed_partition = _athena_quick(
        task_id="register_typed_partition", query="hourly/register_typed_partition.sql"
    )
    ensure_quality_table = _athena_quick(
        task_id="ensure_quality_table", query="hourly/create_quality_table.sql"
    )
    check_quality = _athena(task_id="check_quality", query="hourly/check_quality.sql")

    @task(retries=0)
    def evaluate_quality(query_execution_id: str) -> dict:
        from vpcflow.hourly.tasks import evaluate_quality as evaluate

        context = get_current_context()
        return evaluate(
            S3Hook().get_conn(),
            AthenaHook().get_conn(),
            _config(),
            context["data_interval_start"],
            query_execution_id,
        )

    register_parquet_partition = _athena_quick(
        task_id="register_parquet_partition", query="hourly/register_parquet_partition.sql"
    )
    compact_hour = _athena(
        task_id="compact_hour", query="hourly/compact_hour.sql", operator=ReplacingAthenaOperator
    )

    @task.short_circuit(ignore_downstream_trigger_rules=False)
    def spice_refresh_due() -> bool:
        from vpcflow.hourly.tasks import spice_refresh_due as due

        context = get_current_context()
        run = context["dag_run"]
        return due(_config(), run.run_type, context["data_interval_end"], run.conf or {})

    # QuickSight queues an ingestion behind one already running on the dataset (its QUEUED state), and the
    # provider's waiter waits through it: a refresh that meets another one does not fail the run.
    refresh_spice = QuickSightCreateIngestionOperator(
        task_id="refresh_spice",
        data_set_id="{{ params.quicksight_dataset_id }}",
        # QuickSight keeps an ingestion id for good, and a second run of the hour (a new manual run, or
        # dag.test) starts again at try 1: the task instance's id, new for every try of every run, never
        # collides where the try number did.
        ingestion_id="vpcflow-{{ data_interval_start.strftime('%Y%m%dT%H') }}-{{ ti.id }}",
        waiter_delay=SCHEDULE.athena_poll_s,
        deferrable=SCHEDULE.deferrable,
    )

    # A small scan of the hour's Parquet partition.
    summarise_query = _athena_quick(
        task_id="summarise_query", query="hourly/summarise_hour.sql", trigger_rule="none_failed"
    )

    @task(trigger_rule="none_failed")
    def summarise(query_execution_id: str, verdict: dict, objects: dict) -> dict:
        from vpcflow.hourly.tasks import summarise as summary

        return summary(AthenaHook().get_conn(), query_execution_id, verdict, objects)

    # Main flow
    params_ok = validate_params()
    objects = list_hour_objects()
    verdict = evaluate_quality(check_quality.output)
    (
        params_ok
        >> wait_for_hour
        >> objects
        >> register_partition
        >> register_typed_partition
        >> ensure_quality_table
    )
    ensure_quality_table >> check_quality
    verdict >> register_parquet_partition >> compact_hour
    due = spice_refresh_due()
    compact_hour >> due >> refresh_spice
    compact_hour >> summarise_query
    refresh_spice >> summarise_query
    summarise(summarise_query.output, verdict, objects)


vpcflow_hourly()
