"""vpcflow.model.partitions: the blog's key -> partition mapping, the ALTER statement, and what is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlglot
from sqlglot import exp
from vpcflow.model.partitions import (
    Partition,
    PartitionError,
    PartitionType,
    add_partitions_sql,
    normalize_location,
    partition_for_hour,
    partition_for_key,
    relative_key,
    validate_identifier,
    validate_location,
    validate_partition_value,
    validate_table_name,
)

TABLE = "s3://my-vpc-flow-logs/"
BLOG_KEY = "2017/01/14/07/xxxx.gz"


@pytest.mark.parametrize(
    ("kind", "value", "location"),
    [
        ("Hour", "2017-01-14-07", "s3://my-vpc-flow-logs/2017/01/14/07/"),
        ("Day", "2017-01-14-00", "s3://my-vpc-flow-logs/2017/01/14/"),
        ("Month", "2017-01-01-00", "s3://my-vpc-flow-logs/2017/01/"),
    ],
)
def test_the_blogs_example_key_maps_as_the_blog_says(kind, value, location):
    # GIVEN Firehose delivered s3://my-vpc-flow-logs/2017/01/14/07/xxxx.gz
    # WHEN mapped with PARTITION_TYPE=kind THEN value and location are the blog's
    assert partition_for_key("my-vpc-flow-logs", BLOG_KEY, TABLE, kind) == Partition(value, location)


def test_the_same_mapping_from_an_hour_for_the_hourly_dag():
    hour = datetime(2017, 1, 14, 7, tzinfo=UTC)
    assert partition_for_hour(hour, "s3://bkt/raw", PartitionType.HOUR) == Partition(
        "2017-01-14-07", "s3://bkt/raw/2017/01/14/07/"
    )
    assert partition_for_hour(hour, "s3://bkt/raw/", "day").value == "2017-01-14-00"


def test_an_hour_in_another_time_zone_is_taken_in_utc_as_firehose_stamps_keys():
    tokyo = datetime(2017, 1, 14, 16, tzinfo=timezone(timedelta(hours=9)))
    assert partition_for_hour(tokyo, "s3://bkt/raw/", "Hour").value == "2017-01-14-07"
    assert partition_for_hour(datetime(2017, 1, 14, 7), "s3://bkt/raw/", "Hour").value == "2017-01-14-07"


def test_keys_below_a_prefix_are_relative_to_the_table_location():
    assert partition_for_key(
        "bkt", "raw/2026/11/26/15/s-1-2026-11-26-15-00-00-x.gz", "s3://bkt/raw/", "Hour"
    ) == Partition("2026-11-26-15", "s3://bkt/raw/2026/11/26/15/")
    assert relative_key("bkt", "raw/x", "s3://bkt/raw") == "x"
    assert relative_key("other", "raw/x", "s3://bkt/raw/") is None


@pytest.mark.parametrize(
    "bucket_key",
    [
        ("bkt", "elsewhere/2017/01/14/07/x.gz"),  # outside the table location
        ("other-bucket", "raw/2017/01/14/07/x.gz"),  # another bucket
        ("bkt", "rawdata/2017/01/14/07/x.gz"),  # a sibling prefix that merely starts alike
        ("bkt", "raw/processing-failed/2017/01/14/07/x.gz"),  # Firehose error output
        ("bkt", "raw/format-conversion-failed/2017/01/14/07/x"),
        ("bkt", "raw/2017/01/14/x.gz"),  # too shallow
        ("bkt", "raw/2017/01/14/07/extra/x.gz"),  # too deep
        ("bkt", "raw/2017/01/14/07/"),  # a folder marker
        ("bkt", "raw/2017/02/30/07/x.gz"),  # no such day
        ("bkt", "raw/2017/01/14/24/x.gz"),  # no such hour
        ("bkt", "raw/2017/1/14/07/x.gz"),  # not zero-padded
        ("bkt", "raw/２０１７/01/14/07/x.gz"),  # non-ASCII digits
        ("bkt", "raw/_SUCCESS"),
    ],
)
def test_odd_keys_are_not_partitions(bucket_key):
    assert partition_for_key(*bucket_key, "s3://bkt/raw/", "Hour") is None


def test_partition_type_parsing():
    assert PartitionType.parse(None) is PartitionType.DAY  # the blog's default
    assert PartitionType.parse("") is PartitionType.DAY
    assert PartitionType.parse(" hour ") is PartitionType.HOUR
    assert PartitionType.parse("MONTH") is PartitionType.MONTH
    assert PartitionType.parse(None, default=PartitionType.HOUR) is PartitionType.HOUR
    with pytest.raises(PartitionError, match=r"PARTITION_TYPE 'Minute' is not one of Hour, Day, Month"):
        PartitionType.parse("Minute")


def test_one_statement_adds_every_partition_once_sorted():
    # GIVEN three partitions, one of them twice
    parts = [
        Partition("2017-01-14-08", "s3://my-vpc-flow-logs/2017/01/14/08/"),
        Partition("2017-01-14-07", "s3://my-vpc-flow-logs/2017/01/14/07/"),
        Partition("2017-01-14-08", "s3://my-vpc-flow-logs/2017/01/14/08/"),
    ]
    # WHEN the statement is built THEN it is the blog's ALTER, idempotent, with each partition once
    assert add_partitions_sql("default.vpc_flow_logs", parts) == (
        "ALTER TABLE default.vpc_flow_logs ADD IF NOT EXISTS "
        "PARTITION (IngestDateTime='2017-01-14-07') LOCATION 's3://my-vpc-flow-logs/2017/01/14/07/' "
        "PARTITION (IngestDateTime='2017-01-14-08') LOCATION 's3://my-vpc-flow-logs/2017/01/14/08/'"
    )


def test_the_statement_parses_as_one_alter_in_athenas_dialect():
    sql = add_partitions_sql(
        "default.vpc_flow_logs", [Partition("2017-01-14-07", "s3://bkt/raw/2017/01/14/07/")]
    )
    (statement,) = sqlglot.parse(sql, read="athena")
    assert isinstance(statement, exp.Alter)
    (action,) = statement.args["actions"]
    assert {e.this.name: e.expression.name for e in action.this.expressions} == {
        "IngestDateTime": "2017-01-14-07"
    }
    assert action.args["location"].this.name == "s3://bkt/raw/2017/01/14/07/"


def test_two_locations_for_one_value_is_an_error():
    with pytest.raises(PartitionError, match=r"partition '2017-01-14-07' given two locations"):
        add_partitions_sql(
            "db.t", [Partition("2017-01-14-07", "s3://bkt/x/"), Partition("2017-01-14-07", "s3://bkt/y/")]
        )


def test_no_partitions_is_an_error():
    with pytest.raises(PartitionError, match="no partitions to add"):
        add_partitions_sql("db.t", [])


@pytest.mark.parametrize(
    "table_name",
    [
        "vpc_flow_logs",  # no database
        "a.b.c",
        "default.vpc_flow_logs; DROP TABLE x",
        "default.`vpc`",
        "default.vpc flow",
        "default.1table",
        "default.",
        "",
    ],
)
def test_unsafe_table_names_are_rejected(table_name):
    with pytest.raises(PartitionError, match=r"(must be <database>\.<table>|is not a valid Athena name)"):
        validate_table_name(table_name)


@pytest.mark.parametrize(
    "location",
    [
        "s3://bkt/raw/it's/",  # a quote would end the SQL literal
        "s3://bucket/raw/x' ; DROP TABLE t; --/",
        "s3://bucket/raw\\/",
        "s3://bucket/raw dir/",
        "s3://bucket/raw",  # no trailing slash
        "s3://Bucket/raw/",  # not a valid bucket name
        "s3://bucket/a//b/",
        "s3://bucket/../b/",
        "https://bucket/raw/",
        "s3://bucket/raw/\n/",
    ],
)
def test_unsafe_locations_are_rejected(location):
    with pytest.raises(PartitionError, match="S3 location"):
        validate_location(location)


@pytest.mark.parametrize(
    "value",
    [
        "2017-01-14",
        "2017-01-14-07') LOCATION 's3://x/'",
        "2017-13-01-00",
        "2017-01-14-7",
        "２０１７-01-14-07",
    ],
)
def test_unsafe_or_impossible_partition_values_are_rejected(value):
    with pytest.raises(PartitionError, match="partition value"):
        validate_partition_value(value)


def test_injection_through_any_part_of_the_statement_is_refused():
    good = Partition("2017-01-14-07", "s3://bkt/raw/2017/01/14/07/")
    with pytest.raises(PartitionError):
        add_partitions_sql("db.t", [Partition("2017-01-14-07'--", good.location)])
    with pytest.raises(PartitionError):
        add_partitions_sql("db.t", [Partition(good.value, "s3://bkt/raw/'; DROP TABLE t; --/")])
    with pytest.raises(PartitionError):
        add_partitions_sql("db.t", [good], column="IngestDateTime) --")


def test_a_key_carrying_sql_still_yields_only_digits():
    # GIVEN an object whose name is an injection attempt, in a valid hour folder
    partition = partition_for_key(
        "bkt", "raw/2017/01/14/07/x') LOCATION 'evil'; DROP TABLE t; --", "s3://bkt/raw/", "Hour"
    )
    # THEN only the folder's digits reach the partition, and the statement holds nothing of the name
    assert partition == Partition("2017-01-14-07", "s3://bkt/raw/2017/01/14/07/")
    assert "evil" not in add_partitions_sql("db.t", [partition])


def test_identifiers_and_locations_that_are_fine():
    assert validate_table_name("default.vpc_flow_logs") == ("default", "vpc_flow_logs")
    assert validate_identifier("IngestDateTime") == "IngestDateTime"
    assert (
        normalize_location("s3://my-bucket.example/flow_logs/dt=raw")
        == "s3://my-bucket.example/flow_logs/dt=raw/"
    )
    assert validate_location("s3://bucket/") == "s3://bucket/"
