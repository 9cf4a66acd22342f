"""Jinja macros of vpcflow_hourly's SQL templates: every name, value and location they put into SQL
comes from a validated StackConfig and from vpcflow.model.partitions, the code athena_partitioner runs too."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from vpcflow.model.config import StackConfig
from vpcflow.model.partitions import Partition, PartitionType, add_partitions_sql, partition_for_hour

QUALITY_PREFIX = "quality/"


def _stack(params: Mapping[str, Any]) -> StackConfig:
    from vpcflow.hourly.settings import HourlyConfig

    return HourlyConfig.from_params(dict(params)).stack


def raw_partition(params: Mapping[str, Any], hour: datetime) -> Partition:
    stack = _stack(params)
    return partition_for_hour(hour, stack.raw_location, stack.partition_type)


def raw_partition_sql(params: Mapping[str, Any], hour: datetime, table: str | None = None) -> str:
    """ADD PARTITION for hour H's raw partition, to the raw table or (``table``) its typed companion:
    both lie over the same objects, so they share one mapping."""
    stack = _stack(params)
    table = stack.raw_table if table is None else table
    if table not in (stack.raw_table, stack.typed_table):
        raise ValueError(
            f"table {table!r} does not lie over the raw objects: expected {stack.raw_table!r} or "
            f"{stack.typed_table!r}"
        )
    return add_partitions_sql(f"{stack.database}.{table}", [raw_partition(params, hour)])


def typed_table(params: Mapping[str, Any]) -> str:
    """The raw table's typed companion (BIGINT packets, bytes and times), which the hourly scans read."""
    return _stack(params).typed_table


def hour_location(params: Mapping[str, Any], hour: datetime) -> str:
    """Where Firehose put hour H's objects, whatever the partition granularity."""
    return partition_for_hour(hour, _stack(params).raw_location, PartitionType.HOUR).location


def parquet_partition_location(params: Mapping[str, Any], hour: datetime) -> str:
    return partition_for_hour(hour, _stack(params).parquet_location, PartitionType.HOUR).location


def quality_table(params: Mapping[str, Any]) -> str:
    return f"{_stack(params).raw_table}_quality"


def quality_location(params: Mapping[str, Any]) -> str:
    return f"s3://{_stack(params).bucket}/{QUALITY_PREFIX}"


def quality_partition_location(params: Mapping[str, Any], hour: datetime) -> str:
    return partition_for_hour(hour, quality_location(params), PartitionType.HOUR).location


MACROS = {
    "raw_partition": raw_partition,
    "raw_partition_sql": raw_partition_sql,
    "typed_table": typed_table,
    "hour_location": hour_location,
    "parquet_partition_location": parquet_partition_location,
    "quality_table": quality_table,
    "quality_location": quality_location,
}
