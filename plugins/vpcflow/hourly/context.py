"""The hour one run of vpcflow_hourly processes: built once per task from the run's data interval, the
stack (environment) and the run's settings; tasks, operators and the SQL templates (as ``hour``) read
every name, location and label from it.

Every value that reaches SQL comes from a validated StackConfig and from vpcflow.model.partitions, the
mapping the athena_partitioner Lambda runs too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

from vpcflow.enrichment.compaction_sql import EnrichmentSql
from vpcflow.hourly.quality import Window, count_expressions
from vpcflow.hourly.settings import RunSettings
from vpcflow.model import formats
from vpcflow.model.config import MALFORMED_PREFIX, MANIFEST_PREFIX, QUALITY_PREFIX, StackConfig
from vpcflow.model.formats import FlowLogFormat, parse_log_format
from vpcflow.model.partitions import (
    Partition,
    PartitionType,
    add_partitions_sql,
    partition_for_hour,
    validate_table_name,
)


def parse_hour(text: str) -> datetime:
    """``2026-11-26T03:00:00Z`` (any ISO 8601 time on the hour, with its zone) -> that hour, aware."""
    try:
        hour = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        raise ValueError(f"hour={text!r} is not an ISO 8601 time such as 2026-11-26T03:00:00Z") from None
    if hour.tzinfo is None:
        raise ValueError(f"hour={text!r} has no time zone: write it in UTC, e.g. 2026-11-26T03:00:00Z")
    if hour.minute or hour.second or hour.microsecond:
        raise ValueError(f"hour={text!r} does not start on the hour")
    return hour.astimezone(UTC)


def latest_complete_hour(moment: datetime) -> datetime:
    """The last hour that had ended at ``moment`` (a run's run_after: when it was triggered)."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)


def hour_label(hour: datetime) -> str:
    """``YYYY-MM-DD-HH``: the blog's partition value of an hour, in UTC."""
    return f"{hour.astimezone(UTC):%Y-%m-%d-%H}"


@dataclass(frozen=True)
class HourContext:
    stack: StackConfig
    settings: RunSettings
    start: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None:
            raise ValueError(f"hour {self.start!r} must be timezone-aware (a run's data_interval_start)")
        if self.start.astimezone(UTC).replace(minute=0, second=0, microsecond=0) != self.start:
            raise ValueError(f"hour {self.start.isoformat()} does not start on the hour")

    @classmethod
    def from_airflow(cls, context: Mapping[str, Any]) -> HourContext:
        """The hour of a running task. A scheduled or backfill run processes its data interval. A manual
        run processes its ``hour`` param, else the interval Airflow inferred from its logical date (the
        UI fills in the time of the trigger: the latest complete hour), else the latest hour complete
        before it was triggered (a run without a logical date)."""
        params = context["params"]
        settings = RunSettings.from_params(params)
        start, chosen = context.get("data_interval_start"), params.get("hour")
        run = context.get("dag_run")
        manual = getattr(getattr(run, "run_type", None), "value", getattr(run, "run_type", None)) == "manual"
        if chosen and not manual and start is not None:
            raise ValueError(
                f"hour={chosen!r} is for manual runs; this {run.run_type} run processes its data interval "
                f"[{start.isoformat()}, {context['data_interval_end'].isoformat()}): Clear the run of an hour "
                "to reprocess it"
            )
        if chosen:
            start = parse_hour(chosen)
        elif start is None:
            start = latest_complete_hour(run.run_after)
        return cls(StackConfig(), settings, start)

    # -- the hour --------------------------------------------------------------------------------------

    @property
    def end(self) -> datetime:
        return self.start + timedelta(hours=1)

    @property
    def label(self) -> str:
        return hour_label(self.start)

    @property
    def start_ts(self) -> int:
        return int(self.start.timestamp())

    @property
    def end_ts(self) -> int:
        return int(self.end.timestamp())

    @property
    def complete_at(self) -> datetime:
        """When Firehose has surely delivered the hour: its end, one buffer interval, the grace period."""
        return self.end + timedelta(seconds=self.stack.buffer_interval_s + self.settings.grace_s)

    # -- where it lies --------------------------------------------------------------------------------

    @cached_property
    def raw_partition(self) -> Partition:
        """The raw tables' partition holding the hour (the hour, its day or its month)."""
        return partition_for_hour(self.start, self.stack.raw_location, self.stack.partition_type)

    @property
    def partition_is_the_hour(self) -> bool:
        """False under Day/Month partitions: scans then narrow the partition to the hour's objects."""
        return PartitionType.parse(self.stack.partition_type) is PartitionType.HOUR

    @cached_property
    def raw_location(self) -> str:
        """Where Firehose put the hour's objects, whatever the partition granularity."""
        return partition_for_hour(self.start, self.stack.raw_location, PartitionType.HOUR).location

    @cached_property
    def parquet_location(self) -> str:
        return partition_for_hour(self.start, self.stack.parquet_location, PartitionType.HOUR).location

    def _hour_folder(self, prefix: str) -> str:
        return partition_for_hour(self.start, self.stack.location(prefix), PartitionType.HOUR).location

    @property
    def quality_location(self) -> str:
        return self._hour_folder(QUALITY_PREFIX)

    @property
    def manifest_location(self) -> str:
        return self._hour_folder(MANIFEST_PREFIX)

    @property
    def malformed_location(self) -> str:
        return self._hour_folder(MALFORMED_PREFIX)

    def table(self, name: str) -> str:
        """``database.name``, both validated: the tables the hourly statements name."""
        return ".".join(validate_table_name(f"{self.stack.database}.{name}"))

    def sql(self, task_id: str, **context: Any) -> str:
        """``sql/hourly/<task_id>.sql`` rendered for this hour, as the task's operator renders it (with the
        ``context`` it adds, e.g. compact_hour's ``compaction`` target)."""
        from vpcflow.model.sqlfiles import render_template

        return render_template(f"hourly/{task_id}.sql", hour=self, **context)

    # -- the records (the stack's flow-log format) ----------------------------------------------------

    @cached_property
    def fmt(self) -> FlowLogFormat:
        return parse_log_format(self.stack.flow_log_format)

    @property
    def columns(self) -> list[str]:
        """The typed table's columns, one per field of the format, in its order."""
        return formats.columns_of(self.fmt)

    @property
    def malformed_sql(self) -> str:
        """A row the RegexSerDe could not read: every column NULL (as Athena shows such a line)."""
        return " AND ".join(f"{column} IS NULL" for column in self.columns)

    @property
    def window(self) -> Window:
        """Where a flow's start may lie for this ingest hour, the run's tolerance on both sides."""
        tolerance = self.settings.outside_hour_tolerance_s
        return Window(self.start_ts - tolerance, self.end_ts + tolerance)

    @property
    def quality_counts(self) -> list[tuple[str, str]]:
        """(check, SQL sum) of check_quality.sql: the checks the format has the fields for."""
        return count_expressions(self.fmt, self.window)

    @property
    def parquet_select(self) -> list[str]:
        """``expression AS column`` for every column of the Parquet table, in its order, from the typed
        table's row: a field the format lacks is a typed NULL, a '-' (AWS's "does not apply") is NULL."""
        return formats.parquet_select(self.fmt)

    @property
    def parquet_column_names(self) -> list[str]:
        """The format's columns of the Parquet table (before the enriched ones), in its order."""
        return [name for name, _ in formats.parquet_columns(self.fmt)]

    @cached_property
    def enrichment(self) -> EnrichmentSql:
        """The enrichment compact_hour.sql joins (``VPCFLOW_ENRICHMENT=false``: its columns stay NULL)."""
        return EnrichmentSql(self.stack.database, self.fmt, self.label, self.stack.enrichment)

    # -- partition statements (the validated builder, never hand-written) -----------------------------

    def add_raw_partition_sql(self, table: str) -> str:
        """ADD PARTITION of the hour's raw partition, to the raw table or its typed companion: both lie over
        the same objects, so they share one mapping."""
        if table not in (self.stack.raw_table, self.stack.typed_table):
            raise ValueError(
                f"table {table!r} does not lie over the raw objects: expected {self.stack.raw_table!r} or "
                f"{self.stack.typed_table!r}"
            )
        return add_partitions_sql(self.table(table), [self.raw_partition])

    def add_partition_sql(self, table: str, location: str) -> str:
        """ADD PARTITION of this hour to one of the hour-keyed tables (quality, objects, malformed)."""
        return add_partitions_sql(self.table(table), [Partition(self.label, location)])
