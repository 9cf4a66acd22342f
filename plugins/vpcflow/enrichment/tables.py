"""The dimension tables the compaction joins: their names, columns and DDL (provisioned with the stack's
other tables), and the one way their rows are written.

Each table is one Parquet object under ``enrichment/<table>/`` replaced whole by the task that owns it, so
a rerun replaces rather than adds. They are small next to the flows: an estate's interfaces and CIDRs,
AWS's ~10,000 prefixes, a geo database's ranges, IANA's names.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from vpcflow.model import sqlfiles
from vpcflow.model.config import ENRICHMENT_PREFIX, StackConfig
from vpcflow.model.partitions import validate_identifier, validate_location

_DUCKDB_TYPES = {"STRING": "VARCHAR", "INT": "INTEGER", "BIGINT": "BIGINT", "BOOLEAN": "BOOLEAN"}
DATA_KEY = "data.parquet"

# The ranges' lookup columns (vpcflow.enrichment.addresses): bucket, then the closed range as hex.
_RANGE = (("bucket", "STRING"), ("first_hex", "STRING"), ("last_hex", "STRING"))
_VALIDITY = (("valid_from", "STRING"), ("valid_to", "STRING"), ("last_seen", "STRING"))


@dataclass(frozen=True)
class DimensionTable:
    name: str
    columns: tuple[tuple[str, str], ...]  # (name, Hive type)
    doc: str

    def location(self, config: StackConfig) -> str:
        return config.location(f"{ENRICHMENT_PREFIX}{self.name}/")

    def ddl(self, config: StackConfig) -> str:
        return sqlfiles.render(
            "create_enrichment_table.sql",
            database=validate_identifier(config.database, "database"),
            table=validate_identifier(self.name, "table name"),
            location=validate_location(self.location(config), "table location"),
            columns=[{"name": name, "type": kind} for name, kind in self.columns],
        )


INTERFACES = DimensionTable(
    "enrich_interfaces",
    (
        ("interface_id", "STRING"),
        ("account", "STRING"),
        ("region", "STRING"),
        ("vpc_id", "STRING"),
        ("subnet_id", "STRING"),
        ("availability_zone", "STRING"),
        ("instance_id", "STRING"),
        ("interface_type", "STRING"),
        ("requester", "STRING"),
        ("requester_id", "STRING"),
        ("description", "STRING"),
        ("security_groups", "STRING"),
        ("private_addresses", "STRING"),
    )
    + _VALIDITY,
    "Each version of each network interface, valid for the ingest hours [valid_from, valid_to) (NULL: "
    "open-ended); last_seen is the last hour a snapshot saw it",
)
VPC_CIDRS = DimensionTable(
    "enrich_vpc_cidrs",
    (("vpc_id", "STRING"), ("account", "STRING"), ("region", "STRING"), ("cidr", "STRING"))
    + _RANGE[1:]
    + _VALIDITY,
    "The VPCs' IPv4 and IPv6 CIDR blocks, with the same validity intervals",
)
AWS_RANGES = DimensionTable(
    "enrich_aws_ranges",
    _RANGE
    + (
        ("prefix", "STRING"),
        ("prefix_length", "INT"),
        ("service", "STRING"),
        ("region", "STRING"),
        ("network_border_group", "STRING"),
        ("sync_token", "STRING"),
    ),
    "AWS's published address ranges (ip-ranges.json), one row per bucket a prefix spans",
)
GEO = DimensionTable(
    "enrich_geo",
    _RANGE + (("country_code", "STRING"), ("country_name", "STRING"), ("as_org", "STRING")),
    "Country and AS organisation of public ranges (the optional offline geo database)",
)
PROTOCOLS = DimensionTable(
    "enrich_protocols",
    (("number", "INT"), ("name", "STRING")),
    "IANA protocol numbers and their keywords",
)
SERVICES = DimensionTable(
    "enrich_services",
    (("port", "INT"), ("protocol", "INT"), ("name", "STRING")),
    "IANA service names of well-known ports, per transport protocol",
)

DIMENSION_TABLES = (INTERFACES, VPC_CIDRS, AWS_RANGES, GEO, PROTOCOLS, SERVICES)


def write_rows(
    s3: Any, config: StackConfig, table: DimensionTable, rows: Iterable[Mapping[str, Any]], **put: Any
) -> str:
    """``rows`` as the table's one Parquet object (replacing the last one; ``put``: PutObject's conditions
    and metadata, e.g. IfMatch); its URI."""
    return write_object(s3, config, table, parquet_bytes(table, rows), **put)


def write_object(s3: Any, config: StackConfig, table: DimensionTable, body: bytes, **put: Any) -> str:
    bucket, _, prefix = table.location(config).removeprefix("s3://").partition("/")
    s3.put_object(Bucket=bucket, Key=f"{prefix}{DATA_KEY}", Body=body, **put)
    return f"s3://{bucket}/{prefix}{DATA_KEY}"


def parquet_bytes(table: DimensionTable, rows: Iterable[Mapping[str, Any]]) -> bytes:
    """``rows`` as a Parquet file of the table's columns. Rows go through a CSV file into DuckDB: a geo
    database's hundreds of thousands of ranges load in a second that way, where row-by-row inserts take
    minutes."""
    import csv

    import duckdb

    names = [name for name, _ in table.columns]
    con = duckdb.connect()
    con.execute("CREATE TABLE t (" + ", ".join(f"{n} {_DUCKDB_TYPES[k]}" for n, k in table.columns) + ")")
    with tempfile.TemporaryDirectory() as tmp:
        rows_path, path = f"{tmp}/rows.csv", f"{tmp}/rows.parquet"
        count = 0
        with open(rows_path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            for row in rows:
                writer.writerow([_NULL if row.get(n) is None else row.get(n) for n in names])
                count += 1
        if count:
            types = {n: _DUCKDB_TYPES[k] for n, k in table.columns}
            con.execute(
                "INSERT INTO t SELECT * FROM read_csv(?, header = false, nullstr = ?, columns = ?, quote = '\"')",
                [rows_path, _NULL, types],
            )
        con.execute(f"COPY t TO '{path}' (FORMAT parquet, COMPRESSION zstd)")
        with open(path, "rb") as handle:
            return handle.read()


_NULL = "\\N"  # NULL in the intermediate CSV (no inventory value or range carries it)


def read_rows(s3: Any, config: StackConfig, table: DimensionTable) -> tuple[list[dict[str, Any]], str | None]:
    """The table's rows and its object's ETag; ([], None) when it has none yet."""
    import duckdb

    bucket, _, prefix = table.location(config).removeprefix("s3://").partition("/")
    try:
        answer = s3.get_object(Bucket=bucket, Key=f"{prefix}{DATA_KEY}")
    except s3.exceptions.NoSuchKey:
        return [], None
    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/rows.parquet"
        with open(path, "wb") as handle:
            handle.write(answer["Body"].read())
        result = duckdb.connect().execute(f"SELECT * FROM read_parquet('{path}')")
        names = [d[0] for d in result.description]
        rows = [dict(zip(names, values, strict=True)) for values in result.fetchall()]
    return rows, answer["ETag"]
