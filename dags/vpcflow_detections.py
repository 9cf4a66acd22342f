"""
### vpcflow_detections

Runs when vpcflow_hourly has compacted hours into the Parquet table (the asset
`vpcflow-<stack>-parquet-hour`, whose events name their hour): a backfill or a reprocessed hour is judged
again, exactly those hours. Reads only those hours' Parquet partitions and the small baselines and findings
tables, never the raw text.

1. **hours_to_judge** — the hours the triggering asset events name (a manual run: its `hours` parameter).
2. **detect** — per hour: its profile into `vpc_flow_baselines`; every detector of `sql/detections/`
   (port scans, SSH/RDP brute force, exfiltration against the source's baseline, first-seen external peers
   on sensitive ports, mining/C2 ports, REJECT surges, capture-health gaps); the hits assembled into
   findings (an incident spanning hours is one finding) in `vpc_flow_findings`, replaced on rerun; bytes
   scanned per hour in `vpc_flow_detection_runs`.
3. **deliver** — each new or escalated finding to AWS Security Hub (AWS Security Finding Format) and to the
   stack's alerts topic (SNS), once: a rerun sends nothing twice.

Allowlists, thresholds and delivery are the deployment's `VPCFLOW_DETECT_*` / `VPCFLOW_SECURITY_HUB`
environment, not run parameters. `vpcflow findings` lists the findings.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.providers.amazon.aws.hooks.athena import AthenaHook
from airflow.providers.amazon.aws.hooks.s3 import S3Hook
from airflow.sdk import Param, dag, get_current_context, task
from vpcflow.detections.assets import hour_compacted
from vpcflow.detections.tasks import on_task_failure

AWS_CONN_ID = "aws_default"


@dag(
    schedule=[hour_compacted()],
    catchup=False,
    # It runs only on vpcflow_hourly's events, so it waits on nothing once unpaused: active from the start,
    # findings follow every hour vpcflow_hourly compacts.
    is_paused_upon_creation=False,
    # One run at a time: a run judges its hours against the findings and baselines the runs before left.
    max_active_runs=1,
    params={
        "hours": Param(
            [],
            type="array",
            items={"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{2}$"},
            title="Hours to judge again",
            description="Manual runs: the hours (YYYY-MM-DD-HH, UTC) to judge; runs the asset triggers judge "
            "the hours its events name.",
        )
    },
    default_args={
        "aws_conn_id": AWS_CONN_ID,
        "retries": 2,
        "retry_delay": timedelta(minutes=1),
        "on_failure_callback": on_task_failure,
    },
    tags=["vpcflow"],
    doc_md=__doc__,
)
def vpcflow_detections():
    @task(retries=0)
    def hours_to_judge() -> list[str]:
        from vpcflow.detections.assets import hour_compacted
        from vpcflow.detections.tasks import hours_to_judge

        context = get_current_context()
        events = context["triggering_asset_events"]
        return hours_to_judge(events[hour_compacted()] if events else [], context["params"])

    @task
    def detect(hours: list[str]) -> dict:
        from vpcflow.detections.tasks import detect

        run_id = get_current_context()["run_id"]
        return detect(AthenaHook().get_conn(), S3Hook().get_conn(), hours, run_id)

    @task
    def deliver(report: dict) -> dict:
        from vpcflow.detections.tasks import deliver, delivery_targets

        targets = delivery_targets(AWS_CONN_ID)
        return deliver(AthenaHook().get_conn(), S3Hook().get_conn(), report=report, **targets)

    # Main flow
    deliver(detect(hours_to_judge()))


vpcflow_detections()
