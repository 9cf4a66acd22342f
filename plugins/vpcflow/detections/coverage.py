"""Hours compacted but never judged, and the run that judges them.

vpcflow_detections runs on vpcflow_hourly's asset events with ``max_active_runs=1``. Airflow 3.0-3.3 leaves
an event that arrives while a run of the DAG is queued or running in the queue until another event comes
(apache/airflow#56050): in steady operation the next hour's event takes it along, an hour late, but after
a backfill or a catch-up (or with vpcflow_hourly paused) the last compacted hours can wait for good. So
vpcflow_reconcile compares the hours that have a Parquet partition with those vpc_flow_detection_runs
records and, when no detections run is queued or running, triggers one run naming the hours left over. A
judged hour judged again gives the same findings and delivers nothing twice, so the net costs nothing when
it fires needlessly.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from vpcflow.athena import Athena
from vpcflow.detections.tables import RUNS_TABLE
from vpcflow.model.config import StackConfig
from vpcflow.model.partitions import validate_identifier

ACTIVE = ["queued", "running"]


def _partitions(athena: Athena, database: str, table: str, labels: list[str]) -> set[str]:
    quoted = ", ".join(f"'{label}'" for label in labels)
    rows = athena.query(
        f'SELECT ingestdatetime FROM "{validate_identifier(database, "database")}".'
        f'"{validate_identifier(table, "table name")}$partitions" WHERE ingestdatetime IN ({quoted})'
    )
    return {row["ingestdatetime"] for row in rows}


def unjudged_hours(athena_client: Any, stack: StackConfig, labels: Iterable[str]) -> list[str]:
    """Of ``labels`` (hour labels YYYY-MM-DD-HH), those with a Parquet partition and no detections run."""
    labels = sorted(set(labels))
    if not labels:
        return []
    athena = Athena.for_stack(athena_client, stack)
    compacted = _partitions(athena, stack.database, stack.parquet_table, labels)
    judged = _partitions(athena, stack.database, RUNS_TABLE, labels)
    return sorted(compacted - judged)


def judge_trigger(unjudged: list[str], active_runs: int) -> list[dict[str, Any]]:
    """TriggerDagRunOperator arguments for vpcflow_detections: one run naming every hour left over, or none
    while a run is queued or running (it may be judging them now; the next reconciliation looks again)."""
    if not unjudged or active_runs:
        return []
    return [{"conf": {"hours": unjudged}}]
