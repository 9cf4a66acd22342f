"""S3 key <-> Athena partition (Hour/Day/Month) exactly as the blog, and the one ALTER TABLE that adds them.

Firehose writes ``<table location>YYYY/MM/DD/HH/<object>``. The table is ``PARTITIONED BY (IngestDateTime
STRING)`` and each partition value keeps the blog's ``YYYY-MM-DD-HH`` shape whatever the granularity:

    Hour   2017-01-14-07  ->  <table location>2017/01/14/07/
    Day    2017-01-14-00  ->  <table location>2017/01/14/
    Month  2017-01-01-00  ->  <table location>2017/01/

Everything that reaches SQL goes through a ``validate_*`` function here: identifiers, partition values and
S3 locations. A partition location is built from the validated table location plus digits parsed from the
key, so nothing from an object key can reach the statement.

This module is stdlib only: the athena_partitioner Lambda's zip carries it as ``vpcflow/model/partitions.py``.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

DEFAULT_PARTITION_COLUMN = "IngestDateTime"

# Athena's query string limit (StartQueryExecution QueryString, bytes).
MAX_QUERY_BYTES = 262_144

# Folders Firehose writes failed records into (the value of !{firehose:error-output-type}, and its
# default error prefixes). Objects there are not flow logs of the table, even if they sit under its location.
FIREHOSE_ERROR_DIRS = frozenset(
    {
        "processing-failed",
        "format-conversion-failed",
        "dynamic-partitioning-failed",
        "elasticsearch-failed",
        "opensearch-failed",
        "splunk-failed",
        "http-endpoint-failed",
    }
)

_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,254}")
_PARTITION_VALUE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})-([0-9]{2})")
# A bucket name as S3 allows it today (no upper case, no underscores), then a key prefix of S3's "safe"
# characters only. No quote, backslash, space or control character can appear, so the location is safe
# inside a single-quoted SQL literal.
_S3_LOCATION = re.compile(r"s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/([A-Za-z0-9!_.*()=/-]*)")
# Firehose's time layout right under the table location: YYYY/MM/DD/HH/<object name>.
_FIREHOSE_KEY = re.compile(r"([0-9]{4})/([0-9]{2})/([0-9]{2})/([0-9]{2})/[^/]+")


class PartitionError(ValueError):
    """A value that cannot become part of a partition statement; the message names it and the problem."""


class PartitionType(enum.Enum):
    """The blog's PARTITION_TYPE values."""

    HOUR = "Hour"
    DAY = "Day"
    MONTH = "Month"

    @classmethod
    def parse(cls, value: str | PartitionType | None, default: PartitionType | None = None) -> PartitionType:
        """``"Hour"``/``"hour"``/``"HOUR"`` -> HOUR. None or "" gives ``default`` (the blog's default is Day)."""
        if isinstance(value, PartitionType):
            return value
        if value is None or not value.strip():
            return default or cls.DAY
        for member in cls:
            if member.value.lower() == value.strip().lower():
                return member
        raise PartitionError(f"PARTITION_TYPE {value!r} is not one of Hour, Day, Month")


@dataclass(frozen=True, order=True)
class Partition:
    """One partition: its IngestDateTime value and the S3 prefix it maps to (always ending in '/')."""

    value: str
    location: str


def validate_identifier(name: str, what: str = "identifier") -> str:
    """A database, table or column name: a letter, then letters, digits or underscores (at most 255)."""
    if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name):
        raise PartitionError(
            f"{what} {name!r} is not a valid Athena name: use a letter followed by letters, digits or "
            "underscores (at most 255 characters)"
        )
    return name


def validate_table_name(table_name: str) -> tuple[str, str]:
    """``"db.table"`` -> ``("db", "table")``; both parts validated as identifiers."""
    if not isinstance(table_name, str) or table_name.count(".") != 1:
        raise PartitionError(
            f"table name {table_name!r} must be <database>.<table>, e.g. default.vpc_flow_logs"
        )
    database, table = table_name.split(".")
    return validate_identifier(database, "database"), validate_identifier(table, "table")


def validate_partition_value(value: str) -> str:
    """``YYYY-MM-DD-HH`` naming a real hour."""
    match = _PARTITION_VALUE.fullmatch(value) if isinstance(value, str) else None
    if not match:
        raise PartitionError(f"partition value {value!r} is not YYYY-MM-DD-HH")
    try:
        datetime(*(int(part) for part in match.groups()))
    except ValueError as exc:
        raise PartitionError(f"partition value {value!r} is not a real date and hour: {exc}") from None
    return value


def validate_location(location: str, what: str = "S3 location") -> str:
    """``s3://bucket/prefix/``: a valid bucket, S3-safe characters only, ending in '/'. Returned unchanged."""
    match = _S3_LOCATION.fullmatch(location) if isinstance(location, str) else None
    if not match:
        raise PartitionError(
            f"{what} {location!r} is not s3://<bucket>/<prefix>/ with a valid bucket name and only the "
            "characters A-Z a-z 0-9 ! _ . * ( ) = / - in the prefix"
        )
    if not location.endswith("/"):
        raise PartitionError(f"{what} {location!r} must end with '/'")
    if "//" in match.group(2) or ".." in match.group(2):
        raise PartitionError(f"{what} {location!r} has an empty or '..' path segment")
    return location


def normalize_location(location: str, what: str = "table location") -> str:
    """A table location as Glue or a user gives it (maybe without the trailing '/'), validated."""
    if isinstance(location, str) and location and not location.endswith("/"):
        location += "/"
    return validate_location(location, what)


def partition_for_hour(hour: datetime, table_location: str, partition_type: PartitionType | str) -> Partition:
    """The partition that holds objects Firehose stamped with ``hour`` (e.g. a run's data_interval_start).
    Firehose stamps keys in UTC: an aware datetime is converted to UTC first; a naive one is taken as UTC."""
    if hour.tzinfo is not None:
        hour = hour.astimezone(UTC)
    kind = PartitionType.parse(partition_type)
    base = normalize_location(table_location)
    if kind is PartitionType.HOUR:
        value, suffix = f"{hour:%Y-%m-%d-%H}", f"{hour:%Y/%m/%d/%H}/"
    elif kind is PartitionType.DAY:
        value, suffix = f"{hour:%Y-%m-%d}-00", f"{hour:%Y/%m/%d}/"
    else:
        value, suffix = f"{hour:%Y-%m}-01-00", f"{hour:%Y/%m}/"
    return Partition(validate_partition_value(value), validate_location(base + suffix, "partition location"))


def relative_key(bucket: str, key: str, table_location: str) -> str | None:
    """The key relative to the table location, or None when the object lies outside it."""
    base = normalize_location(table_location)
    match = _S3_LOCATION.fullmatch(base)
    assert match is not None  # normalize_location validated it
    location_bucket, prefix = match.groups()
    if bucket != location_bucket or not key.startswith(prefix):
        return None
    return key[len(prefix) :]


def partition_for_key(
    bucket: str, key: str, table_location: str, partition_type: PartitionType | str
) -> Partition | None:
    """The partition of ``s3://bucket/key`` (the key already URL-decoded), or None when the object is not
    one of the table's Firehose objects: outside the table location, under a Firehose error-output folder,
    or not at ``YYYY/MM/DD/HH/<name>`` below the location, or with a date or hour that does not exist."""
    rest = relative_key(bucket, key, table_location)
    if rest is None or rest.split("/", 1)[0] in FIREHOSE_ERROR_DIRS:
        return None
    match = _FIREHOSE_KEY.fullmatch(rest)
    if not match:
        return None
    try:
        hour = datetime(*(int(part) for part in match.groups()))
    except ValueError:
        return None
    return partition_for_hour(hour, table_location, partition_type)


def add_partitions_sql(
    table_name: str, partitions: Iterable[Partition], column: str = DEFAULT_PARTITION_COLUMN
) -> str:
    """One ``ALTER TABLE db.table ADD IF NOT EXISTS PARTITION (...) LOCATION '...' ...`` for all partitions,
    deduplicated and sorted by value. Every part is validated; raises PartitionError if any is unsafe,
    if two locations are given for one value, or if there is no partition at all."""
    database, table = validate_table_name(table_name)
    validate_identifier(column, "partition column")
    by_value: dict[str, str] = {}
    for partition in partitions:
        value = validate_partition_value(partition.value)
        location = validate_location(partition.location, "partition location")
        if by_value.setdefault(value, location) != location:
            raise PartitionError(
                f"partition {value!r} given two locations: {by_value[value]!r} and {location!r}"
            )
    if not by_value:
        raise PartitionError("no partitions to add")
    specs = " ".join(
        f"PARTITION ({column}='{value}') LOCATION '{location}'"
        for value, location in sorted(by_value.items())
    )
    sql = f"ALTER TABLE {database}.{table} ADD IF NOT EXISTS {specs}"
    if len(sql.encode()) > MAX_QUERY_BYTES:
        raise PartitionError(
            f"{len(by_value)} partitions make a statement of {len(sql.encode())} bytes, over Athena's "
            f"{MAX_QUERY_BYTES}; add them in smaller groups"
        )
    return sql
