"""Jinja macros of vpcflow_hourly's SQL templates: every name, value and location they put into SQL
comes from a validated StackConfig and from vpcflow.partitions, the code athena_partitioner runs too."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from vpcflow.config import StackConfig
from vpcflow.partitions import Partition, PartitionType, add_partitions_sql, partition_for_hour

QUALITY_PREFIX = "quality/"


def _stack(params: Mapping[str, Any]) -> StackConfig:
    from vpcflow.hourly.config import HourlyConfig

    return HourlyConfig.from_params(dict(params)).stack


def raw_partition(params: Mapping[str, Any], hour: datetime) -> Partition:
    stack = _stack(params)
    return partition_for_hour(hour, stack.raw_location, stack.partition_type)


def raw_partition_sql(params: Mapping[str, Any], hour: datetime) -> str:
    stack = _stack(params)
    return add_partitions_sql(f"{stack.database}.{stack.raw_table}", [raw_partition(params, hour)])


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
    "hour_location": hour_location,
    "parquet_partition_location": parquet_partition_location,
    "quality_table": quality_table,
    "quality_location": quality_location,
}
