"""Keeping every registered hour when provisioning changes a table.

A table's partitions live in the Glue catalogue, not in S3: dropping and recreating a table (a new flow-log
format, a new column, another SerDe pattern) would drop them, and the Parquet table's partitions point at
per-try locations nothing could rediscover. So a table that changes keeps its partitions: they are read
before the drop and registered again, with their values and locations, under the new definition.

A partition-type change (Hour, Day, Month share one value space: ``2026-11-26-00`` is hour 00 under Hour
and the whole day under Day) is migrated: the raw tables' partitions are rebuilt from the hours that S3
holds under the raw prefix, listed folder by folder.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from vpcflow.model.config import StackConfig
from vpcflow.model.partitions import Partition, PartitionType, normalize_location, partition_for_hour

log = logging.getLogger("vpcflow.provision")

_CREATE_BATCH = 100  # BatchCreatePartition takes at most 100 partitions
_DELETE_BATCH = 25  # BatchDeletePartition takes at most 25


def partitions(glue: Any, database: str, table: str) -> list[Partition]:
    """Every registered partition of a single-key table: its value and location."""
    pages = glue.get_paginator("get_partitions").paginate(DatabaseName=database, TableName=table)
    return [
        Partition(p["Values"][0], p["StorageDescriptor"]["Location"])
        for page in pages
        for p in page["Partitions"]
    ]


def register(glue: Any, database: str, table: str, wanted: list[Partition]) -> int:
    """Register ``wanted`` under the table's current definition (columns, SerDe); returns how many."""
    descriptor = glue.get_table(DatabaseName=database, Name=table)["Table"]["StorageDescriptor"]
    for start in range(0, len(wanted), _CREATE_BATCH):
        batch = [
            {"Values": [p.value], "StorageDescriptor": {**descriptor, "Location": p.location}}
            for p in wanted[start : start + _CREATE_BATCH]
        ]
        answer = glue.batch_create_partition(DatabaseName=database, TableName=table, PartitionInputList=batch)
        errors = [
            e for e in answer.get("Errors", []) if e["ErrorDetail"]["ErrorCode"] != "AlreadyExistsException"
        ]
        if errors:
            raise RuntimeError(
                f"could not register {len(errors)} partition(s) of {database}.{table}: {errors[0]}"
            )
    return len(wanted)


def unregister(glue: Any, database: str, table: str, gone: list[Partition]) -> None:
    for start in range(0, len(gone), _DELETE_BATCH):
        values = [{"Values": [p.value]} for p in gone[start : start + _DELETE_BATCH]]
        answer = glue.batch_delete_partition(
            DatabaseName=database, TableName=table, PartitionsToDelete=values
        )
        if answer.get("Errors"):
            raise RuntimeError(f"could not drop partitions of {database}.{table}: {answer['Errors'][0]}")


# ---- the partition type ------------------------------------------------------------------------------


def granularity(partition: Partition, table_location: str) -> PartitionType | None:
    """Which partition type made this raw partition: its folder depth below the table's location."""
    base = normalize_location(table_location)
    if not partition.location.startswith(base):
        return None
    depth = len(partition.location[len(base) :].strip("/").split("/"))
    return {4: PartitionType.HOUR, 3: PartitionType.DAY, 2: PartitionType.MONTH}.get(depth)


def hours_in_s3(s3: Any, location: str) -> Iterator[datetime]:
    """Every YYYY/MM/DD/HH/ folder under a raw location, listed level by level (folders, not objects)."""
    bucket, _, prefix = normalize_location(location).removeprefix("s3://").partition("/")

    def folders(under: str) -> list[str]:
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=under, Delimiter="/")
        return [p["Prefix"] for page in pages for p in page.get("CommonPrefixes", [])]

    for year in folders(prefix):
        for month in folders(year):
            for day in folders(month):
                for hour in folders(day):
                    parts = hour[len(prefix) :].strip("/").split("/")
                    if len(parts) == 4 and all(p.isdigit() for p in parts):
                        yield datetime(*(int(p) for p in parts))


def migrate_partition_type(glue: Any, s3: Any, config: StackConfig) -> int | None:
    """When the raw table's partitions were made under another partition type than the configured one,
    rebuild the raw and typed tables' partitions from S3's hours; returns how many now exist (None: no
    migration needed)."""
    wanted_type = PartitionType.parse(config.partition_type)
    try:
        current = partitions(glue, config.database, config.raw_table)
    except glue.exceptions.EntityNotFoundException:
        return None  # no raw table (yet): nothing registered to migrate
    found = {granularity(p, config.raw_location) for p in current}
    if not current or found == {wanted_type}:
        return None
    rebuilt = sorted(
        {
            partition_for_hour(h, config.raw_location, wanted_type)
            for h in hours_in_s3(s3, config.raw_location)
        }
    )
    for table in (config.raw_table, config.typed_table):
        unregister(glue, config.database, table, partitions(glue, config.database, table))
        register(glue, config.database, table, rebuilt)
    log.warning(
        "partition type changed to %s: the raw tables' %d partitions (%s) rebuilt as %d from S3",
        wanted_type.value, len(current), ", ".join(sorted(t.value for t in found if t)), len(rebuilt),
    )  # fmt: skip
    return len(rebuilt)
