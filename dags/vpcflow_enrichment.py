"""
### vpcflow_enrichment

Once a day, the enrichment's slowly changing tables are loaded for vpcflow_hourly's compaction to join.

1. **load_aws_ranges** — the document at `VPCFLOW_IP_RANGES_URL` (AWS's
   https://ip-ranges.amazonaws.com/ip-ranges.json by default; an `s3://` copy where the workers have no
   internet access) checked against AWS's syntax and written as the table's one object, replacing the
   last: a rerun loads the latest document again. AWS publishes changes several times a week.
2. **load_names_and_geo** — IANA's protocol and service names (the image's netbase files) and, when the
   optional `geo` extra is installed and `VPCFLOW_GEO` is on, the country and AS ranges: each rewritten
   only when its source changed (a fingerprint in the object's metadata).

The interface inventory is snapshotted by vpcflow_hourly itself: its hour's compaction needs it. Trigger
this DAG once after vpcflow_provision (or unpause it): until then the enriched columns stay NULL.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.providers.amazon.aws.hooks.s3 import S3Hook
from airflow.sdk import dag, task
from airflow.timetables.interval import CronDataIntervalTimetable
from vpcflow.hourly.schedule import hourly_schedule_settings

SCHEDULE = hourly_schedule_settings()


@dag(
    schedule=CronDataIntervalTimetable("15 4 * * *", timezone="UTC"),
    start_date=SCHEDULE.start_date,
    catchup=False,
    max_active_runs=1,
    default_args={"aws_conn_id": "aws_default", "retries": 2, "retry_delay": timedelta(minutes=5)},
    tags=["vpcflow"],
    doc_md=__doc__,
)
def vpcflow_enrichment():
    @task
    def load_aws_ranges() -> dict:
        from vpcflow.enrichment.tasks import load_aws_ranges
        from vpcflow.model.config import StackConfig

        return load_aws_ranges(S3Hook().get_conn(), StackConfig())

    @task
    def load_names_and_geo() -> dict:
        from vpcflow.enrichment.tasks import load_static_tables
        from vpcflow.model.config import StackConfig

        return load_static_tables(S3Hook().get_conn(), StackConfig())

    # Main flow
    load_aws_ranges()
    load_names_and_geo()


vpcflow_enrichment()
