"""
### vpcflow_reconcile

Every hour, late data is reconciled: Firehose can deliver an object into hour H's prefix after H's run
listed it (it retries S3 delivery for up to 24 hours under the original hour). This run lists the
prefixes of the last `lookback_hours` processed hours again, compares them with the manifests their
vpcflow_hourly runs recorded (`vpc_flow_logs_objects`: key, ETag, size), and clears and reruns the
vpcflow_hourly run of every hour whose objects changed, so the Parquet table, SPICE and the quality history
converge on the raw data. Only finished runs are cleared; a run still going is left to finish and looked
at again by the next reconciliation.

1. **find_changed_hours** — the hours whose objects were added, removed or rewritten since their run.
2. **reprocess_hour** — one per changed hour: Airflow clears that hour's run, which the scheduler reruns.
3. **find_unjudged_hours** / **judge_hours** — hours of the window compacted but never judged by
   vpcflow_detections (its asset events can wait in Airflow's queue: vpcflow.detections.coverage) get one
   manual vpcflow_detections run naming them, unless a detections run is already queued or running.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.providers.amazon.aws.hooks.athena import AthenaHook
from airflow.providers.amazon.aws.hooks.s3 import S3Hook
from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.sdk import Param, dag, get_current_context, task
from airflow.timetables.interval import CronDataIntervalTimetable
from vpcflow.hourly.schedule import hourly_schedule_settings

SCHEDULE = hourly_schedule_settings()


@dag(
    # Half past: the previous hour's run (complete at H+1 + buffer + grace) has usually finished by then.
    schedule=CronDataIntervalTimetable("30 * * * *", timezone="UTC"),
    start_date=SCHEDULE.start_date,
    catchup=False,
    max_active_runs=1,
    params={
        "lookback_hours": Param(
            24,
            type="integer",
            minimum=1,
            maximum=168,
            title="Look back (hours)",
            description="How many complete hours before this run's end are compared with their manifests "
            "(Firehose retries S3 delivery for up to 24 hours).",
        )
    },
    default_args={"aws_conn_id": "aws_default", "retries": 2, "retry_delay": timedelta(minutes=1)},
    tags=["vpcflow"],
    doc_md=__doc__,
)
def vpcflow_reconcile():
    def _window(context) -> list:
        """The complete hours this run looks back over (its data interval's end, ``lookback_hours``)."""
        from vpcflow.hourly.reconcile import hours_back

        end = context["data_interval_end"]
        if end is None:
            raise ValueError("this run has no data interval: trigger vpcflow_reconcile with a logical date")
        return hours_back(end, context["params"]["lookback_hours"])

    @task
    def find_changed_hours() -> list[dict]:
        from vpcflow.hourly.reconcile import FINISHED, changed_hours
        from vpcflow.model.config import StackConfig

        context = get_current_context()
        hours = _window(context)
        changed = changed_hours(S3Hook().get_conn(), AthenaHook().get_conn(), StackConfig(), hours)
        state = context["ti"].get_dagrun_state
        return [
            c.as_trigger() for c in changed if state(dag_id="vpcflow_hourly", run_id=c.run_id) in FINISHED
        ]

    # Main flow: reset_dag_run clears the existing run (by its run id) instead of adding another.
    TriggerDagRunOperator.partial(
        task_id="reprocess_hour",
        trigger_dag_id="vpcflow_hourly",
        reset_dag_run=True,
        wait_for_completion=False,
    ).expand_kwargs(find_changed_hours())

    @task
    def find_unjudged_hours() -> list[dict]:
        from vpcflow.detections.coverage import ACTIVE, judge_trigger, unjudged_hours
        from vpcflow.hourly.context import hour_label
        from vpcflow.model.config import StackConfig

        context = get_current_context()
        labels = [hour_label(h) for h in _window(context)]
        unjudged = unjudged_hours(AthenaHook().get_conn(), StackConfig(), labels)
        active = context["ti"].get_dr_count(dag_id="vpcflow_detections", states=ACTIVE)
        return judge_trigger(unjudged, active)

    TriggerDagRunOperator.partial(
        task_id="judge_hours", trigger_dag_id="vpcflow_detections", wait_for_completion=False
    ).expand_kwargs(find_unjudged_hours())


vpcflow_reconcile()
