"""Tables kept as one Parquet object per hour beside the flows (vpcflow_hourly's quality, objects and
malformed tables; the detections' findings, baselines and runs): their DDL, provisioned with the stack's
other tables, and the one way their rows are written. An hour's rows are one object at a fixed key, so a
rerun of the hour replaces them instead of adding."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vpcflow.model import sqlfiles
from vpcflow.model.config import StackConfig
from vpcflow.model.partitions import validate_identifier, validate_location

DUCKDB_TYPES = {
    "STRING": "VARCHAR",
    "BIGINT": "BIGINT",
    "INT": "INTEGER",
    "DOUBLE": "DOUBLE",
    "BOOLEAN": "BOOLEAN",
    "TIMESTAMP": "TIMESTAMP",
}


@dataclass(frozen=True)
class HourTable:
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

    def location(self, config: StackConfig, label: str) -> str:
        """The hour's folder: ``s3://bucket/<prefix>YYYY/MM/DD/HH/``."""
        year, month, day, hour = label.split("-")
        return f"{config.location(self.prefix)}{year}/{month}/{day}/{hour}/"

    def key_name(self, label: str) -> str:
        return f"{self.name}-{label}.parquet"


def write_parquet(
    s3: Any, location: str, key_name: str, table: HourTable, rows: Sequence[Mapping[str, Any]]
) -> str:
    """``rows`` as one Parquet object ``<location><key_name>`` with the table's columns and types
    (replacing any earlier one); its URI."""
    import duckdb

    bucket, _, prefix = location.removeprefix("s3://").partition("/")
    names = [name for name, _ in table.columns]
    with tempfile.TemporaryDirectory() as tmp:
        source, path = Path(tmp, "rows.json"), Path(tmp, "rows.parquet")
        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        if rows:
            # Newline-delimited JSON read with the table's types: binding rows one by one is ten times slower.
            source.write_text(
                "".join(json.dumps({n: row.get(n) for n in names}, default=str) + "\n" for row in rows)
            )
            types = ", ".join(f"'{name}': '{DUCKDB_TYPES[kind]}'" for name, kind in table.columns)
            select = (
                f"SELECT {', '.join(names)} FROM read_json('{source}', format='newline_delimited', "
                f"columns={{{types}}})"
            )
        else:
            select = "SELECT " + ", ".join(
                f"CAST(NULL AS {DUCKDB_TYPES[k]}) AS {n}" for n, k in table.columns
            )
            select += " LIMIT 0"
        con.execute(f"COPY ({select}) TO '{path}' (FORMAT parquet, COMPRESSION zstd)")
        con.close()
        s3.put_object(Bucket=bucket, Key=f"{prefix}{key_name}", Body=path.read_bytes())
    return f"s3://{bucket}/{prefix}{key_name}"
