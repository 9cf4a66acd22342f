"""Type names across the three worlds: Hive/Glue DDL, DuckDB, and Athena's result metadata."""

from __future__ import annotations

import re
from functools import lru_cache

from sqlglot import exp

# Precision Athena reports in ColumnInfo for fixed-size types (what the JDBC/ODBC drivers expect).
_PRECISION = {
    "boolean": 0,
    "tinyint": 3,
    "smallint": 5,
    "integer": 10,
    "bigint": 19,
    "float": 17,
    "double": 17,
    "varchar": 2147483647,
    "date": 0,
    "timestamp": 3,
    "varbinary": 1073741824,
    "json": 0,
}


@lru_cache(maxsize=4096)
def hive_to_duckdb(hive_type: str) -> str:
    """``int`` -> ``INTEGER``, ``array<string>`` -> ``VARCHAR[]``; raises ValueError naming the type."""
    try:
        built = exp.DataType.build(hive_type, dialect="hive").sql("duckdb")
    except Exception as err:
        raise ValueError(f"unsupported column type {hive_type!r}: {err}") from err
    # DuckDB ignores lengths of character types; CHAR(n) and VARCHAR(n) are plain VARCHAR there.
    return re.sub(r"\b(?:TEXT|VARCHAR|CHAR)(?:\(\d+\))?", "VARCHAR", built)


@lru_cache(maxsize=4096)
def normalise_hive(hive_type: str) -> str:
    """The spelling Athena stores in Glue: lower case, ``integer`` as ``int``, ``varchar`` kept."""
    built = exp.DataType.build(hive_type, dialect="hive")
    return built.sql("hive").lower().replace(" ", "")


def duckdb_to_hive(duck_type: str) -> str:
    """A query result type as a Glue column type (for CTAS and views)."""
    t = duck_type.upper()
    simple = {
        "BOOLEAN": "boolean",
        "TINYINT": "tinyint",
        "SMALLINT": "smallint",
        "INTEGER": "int",
        "BIGINT": "bigint",
        "HUGEINT": "bigint",
        "UTINYINT": "smallint",
        "USMALLINT": "int",
        "UINTEGER": "bigint",
        "UBIGINT": "bigint",
        "FLOAT": "float",
        "DOUBLE": "double",
        "VARCHAR": "string",
        "DATE": "date",
        "TIMESTAMP": "timestamp",
        "BLOB": "binary",
        "TIMESTAMP WITH TIME ZONE": "timestamp",
        "UUID": "string",
        "JSON": "string",
    }
    if t in simple:
        return simple[t]
    if t.startswith("DECIMAL"):
        return t.lower()
    if t.endswith("[]"):
        return f"array<{duckdb_to_hive(t[:-2])}>"
    try:
        return exp.DataType.build(duck_type, dialect="duckdb").sql("hive").lower()
    except Exception:
        return "string"


def athena_type(duck_type: str) -> tuple[str, int, int]:
    """(Athena type name, precision, scale) for ColumnInfo, from a DuckDB result type."""
    t = duck_type.upper()
    m = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", t)
    if m:
        return "decimal", int(m.group(1)), int(m.group(2))
    if t.endswith("[]"):
        return "array", 0, 0
    if t.startswith("MAP("):
        return "map", 0, 0
    if t.startswith("STRUCT("):
        return "row", 0, 0
    name = {
        "BOOLEAN": "boolean",
        "TINYINT": "tinyint",
        "SMALLINT": "smallint",
        "INTEGER": "integer",
        "BIGINT": "bigint",
        "HUGEINT": "bigint",
        "UTINYINT": "smallint",
        "USMALLINT": "integer",
        "UINTEGER": "bigint",
        "UBIGINT": "bigint",
        "FLOAT": "float",
        "DOUBLE": "double",
        "VARCHAR": "varchar",
        "DATE": "date",
        "TIMESTAMP": "timestamp",
        "TIMESTAMP_NS": "timestamp",
        "TIMESTAMP_MS": "timestamp",
        "TIMESTAMP_S": "timestamp",
        "TIMESTAMP WITH TIME ZONE": "timestamp with time zone",
        "TIME": "time",
        "BLOB": "varbinary",
        "INTERVAL": "interval day to second",
        "UUID": "uuid",
        "JSON": "json",
        '"NULL"': "unknown",
        "NULL": "unknown",
    }.get(t, "varchar")
    return name, _PRECISION.get(name, 0), 0


def to_varchar_sql(column_sql: str, duck_type: str) -> str:
    """An SQL expression rendering a value as Athena prints it in results (NULL stays NULL)."""
    t = duck_type.upper()
    if t.startswith("TIMESTAMP WITH TIME ZONE"):
        return f"strftime({column_sql}, '%Y-%m-%d %H:%M:%S.%g UTC')"
    if t.startswith("TIMESTAMP"):
        return f"strftime({column_sql}, '%Y-%m-%d %H:%M:%S.%g')"
    if t == "BLOB":
        return f"lower(hex({column_sql}))"
    return f"CAST({column_sql} AS VARCHAR)"
