"""One compaction of an hour at a time (an S3 conditional write is the lock), and what publishing a try
leaves: the partition pointing at the try's own location, nothing else of the hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from vpcflow.hourly import compaction
from vpcflow.hourly.context import HourContext
from vpcflow.hourly.settings import RunSettings
from vpcflow.model.config import StackConfig
from vpcflow.provision.common import Clients
from vpcflow.provision.stack import provision_catalog, provision_storage

HOUR = datetime(2026, 11, 22, 5, tzinfo=UTC)


@pytest.fixture
def hour(localaws, unique):
    config = StackConfig.isolated("compact", unique[:6])
    clients = Clients(endpoint_url=localaws.endpoint, region="us-east-1")
    provision_storage(clients, config)
    return HourContext(config, RunSettings(), HOUR), clients


def test_a_second_holder_is_refused_while_the_first_holds_the_hour(hour):
    context, clients = hour
    s3 = clients("s3")
    compaction.acquire(s3, context, "vpcflow_hourly/run-a/compact_hour")
    # WHEN another run's compaction of the same hour starts THEN it is refused, naming the holder
    with pytest.raises(
        compaction.CompactionBusy, match="being compacted by vpcflow_hourly/run-a/compact_hour"
    ):
        compaction.acquire(s3, context, "vpcflow_hourly/run-b/compact_hour")
    # AND a retry of the holder takes its own lock over (its earlier try died holding it)
    compaction.acquire(s3, context, "vpcflow_hourly/run-a/compact_hour")
    # AND once released, the other run may compact
    compaction.release(s3, context)
    compaction.acquire(s3, context, "vpcflow_hourly/run-b/compact_hour")


def test_a_holder_gone_past_the_lease_is_presumed_dead(hour, monkeypatch):
    context, clients = hour
    s3 = clients("s3")
    compaction.acquire(s3, context, "vpcflow_hourly/run-a/compact_hour")
    monkeypatch.setattr(compaction, "LEASE", timedelta(seconds=0))
    compaction.acquire(s3, context, "vpcflow_hourly/run-b/compact_hour")
    body = s3.get_object(Bucket=context.stack.bucket, Key=f"{compaction.LOCK_PREFIX}{context.label}")[
        "Body"
    ].read()
    assert b"run-b" in body


def test_publishing_points_the_partition_at_the_try_and_deletes_the_rest(hour):
    context, clients = hour
    config, s3, glue = context.stack, clients("s3"), clients("glue")
    provision_catalog(clients, config)
    earlier, failed, mine = (compaction.Target.for_try(context, f"try-{n}") for n in (1, 2, 3))

    def write(target):
        bucket, _, prefix = target.location.removeprefix("s3://").partition("/")
        s3.put_object(Bucket=bucket, Key=f"{prefix}part-0.parquet", Body=b"x")

    # GIVEN the partition points at an earlier try; then a try failed after writing (its CTAS entry left)
    write(earlier)
    compaction.publish(glue, s3, context, earlier)
    write(failed)
    glue.create_table(DatabaseName=config.database, TableInput={"Name": failed.table.split(".")[1]})
    write(mine)
    # WHEN this try publishes
    result = compaction.publish(glue, s3, context, mine)
    # THEN the partition is switched to it, the other tries' files and entries are gone
    partition = glue.get_partition(DatabaseName=config.database, TableName=config.parquet_table,
                                   PartitionValues=[context.label])["Partition"]  # fmt: skip
    assert partition["StorageDescriptor"]["Location"] == mine.location
    assert result == {"partition": "switched", "location": mine.location, "files_deleted": 2}
    bucket, _, prefix = context.parquet_location.removeprefix("s3://").partition("/")
    left = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix)["Contents"]]
    assert left == [f"{mine.location.removeprefix(f's3://{bucket}/')}part-0.parquet"]
    assert not [
        t for t in glue.get_tables(DatabaseName=config.database)["TableList"] if "_stage_" in t["Name"]
    ]
