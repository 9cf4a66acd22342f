"""
### vpcflow_hourly

Every hour H (the run's data interval [H, H+1) in UTC), once Firehose has surely delivered it:

1. **check_run_settings** — the run's settings (the trigger form below) validated; a conf that names the
   stack's identity (bucket, prefixes, database, tables...) is refused: those come from the environment.
2. **wait_for_hour** — until H+1 + the Firehose buffer interval + the grace period; then
   **list_hour_objects** records the hour's objects (key, ETag, size: `vpc_flow_logs_objects`, which
   vpcflow_reconcile compares with S3 later) and fails, naming the prefix, below `min_objects`.
3. **register_partition** / **register_typed_partition** — the hour's partition in `vpc_flow_logs` and
   in `vpc_flow_logs_typed` (the same objects, one token per field, BIGINT counts and times), which the
   next steps read.
4. **check_quality** — one scan counts malformed rows, NODATA/SKIPDATA, out-of-domain values, flows far
   outside the hour and duplicates; **evaluate_quality** stores one row per check in
   `vpc_flow_logs_quality`, keeps malformed lines in `vpc_flow_logs_malformed`, fails with offending lines
   on a blocking breach (malformed, out of domain) and lets warnings (late flows, duplicates) through.
5. **snapshot_interfaces** — the VPCs' network interfaces and CIDR blocks (DescribeNetworkInterfaces,
   DescribeVpcs in every configured account and region) recorded for H as versions with validity
   intervals (vpcflow.enrichment.inventory); in this DAG so compaction surely sees H's snapshot.
6. **compact_hour** — the hour's distinct records, enriched in Athena with the inventory valid in H and
   the dimension tables (instance, subnet, VPC, direction, AWS service, country, protocol and service
   names, community_id: vpcflow.enrichment), into a location of the try's own, then the Parquet
   partition switched to it: readers never see half an hour or an hour twice.
7. **refresh_spice** — a SPICE ingestion per run and try; a backfill refreshes once, at its last hour.
8. **summarise** — flows (NODATA/SKIPDATA apart), bytes, rejects, top rejected sources and the verdict.

A task that fails for good, and an hour that passes with warnings, are published to the stack's alerts
topic (SNS).

Backfill: `make backfill FROM=... TO=...` (`airflow backfill create ... --dag-run-conf
'{"backfill_to": "<to-date>"}'`).
"""

from __future__ import annotations

from datetime import timedelta

from airflow.providers.amazon.aws.hooks.athena import AthenaHook
from airflow.providers.amazon.aws.hooks.s3 import S3Hook
from airflow.sdk import dag, get_current_context, task
from airflow.timetables.interval import CronDataIntervalTimetable
from vpcflow.detections.assets import announce_compacted_hour, hour_compacted
from vpcflow.hourly.context import HourContext
from vpcflow.hourly.notify import on_task_failure
from vpcflow.hourly.operators import (
    CompactHourOperator,
    HourAthenaOperator,
    HourCompleteSensor,
    HourCompleteSensorAsync,
    HourSpiceRefreshOperator,
)
from vpcflow.hourly.schedule import hourly_schedule_settings
from vpcflow.hourly.settings import RunSettings
from vpcflow.model.sqlfiles import sql_dir

SCHEDULE = hourly_schedule_settings()


def _hour() -> HourContext:
    return HourContext.from_airflow(get_current_context())


def _athena(task_id: str, deferrable: bool = SCHEDULE.deferrable, **kwargs):
    """One templated statement of sql/hourly/<task_id>.sql about the run's hour."""
    operator = kwargs.pop("operator", HourAthenaOperator)
    return operator(
        task_id=task_id,
        query=f"hourly/{task_id}.sql",
        sleep_time=SCHEDULE.athena_poll_s,
        deferrable=deferrable,
        **kwargs,
    )


def _athena_quick(task_id: str, **kwargs):
    # Catalog statements and small scans finish in a second or two: deferring frees the worker for no
    # time, and a trigger that fires that soon meets Airflow 3.3's stale-executor-event race
    # (apache/airflow#71580), which sends the resumed task to retry. The raw-hour scans still defer.
    return _athena(task_id, deferrable=False, **kwargs)


@dag(
    schedule=CronDataIntervalTimetable("0 * * * *", timezone="UTC"),
    start_date=SCHEDULE.start_date,
    catchup=SCHEDULE.catchup,
    max_active_runs=SCHEDULE.max_active_runs,
    params=RunSettings().params(),
    template_searchpath=[str(sql_dir())],
    default_args={
        "aws_conn_id": "aws_default",
        "retries": 2,
        "retry_delay": timedelta(minutes=1),
        "on_failure_callback": on_task_failure,
    },
    tags=["vpcflow"],
    doc_md=__doc__,
)
def vpcflow_hourly():
    @task(retries=0)
    def check_run_settings() -> dict:
        hour = _hour()
        return {"hour": hour.label, "bucket": hour.stack.bucket, **hour.settings.to_values()}

    # Deferred, the wait holds no worker slot; without a triggerer it gives its slot back between pokes.
    wait_for_hour = (
        HourCompleteSensorAsync(task_id="wait_for_hour")
        if SCHEDULE.deferrable
        else HourCompleteSensor(task_id="wait_for_hour", mode="reschedule", poke_interval=60)
    )

    @task
    def list_hour_objects() -> dict:
        from vpcflow.hourly.tasks import list_hour_objects

        context = get_current_context()
        return list_hour_objects(
            S3Hook().get_conn(), AthenaHook().get_conn(), _hour(), context["run_id"], context["logical_date"]
        )

    register_partition = _athena_quick("register_partition")
    register_typed_partition = _athena_quick("register_typed_partition")
    check_quality = _athena("check_quality")

    @task
    def evaluate_quality(query_execution_id: str) -> dict:
        from vpcflow.hourly.tasks import evaluate_quality

        return evaluate_quality(S3Hook().get_conn(), AthenaHook().get_conn(), _hour(), query_execution_id)

    @task
    def notify_warnings(verdict: dict) -> bool:
        from vpcflow.hourly.notify import AWS_CONN_ID, publish

        if not verdict["warnings"]:
            return False
        hour = _hour()
        publish(
            AWS_CONN_ID,
            hour.stack,
            f"vpcflow: hour {hour.label} passed with warnings",
            verdict["warning_message"],
        )
        return True

    @task
    def snapshot_interfaces() -> dict:
        from vpcflow.enrichment.tasks import client_factory, snapshot_interfaces

        hour = _hour()
        clients = client_factory("aws_default", f"{hour.stack.stack_name}-inventory")
        return snapshot_interfaces(clients, S3Hook().get_conn(), hour.stack, hour.label)

    # The hour's asset event (its hour in the extra) starts vpcflow_detections for that hour.
    compact_hour = _athena(
        "compact_hour",
        operator=CompactHourOperator,
        outlets=[hour_compacted()],
        post_execute=announce_compacted_hour,
    )

    @task.short_circuit(ignore_downstream_trigger_rules=False)
    def spice_refresh_due() -> bool:
        from airflow.providers.amazon.aws.hooks.quicksight import QuickSightHook
        from vpcflow.hourly.tasks import spice_refresh_due, within_budget

        context, hour = get_current_context(), _hour()
        run = context["dag_run"]
        if not spice_refresh_due(hour.settings, hour.stack, run, hour.end, run.conf or {}):
            return False
        hook = QuickSightHook()
        return within_budget(hook.conn, hour.stack, hook.account_id)

    # The refresh must see every earlier hour of a backfill or catch-up still in flight: it waits, giving
    # its worker slot back, until no earlier run of this DAG is queued or running.
    @task.sensor(poke_interval=60, mode="reschedule", timeout=timedelta(hours=12).total_seconds())
    def earlier_runs_settled() -> bool:
        from vpcflow.hourly.tasks import earlier_hours

        context = get_current_context()
        earlier = context["ti"].get_dr_count(
            dag_id=context["dag"].dag_id, logical_dates=earlier_hours(_hour()), states=["queued", "running"]
        )
        return earlier == 0

    # QuickSight queues an ingestion behind one already running on the dataset (its QUEUED state), and the
    # provider's waiter waits through it: a refresh that meets another one does not fail the run.
    refresh_spice = HourSpiceRefreshOperator(
        task_id="refresh_spice", waiter_delay=SCHEDULE.athena_poll_s, deferrable=SCHEDULE.deferrable
    )

    # A small scan of the hour's Parquet partition.
    summarise_hour = _athena_quick("summarise_hour", trigger_rule="none_failed_min_one_success")

    @task(trigger_rule="none_failed_min_one_success")
    def summarise(query_execution_id: str, verdict: dict, objects: dict) -> dict:
        from vpcflow.hourly.tasks import summarise

        return summarise(AthenaHook().get_conn(), query_execution_id, verdict, objects)

    # Main flow
    objects = list_hour_objects()
    verdict = evaluate_quality(check_quality.output)
    check_run_settings() >> wait_for_hour >> objects >> register_partition >> register_typed_partition
    register_typed_partition >> check_quality
    objects >> snapshot_interfaces() >> compact_hour
    verdict >> compact_hour >> spice_refresh_due() >> earlier_runs_settled() >> refresh_spice
    notify_warnings(verdict)
    [compact_hour, refresh_spice] >> summarise_hour
    summarise(summarise_hour.output, verdict, objects)


vpcflow_hourly()
