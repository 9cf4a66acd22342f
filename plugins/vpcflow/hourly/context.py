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

from vpcflow.hourly.settings import RunSettings
from vpcflow.model.config import StackConfig
from vpcflow.model.partitions import (
    Partition,
    PartitionType,
    add_partitions_sql,
    partition_for_hour,
    validate_location,
    validate_table_name,
)

QUALITY_PREFIX = "quality/"


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
        """The hour of a running task: its data interval, its params, the stack of the environment."""
        start = context.get("data_interval_start")
        if start is None:
            raise ValueError(
                "this run has no data interval: trigger vpcflow_hourly with a logical date (the hour "
                "processed is the interval that ends there)"
            )
        return cls(StackConfig(), RunSettings.from_params(context["params"]), start)

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

    @property
    def quality_table_location(self) -> str:
        return validate_location(f"s3://{self.stack.bucket}/{QUALITY_PREFIX}", "quality table location")

    @cached_property
    def quality_location(self) -> str:
        return partition_for_hour(self.start, self.quality_table_location, PartitionType.HOUR).location

    @property
    def quality_table(self) -> str:
        return f"{self.stack.raw_table}_quality"

    def table(self, name: str) -> str:
        """``database.name``, both validated: the tables the hourly statements name."""
        return ".".join(validate_table_name(f"{self.stack.database}.{name}"))

    def sql(self, task_id: str) -> str:
        """``sql/hourly/<task_id>.sql`` rendered for this hour, as the task's operator renders it."""
        from vpcflow.model.sqlfiles import render_template

        return render_template(f"hourly/{task_id}.sql", hour=self)

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

    def add_parquet_partition_sql(self) -> str:
        return add_partitions_sql(
            self.table(self.stack.parquet_table), [Partition(self.label, self.parquet_location)]
        )

    def add_quality_partition_sql(self) -> str:
        return add_partitions_sql(
            self.table(self.quality_table), [Partition(self.label, self.quality_location)]
        )
