"""Lambda: S3 ObjectCreated -> ``ALTER TABLE ... ADD IF NOT EXISTS PARTITION`` on Athena (the blog's
CreateAthenaPartitions). Thin adapter: configuration, clients, one log line.

The partition mapping is vpcflow.model.partitions and the Athena call vpcflow.athena, the modules the hourly DAG
uses (copied into the zip at build time). One statement adds every partition of the event; no SHOW PARTITIONS scan, since ADD IF NOT EXISTS
is idempotent (S3 may deliver an event twice).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass

import boto3
import s3_events
from vpcflow.athena import Athena
from vpcflow.model import partitions
from vpcflow_lambda import ConfigError, configure, optional, remaining_time, required, summary_line

FUNCTION = "athena_partitioner"
# Raise while the invocation can still log its line: Lambda retries the event (the statement is idempotent).
SAFETY_MARGIN_MS = 2_000


@dataclass(frozen=True)
class Settings:
    database: str
    table: str
    partition_type: partitions.PartitionType
    table_location: str | None  # None: read it from Glue
    staging_dir: str | None
    workgroup: str | None
    column: str
    region: str | None

    @property
    def table_name(self) -> str:
        return f"{self.database}.{self.table}"


def load_settings(env: Mapping[str, str] = os.environ) -> Settings:
    table_name = required(env, "TABLE_NAME", "<database>.<table>, e.g. default.vpc_flow_logs")
    try:
        database, table = partitions.validate_table_name(table_name)
        location = optional(env, "TABLE_LOCATION")
        staging = optional(env, "S3_STAGING_DIR")
        return Settings(
            database=database,
            table=table,
            partition_type=partitions.PartitionType.parse(env.get("PARTITION_TYPE")),
            table_location=partitions.normalize_location(location, "TABLE_LOCATION") if location else None,
            staging_dir=partitions.normalize_location(staging, "S3_STAGING_DIR") if staging else None,
            workgroup=optional(env, "ATHENA_WORKGROUP"),
            column=partitions.validate_identifier(
                optional(env, "PARTITION_COLUMN") or partitions.DEFAULT_PARTITION_COLUMN, "PARTITION_COLUMN"
            ),
            region=optional(env, "ATHENA_REGION"),
        )
    except partitions.PartitionError as exc:
        raise ConfigError(f"invalid configuration: {exc}") from None


@functools.cache
def client(service: str, region: str | None):
    # Created once per container and reused by warm invocations.
    return boto3.client(service, region_name=region) if region else boto3.client(service)


@functools.cache
def glue_table_location(database: str, table: str, region: str | None) -> str:
    """The table's StorageDescriptor.Location from Glue, cached for the life of the container."""
    location = client("glue", region).get_table(DatabaseName=database, Name=table)["Table"][
        "StorageDescriptor"
    ]["Location"]
    return partitions.normalize_location(location, f"Glue location of {database}.{table}")


def handler(event, context):
    settings = configure(FUNCTION, context, load_settings)
    return add_partitions(event, context, client("athena", settings.region), settings)


def add_partitions(event, context, athena, settings: Settings, table_location: str | None = None) -> dict:
    """Add the partitions of every created object in ``event``; return (and print) the one-line summary."""
    with summary_line(FUNCTION, context, table=settings.table_name) as summary:
        if s3_events.is_test_event(event):
            summary["outcome"] = "ignored_test_event"
            return summary
        objects = s3_events.created_objects(event)
        summary["objects_in"] = len(objects)
        location = table_location or settings.table_location
        if location is None and objects:
            location = glue_table_location(settings.database, settings.table, settings.region)
        found: dict[str, partitions.Partition] = {}
        ignored = []
        for obj in objects:
            partition = partitions.partition_for_key(obj.bucket, obj.key, location, settings.partition_type)
            if partition is None:
                ignored.append(f"s3://{obj.bucket}/{obj.key}")
            else:
                found[partition.value] = partition
        summary.update(ignored=ignored, partitions=sorted(found))
        if not found:
            summary["outcome"] = "nothing_to_add"
            return summary
        sql = partitions.add_partitions_sql(settings.table_name, found.values(), settings.column)
        runner = Athena(
            athena,
            database=settings.database,
            workgroup=settings.workgroup,
            output_location=settings.staging_dir,
            time_left_ms=remaining_time(context),
            safety_margin_ms=SAFETY_MARGIN_MS,
            stop_on_timeout=False,
        )
        summary["query_id"] = runner.run(sql)["QueryExecutionId"]
        summary["outcome"] = "added"
        return summary
