"""The tables vpcflow_hourly keeps beside the flows, one Parquet object per hour each: their columns, their
DDL (provisioned with the stack's other tables), and the one way rows are written to them.

Each hour's rows are one object at a fixed key, so a rerun of the hour replaces them instead of adding.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vpcflow.model import sqlfiles
from vpcflow.model.config import MALFORMED_PREFIX, MANIFEST_PREFIX, QUALITY_PREFIX, StackConfig
from vpcflow.model.partitions import validate_identifier, validate_location

_DUCKDB_TYPES = {"STRING": "VARCHAR", "BIGINT": "BIGINT", "DOUBLE": "DOUBLE", "BOOLEAN": "BOOLEAN"}


@dataclass(frozen=True)
class HourlyTable:
    name: str
    prefix: str
    columns: tuple[tuple[str, str], ...]  # (name, Hive type)

    def ddl(self, config: StackConfig) -> str:
        return sqlfiles.render(
            "create_hourly_table.sql",
            database=validate_identifier(config.database, "database"),
            table=validate_identifier(self.name, "table name"),
            location=validate_location(config.location(self.prefix), "table location"),
            columns=[{"name": name, "type": kind} for name, kind in self.columns],
        )


def hourly_tables(config: StackConfig) -> list[HourlyTable]:
    return [
        HourlyTable(
            config.quality_table,
            QUALITY_PREFIX,
            (
                ("check_name", "STRING"),
                ("value", "BIGINT"),
                ("ratio", "DOUBLE"),
                ("threshold", "DOUBLE"),
                ("passed", "BOOLEAN"),
                ("severity", "STRING"),
            ),
        ),
        HourlyTable(
            config.objects_table,
            MANIFEST_PREFIX,
            (
                ("object_key", "STRING"),
                ("etag", "STRING"),
                ("size", "BIGINT"),
                ("run_id", "STRING"),
                ("logical_date", "STRING"),
            ),
        ),
        HourlyTable(
            config.malformed_table,
            MALFORMED_PREFIX,
            (("object_key", "STRING"), ("line_number", "BIGINT"), ("line", "STRING")),
        ),
    ]


def table_named(config: StackConfig, name: str) -> HourlyTable:
    return next(t for t in hourly_tables(config) if t.name == name)


def write_hour(
    s3: Any, location: str, key_name: str, table: HourlyTable, rows: Sequence[Mapping[str, Any]]
) -> str:
    """``rows`` as one Parquet object ``<location><key_name>`` (replacing any earlier one); its URI."""
    import duckdb

    bucket, _, prefix = location.removeprefix("s3://").partition("/")
    con = duckdb.connect()
    columns = ", ".join(f"{name} {_DUCKDB_TYPES[kind]}" for name, kind in table.columns)
    con.execute(f"CREATE TABLE t ({columns})")
    if rows:
        marks = ", ".join("?" for _ in table.columns)
        con.executemany(
            f"INSERT INTO t VALUES ({marks})", [[row.get(n) for n, _ in table.columns] for row in rows]
        )
    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/rows.parquet"
        con.execute(f"COPY t TO '{path}' (FORMAT parquet, COMPRESSION zstd)")
        with open(path, "rb") as handle:
            s3.put_object(Bucket=bucket, Key=f"{prefix}{key_name}", Body=handle.read())
    return f"s3://{bucket}/{prefix}{key_name}"
