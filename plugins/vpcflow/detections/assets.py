"""The asset that starts vpcflow_detections: "an hour of this stack's Parquet table was (re)compacted".

vpcflow_hourly's compact_hour has it among its outlets; its post_execute hook (``announce_compacted_hour``)
puts the hour in the event's extra, so a run triggered by any number of events knows exactly which hours
to judge: a backfill or a reprocessed hour judges those hours and no other. One asset per stack (its name
and URI carry the stack's bucket and Parquet prefix), so two stacks in one Airflow never trigger each
other. An event made by hand (REST API, UI) must carry ``{"hour": "YYYY-MM-DD-HH"}`` too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from vpcflow.detections.hours import parse_label
from vpcflow.model.config import StackConfig

EXTRA_HOUR = "hour"


def hour_compacted(stack: StackConfig | None = None) -> Any:
    """The stack's asset (no I/O: safe at parse time)."""
    from airflow.sdk import Asset

    stack = stack or StackConfig()
    return Asset(
        name=f"vpcflow-{stack.stack_name}-parquet-hour",
        uri=stack.parquet_location.rstrip("/"),  # as Airflow normalises an S3 URI
        group="vpcflow",
        extra={"table": f"{stack.database}.{stack.parquet_table}"},
    )


def announce_compacted_hour(context: Mapping[str, Any], result: Any = None) -> Iterator[Any]:
    """compact_hour's post_execute hook: the hour (and where its files now are) in the asset event's extra."""
    from airflow.sdk import Metadata

    # The hour the operator compacted (it renders its templates with it): a manual run's may be its 'hour'
    # param or the latest complete hour rather than a data interval.
    hour = context.get("hour")
    if hour is None:
        from vpcflow.hourly.context import HourContext

        hour = HourContext.from_airflow(context)
    extra = {EXTRA_HOUR: hour.label, "run_id": context["run_id"]}
    if isinstance(result, Mapping) and result.get("location"):
        extra["location"] = result["location"]
    yield Metadata(hour_compacted(), extra=extra)


def hours_of_events(events: Iterable[Any]) -> list[str]:
    """The distinct hours named by asset events (their ``extra``), sorted; an event without one is an error
    that names it."""
    hours = set()
    for event in events:
        extra = getattr(event, "extra", None) or {}
        if EXTRA_HOUR not in extra:
            raise ValueError(
                f"asset event from {getattr(event, 'source_dag_id', None)}/{getattr(event, 'source_run_id', None)} "
                f"at {getattr(event, 'timestamp', None)} has no {EXTRA_HOUR!r} in its extra {dict(extra)}: "
                'vpcflow_detections cannot tell which hour to judge (send {"hour": "YYYY-MM-DD-HH"})'
            )
        hours.add(parse_label(str(extra[EXTRA_HOUR])))
    return sorted(hours)
