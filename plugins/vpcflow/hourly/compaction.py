"""Compacting hour H so that readers only ever see a whole hour, once.

Each try writes the hour's distinct records with a CTAS into a location of its own
(``parquet/YYYY/MM/DD/HH/<try>/``), which nothing references yet; only when the CTAS has finished is the
Parquet table's partition for H switched to it (one Glue call: readers see the old hour or the new one,
never half of either); then the CTAS's catalogue entry and every other file of the hour (earlier tries,
a failed try's orphans) are deleted. Two runs of one hour cannot compact at once: a lock object, created
with S3's conditional write (If-None-Match), names the holder; a retry of the holder takes it over, and a
holder gone longer than the lease (judged by S3's own clock) is presumed dead.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from botocore.exceptions import ClientError

from vpcflow.hourly.context import HourContext
from vpcflow.model.partitions import validate_identifier
from vpcflow.model.s3_batch import delete_keys

log = logging.getLogger(__name__)

LOCK_PREFIX = "locks/compact/"
LEASE = timedelta(hours=3)


class CompactionBusy(RuntimeError):
    """Another run is compacting this hour; the task's retry comes back after it."""


@dataclass(frozen=True)
class Target:
    """Where one try writes: its own folder under the hour, through a CTAS table of its own."""

    token: str
    location: str
    table: str  # database.table of the CTAS

    @classmethod
    def for_try(cls, hour: HourContext, try_id: str) -> Target:
        token = hashlib.sha256(try_id.encode()).hexdigest()[:12]
        stage = validate_identifier(f"{hour.stack.parquet_table}_stage_{hour.label.replace('-', '')}_{token}")
        return cls(token, f"{hour.parquet_location}{token}/", hour.table(stage))


# ---- the lock ----------------------------------------------------------------------------------------


def _lock_key(hour: HourContext) -> str:
    return f"{LOCK_PREFIX}{hour.label}"


def acquire(s3: Any, hour: HourContext, holder: str) -> None:
    """Take hour H's compaction lock for ``holder`` (e.g. ``dag_id/run_id/task_id``), or raise CompactionBusy."""
    body = json.dumps({"holder": holder, "hour": hour.label}).encode()
    try:
        s3.put_object(Bucket=hour.stack.bucket, Key=_lock_key(hour), Body=body, IfNoneMatch="*")
        return
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in (
            "PreconditionFailed",
            "ConditionalRequestConflict",
        ):
            raise
    current = s3.get_object(Bucket=hour.stack.bucket, Key=_lock_key(hour))
    owner = json.loads(current["Body"].read()).get("holder")
    age = parsedate_to_datetime(current["ResponseMetadata"]["HTTPHeaders"]["date"]) - current["LastModified"]
    if owner != holder and age < LEASE:
        raise CompactionBusy(
            f"hour {hour.label} is being compacted by {owner} (lock s3://{hour.stack.bucket}/{_lock_key(hour)}, "
            f"taken {age.total_seconds():.0f} s ago); this task retries"
        )
    log.warning("taking over the compaction lock of hour %s from %s (%s old)", hour.label, owner, age)
    s3.put_object(Bucket=hour.stack.bucket, Key=_lock_key(hour), Body=body)


def release(s3: Any, hour: HourContext) -> None:
    s3.delete_object(Bucket=hour.stack.bucket, Key=_lock_key(hour))


# ---- publishing a finished try -------------------------------------------------------------------------


def publish(glue: Any, s3: Any, hour: HourContext, target: Target) -> dict[str, Any]:
    """Point the Parquet table's partition for H at ``target`` (created or switched), drop the CTAS's
    catalogue entry, and delete every other file of the hour. Returns what it did."""
    database, table = hour.stack.database, hour.stack.parquet_table
    descriptor = dict(glue.get_table(DatabaseName=database, Name=table)["Table"]["StorageDescriptor"])
    descriptor["Location"] = target.location
    partition = {"Values": [hour.label], "StorageDescriptor": descriptor}
    try:
        glue.update_partition(
            DatabaseName=database, TableName=table, PartitionValueList=[hour.label], PartitionInput=partition
        )
        switched = "switched"
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "EntityNotFoundException":
            raise
        glue.create_partition(DatabaseName=database, TableName=table, PartitionInput=partition)
        switched = "created"
    stage_database, stage = target.table.split(".")
    _drop_stage_tables(glue, stage_database, stage.rsplit("_", 1)[0])
    removed = delete_objects(s3, hour.parquet_location, keep=target.location)
    log.info(
        "hour %s: partition %s to %s; %d earlier file(s) deleted",
        hour.label,
        switched,
        target.location,
        removed,
    )
    return {"partition": switched, "location": target.location, "files_deleted": removed}


def _drop_stage_tables(glue: Any, database: str, prefix: str) -> None:
    # Every try's CTAS entry of this hour (a failed try may have left its own): catalogue only, the files
    # of the published try are the partition's now.
    pages = glue.get_paginator("get_tables").paginate(DatabaseName=database, Expression=f"{prefix}_.*")
    names = [t["Name"] for page in pages for t in page["TableList"] if t["Name"].startswith(f"{prefix}_")]
    for name in names:
        glue.delete_table(DatabaseName=database, Name=name)


def delete_objects(s3: Any, location: str, keep: str | None = None) -> int:
    """Delete every object under ``location`` but those under ``keep``. DeleteObjects answers 200 even when
    some keys failed: they come back in Errors, and any of them fails the call."""
    bucket, _, prefix = location.removeprefix("s3://").partition("/")
    kept = keep.removeprefix(f"s3://{bucket}/") if keep else None
    keys = [
        {"Key": item["Key"]}
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        for item in page.get("Contents", [])
        if not (kept and item["Key"].startswith(kept))
    ]
    return delete_keys(s3, bucket, keys, location)
