"""A week of history survives a change of the stack (issue 14): a new flow-log format recreates the raw,
typed and Parquet tables with every registered partition kept; a new partition type rebuilds the raw
tables' partitions from the hours S3 holds. Every hour stays queryable with the rows it had."""

from __future__ import annotations

import dataclasses
import gzip
from datetime import UTC, datetime, timedelta

import pytest
from vpcflow.athena import Athena
from vpcflow.model.config import StackConfig
from vpcflow.model.partitions import Partition, add_partitions_sql
from vpcflow.provision.common import Clients
from vpcflow.provision.stack import provision_catalog, provision_storage

pytestmark = pytest.mark.e2e

WEEK = [datetime(2026, 11, 9, tzinfo=UTC) + timedelta(hours=n) for n in range(7 * 24)]
TCP_FLAGS = (
    "${version} ${vpc-id} ${subnet-id} ${instance-id} ${interface-id} ${account-id} ${type} ${srcaddr} "
    "${dstaddr} ${srcport} ${dstport} ${pkt-srcaddr} ${pkt-dstaddr} ${protocol} ${bytes} ${packets} ${start} "
    "${end} ${action} ${tcp-flags} ${log-status}"
)


def _lines(hour: datetime) -> list[str]:
    start = int(hour.timestamp()) + 60
    return [
        f"2 123456789012 eni-0{i:016x} 10.0.0.{i + 1} 10.0.1.9 {40000 + i} 443 6 5 {100 * (i + 1)} "
        f"{start} {start + 30} ACCEPT OK"
        for i in range(hour.hour % 5 + 1)  # 1 to 5 flows: each hour its own count
    ]


@pytest.fixture(scope="module")
def week(localaws):
    """A stack holding a week of hours in every table, as a week of hourly runs leaves it."""
    config = StackConfig.isolated("history")
    clients = Clients(endpoint_url=localaws.endpoint, region="us-east-1")
    provision_storage(clients, config)
    provision_catalog(clients, config)
    s3, athena = clients("s3"), Athena.for_stack(clients("athena"), config, max_poll_s=0.05)
    raw = []
    for hour in WEEK:
        key = f"{config.raw_prefix}{hour:%Y/%m/%d/%H}/vpcflow-delivery-1-{hour:%Y-%m-%d-%H}-10-00-a.gz"
        s3.put_object(
            Bucket=config.bucket, Key=key, Body=gzip.compress(("\n".join(_lines(hour)) + "\n").encode())
        )
        raw.append(Partition(f"{hour:%Y-%m-%d-%H}", f"{config.raw_location}{hour:%Y/%m/%d/%H}/"))
    for table in (config.raw_table, config.typed_table):
        athena.run(add_partitions_sql(f"{config.database}.{table}", raw))
    # The Parquet hours, each in a folder of its own as compaction writes them (two statements: Athena
    # writes at most 100 partitions per CTAS).
    for n, half in enumerate((raw[:84], raw[84:])):
        labels = ", ".join(f"'{p.value}'" for p in half)
        athena.run(
            f"CREATE TABLE {config.database}.history_{n} WITH (format = 'PARQUET', "
            f"external_location = '{config.parquet_location}history-{n}/', partitioned_by = ARRAY['ingestdatetime']) "
            f"AS SELECT version, account, interfaceid, sourceaddress, destinationaddress, sourceport, "
            f"destinationport, protocol, packets, bytes, starttime, endtime, action, logstatus, "
            f"date_add('second', starttime, TIMESTAMP '1970-01-01 00:00:00') AS start_time, "
            f"date_add('second', endtime, TIMESTAMP '1970-01-01 00:00:00') AS end_time, ingestdatetime "
            f"FROM {config.database}.{config.typed_table} WHERE ingestdatetime IN ({labels})"
        )
        placed = {p.value: p.location for p in _partitions(clients, config, f"history_{n}")}
        athena.run(add_partitions_sql(f"{config.database}.{config.parquet_table}",
                                      [Partition(v, loc) for v, loc in placed.items()]))  # fmt: skip
    return config, clients, athena


def _partitions(clients, config, table):
    from vpcflow.provision.history import partitions

    return partitions(clients("glue"), config.database, table)


def _rows_by_hour(athena, config) -> dict[str, int]:
    rows = athena.query(
        f"SELECT ingestdatetime, count(*) AS n FROM {config.database}.{config.parquet_table} GROUP BY ingestdatetime"
    )
    return {r["ingestdatetime"]: int(r["n"]) for r in rows}


def test_a_new_format_keeps_every_hour_of_the_week(week):
    config, clients, athena = week
    expected = {f"{h:%Y-%m-%d-%H}": len(_lines(h)) for h in WEEK}
    assert _rows_by_hour(athena, config) == expected
    before = {
        t: _partitions(clients, config, t)
        for t in (config.raw_table, config.typed_table, config.parquet_table)
    }
    # WHEN the stack moves to a version 3 format (every table's columns change)
    changed = dataclasses.replace(config, flow_log_format=TCP_FLAGS)
    results = provision_catalog(clients, changed)
    assert {results[f"table:{t}"].action for t in before} == {"updated"}
    # THEN every table keeps every partition, value and location
    for table, partitions in before.items():
        assert _partitions(clients, changed, table) == partitions, table
    # AND every hour of the week answers with the rows it had, the new columns NULL there
    assert _rows_by_hour(athena, changed) == expected
    (nulls,) = athena.query(
        f"SELECT count_if(tcp_flags IS NOT NULL) AS n FROM {config.database}.{config.parquet_table}"
    )
    assert nulls["n"] == "0"


def test_a_new_partition_type_rebuilds_the_raw_partitions_from_s3(week):
    config, clients, athena = week
    by_day = dataclasses.replace(config, partition_type="Day", flow_log_format="")
    results = provision_catalog(clients, by_day)
    assert results["partitions:raw"].id == "7 Day partitions"
    for table in (config.raw_table, config.typed_table):
        assert [p.value for p in _partitions(clients, by_day, table)] == [
            f"2026-11-{day:02d}-00" for day in range(9, 16)
        ]
    # AND the raw table reads the whole week through its day partitions; the Parquet table is untouched
    (count,) = athena.query(f"SELECT count(*) AS n FROM {config.database}.{config.raw_table}")
    assert int(count["n"]) == sum(len(_lines(h)) for h in WEEK)
    assert len(_rows_by_hour(athena, by_day)) == len(WEEK)
    # AND provisioning again changes nothing more
    assert "partitions:raw" not in provision_catalog(clients, by_day)
