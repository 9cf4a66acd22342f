"""Late objects: which processed hours no longer match what S3 holds.

Firehose names an object by the arrival time of the oldest record in its buffer and, when S3 delivery
fails, keeps retrying until its 24-hour retention for DirectPut streams ends
(docs.aws.amazon.com/firehose/latest/dev/troubleshooting.html), so an object can land in hour H after H's
run listed it.
Each run records the objects it read (vpc_flow_logs_objects); reconciliation lists the same prefixes again
and names every hour whose set changed, with the run that processed it, so that Airflow clears and reruns
exactly that run (vpcflow_reconcile), never a side channel.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from vpcflow.athena import Athena
from vpcflow.hourly.context import HourContext, hour_label
from vpcflow.hourly.settings import RunSettings
from vpcflow.hourly.tasks import hour_objects
from vpcflow.model.config import StackConfig

log = logging.getLogger(__name__)

FINISHED = ("success", "failed")


@dataclass(frozen=True)
class ChangedHour:
    hour: str
    run_id: str
    logical_date: str | None
    added: int
    removed: int
    changed: int

    def as_trigger(self) -> dict[str, Any]:
        """The TriggerDagRunOperator arguments that clear and rerun the hour's run."""
        return {"trigger_run_id": self.run_id, "logical_date": self.logical_date}


def hours_back(end: datetime, lookback_hours: int) -> list[datetime]:
    """The ``lookback_hours`` complete hours before ``end`` (a reconcile run's data interval end)."""
    last = end.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    return [last - timedelta(hours=n) for n in range(lookback_hours - 1, -1, -1)]


def recorded(
    athena_client: Any, stack: StackConfig, hours: list[datetime]
) -> dict[str, list[dict[str, Any]]]:
    """Each hour's manifest (as its last run recorded it), by hour label; hours never processed are absent."""
    if not hours:
        return {}
    labels = ", ".join(f"'{hour_label(h)}'" for h in hours)
    rows = Athena.for_stack(athena_client, stack).query(
        f"SELECT ingestdatetime, object_key, etag, size, run_id, logical_date "
        f"FROM {stack.database}.{stack.objects_table} WHERE ingestdatetime IN ({labels})"
    )
    by_hour: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_hour[row["ingestdatetime"]].append(row)
    return by_hour


def changed_hours(
    s3_client: Any, athena_client: Any, stack: StackConfig, hours: list[datetime]
) -> list[ChangedHour]:
    """The processed hours among ``hours`` whose objects in S3 differ from their manifest (added, removed,
    or rewritten: another ETag or size)."""
    manifests = recorded(athena_client, stack, hours)
    found = []
    for hour in hours:
        label = hour_label(hour)
        manifest = manifests.get(label)
        if not manifest:
            continue
        then = {row["object_key"]: (row["etag"], int(row["size"])) for row in manifest}
        now = {
            o["object_key"]: (o["etag"], int(o["size"]))
            for o in hour_objects(s3_client, HourContext(stack, RunSettings(), hour))
        }
        added, removed = now.keys() - then.keys(), then.keys() - now.keys()
        rewritten = {k for k in now.keys() & then.keys() if now[k] != then[k]}
        if added or removed or rewritten:
            first = manifest[0]
            found.append(
                ChangedHour(
                    label, first["run_id"], first["logical_date"], len(added), len(removed), len(rewritten)
                )
            )
            log.info(
                "hour %s changed since run %s: %d object(s) added, %d removed, %d rewritten",
                label, first["run_id"], len(added), len(removed), len(rewritten),
            )  # fmt: skip
    return found
