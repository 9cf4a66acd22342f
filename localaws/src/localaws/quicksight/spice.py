"""The SPICE extract: a query result (Athena's CSV) typed per the dataset's columns, kept as Parquet.

SPICE converts every value to the column's declared type and skips the rows whose values do not
convert (reported as RowsDropped); so does this. NULL stays NULL.
"""

from __future__ import annotations

import csv
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

INPUT_TYPES = ("STRING", "INTEGER", "DECIMAL", "DATETIME", "BIT", "BOOLEAN", "JSON", "SEMISTRUCT")

# SPICE's output type of each input type (OutputColumn.Type knows only these four).
OUTPUT_TYPES = {
    "STRING": "STRING",
    "INTEGER": "INTEGER",
    "DECIMAL": "DECIMAL",
    "DATETIME": "DATETIME",
    "BIT": "INTEGER",
    "BOOLEAN": "INTEGER",
    "JSON": "STRING",
    "SEMISTRUCT": "STRING",
}

# Athena's result types (ColumnInfo.Type) as QuickSight input types, for CustomSql without Columns.
ATHENA_TYPES = {
    "boolean": "BIT",
    "tinyint": "INTEGER",
    "smallint": "INTEGER",
    "integer": "INTEGER",
    "int": "INTEGER",
    "bigint": "INTEGER",
    "float": "DECIMAL",
    "real": "DECIMAL",
    "double": "DECIMAL",
    "decimal": "DECIMAL",
    "date": "DATETIME",
    "timestamp": "DATETIME",
    "timestamp with time zone": "DATETIME",
}


@dataclass
class ExtractStats:
    rows_ingested: int
    rows_dropped: int
    total_rows: int
    size_bytes: int


def physical_columns(data_set: dict[str, Any]) -> list[dict[str, Any]]:
    """The declared columns of the dataset's (first) physical table."""
    for table in data_set.get("PhysicalTableMap", {}).values():
        if "RelationalTable" in table:
            return list(table["RelationalTable"].get("InputColumns", []))
        if "CustomSql" in table:
            return list(table["CustomSql"].get("Columns", []))
        for spec in table.values():
            return list(spec.get("InputColumns", []))
    return []


def output_column(column: dict[str, Any]) -> dict[str, Any]:
    entry = {"Name": column["Name"], "Type": OUTPUT_TYPES.get(column["Type"], "STRING")}
    if column["Type"] == "DECIMAL":
        entry["SubType"] = column.get("SubType", "FLOAT")
    return entry


def output_columns(data_set: dict[str, Any]) -> list[dict[str, Any]]:
    return [output_column(c) for c in physical_columns(data_set)]


def athena_column_type(athena_type: str) -> str:
    base = athena_type.lower().split("(")[0].strip()
    return ATHENA_TYPES.get(base, "STRING")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _typed(raw: str, column: dict[str, Any]) -> str:
    kind = column["Type"]
    if kind == "INTEGER":
        return f"TRY_CAST({raw} AS BIGINT)"
    if kind == "DECIMAL":
        return (
            f"TRY_CAST({raw} AS DECIMAL(18, 4))"
            if column.get("SubType") == "FIXED"
            else f"TRY_CAST({raw} AS DOUBLE)"
        )
    if kind == "DATETIME":
        # Athena writes timestamps as '2026-11-26 15:00:00.000' (with ' UTC' for timestamp with time zone).
        return f"TRY_CAST(regexp_replace({raw}, '( UTC|Z)$', '') AS TIMESTAMP)"
    if kind in ("BIT", "BOOLEAN"):
        return (
            f"CASE WHEN lower({raw}) IN ('1', 'true', 't', 'yes') THEN 1::BIGINT "
            f"WHEN lower({raw}) IN ('0', 'false', 'f', 'no') THEN 0::BIGINT END"
        )
    return raw


def _duck_type(column: dict[str, Any]) -> str:
    kind = column["Type"]
    if kind in ("INTEGER", "BIT", "BOOLEAN"):
        return "BIGINT"
    if kind == "DECIMAL":
        return "DECIMAL(18, 4)" if column.get("SubType") == "FIXED" else "DOUBLE"
    if kind == "DATETIME":
        return "TIMESTAMP"
    return "VARCHAR"


class SchemaMismatch(ValueError):
    """The query's result lacks a column the dataset declares."""


def read_header(csv_path: Path) -> list[str] | None:
    with open(csv_path, newline="", encoding="utf-8") as handle:
        return next(csv.reader(handle), None)


def output_duck_type(column: dict[str, Any]) -> str:
    """The Parquet (DuckDB) type of an OutputColumn."""
    kind = column["Type"]
    if kind == "INTEGER":
        return "BIGINT"
    if kind == "DECIMAL":
        return "DECIMAL(18, 4)" if column.get("SubType") == "FIXED" else "DOUBLE"
    if kind == "DATETIME":
        return "TIMESTAMP"
    return "VARCHAR"


def _converted(expr: str, source: dict[str, Any], cast: dict[str, Any]) -> str:
    """A CastColumnTypeOperation on an already typed value."""
    from localaws.quicksight.transforms import strptime_format

    target = cast["NewColumnType"]
    if target == "DATETIME" and cast.get("Format") and _duck_type(source) == "VARCHAR":
        return f"TRY_STRPTIME({expr}, '{strptime_format(cast['Format']).replace(chr(39), chr(39) * 2)}')"
    return f"TRY_CAST({expr} AS {output_duck_type({'Type': target, 'SubType': cast.get('SubType')})})"


def build_extract(
    csv_path: Path,
    columns: list[dict[str, Any]],
    target: Path,
    *,
    outputs: list[Any] | None = None,
    lookback: tuple[str, str] | None = None,
) -> tuple[Path, ExtractStats]:
    """Type ``csv_path`` (Athena's result CSV) per ``columns`` into a Parquet file beside ``target``.

    ``outputs`` (transforms.Output) rename, cast and pick the output columns; by default they are the
    physical ``columns``. ``lookback`` = (output column, 'YYYY-MM-DD HH:MM:SS') is an incremental refresh:
    new rows from that time on replace those of the current extract, older ones are kept.
    Returns the new file, for the caller to move over ``target`` (``commit``) once it knows the
    ingestion still stands.
    """
    from localaws.quicksight.transforms import Output

    outputs = outputs if outputs is not None else [Output(c["Name"], c["Name"], c) for c in columns]
    header = read_header(csv_path)
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        if header:
            position = {name.lower(): name for name in header}
            missing = [c["Name"] for c in columns if c["Name"].lower() not in position]
            if missing:
                raise SchemaMismatch(
                    f"the query result has no column(s) {missing}; it has {header}. Update the data set's columns."
                )
            spec = "{" + ", ".join(f"'{h.replace(chr(39), chr(39) * 2)}': 'VARCHAR'" for h in header) + "}"
            con.execute(
                f"CREATE TABLE raw AS SELECT * FROM read_csv({_literal(csv_path)}, header = true, auto_detect = false, "
                f"columns = {spec}, delim = ',', quote = '\"', escape = '\"', allow_quoted_nulls = false)"
            )
            sources = [_quote(position[c["Name"].lower()]) for c in columns]
        else:  # no result at all (not even a header): an empty extract with the declared columns
            con.execute("CREATE TABLE raw (" + ", ".join(f"c{i} VARCHAR" for i in range(len(columns))) + ")")
            sources = [f"c{i}" for i in range(len(columns))]
        # Step 1, as SPICE does: every physical value to its declared type; a row that fails is dropped.
        typed = [f"{_typed(src, c)} AS {_quote(c['Name'])}" for src, c in zip(sources, columns, strict=True)]
        bad = [
            f"({src} IS NOT NULL AND {_typed(src, c)} IS NULL)"
            for src, c in zip(sources, columns, strict=True)
        ]
        con.execute(
            f"CREATE TABLE typed AS SELECT {', '.join(typed)}, ({' OR '.join(bad) or 'false'}) AS _bad FROM raw"
        )
        # Step 2: the logical table's projection, renames and casts (a failed cast drops the row too).
        final, cast_bad = [], []
        for out in outputs:
            expr = _quote(out.source)
            if out.cast:
                converted = _converted(expr, out.column, out.cast)
                cast_bad.append(f"({expr} IS NOT NULL AND {converted} IS NULL)")
                expr = converted
            final.append(f"{expr} AS {_quote(out.name)}")
        dropped = " OR ".join(["_bad", *cast_bad])
        con.execute(f"CREATE TABLE shaped AS SELECT {', '.join(final)}, ({dropped}) AS _drop FROM typed")
        names = ", ".join(_quote(o.name) for o in outputs)
        window = f"{_quote(lookback[0])} >= TIMESTAMP '{lookback[1]}'" if lookback else "true"
        rows_ingested, rows_dropped = con.execute(
            f"SELECT count(*) FILTER (WHERE NOT _drop AND {window}), count(*) FILTER (WHERE _drop) FROM shaped"
        ).fetchall()[0]
        query = f"SELECT {names} FROM shaped WHERE NOT _drop AND {window}"
        if lookback and target.exists():
            kept = ", ".join(
                f"CAST({_quote(o.name)} AS {output_duck_type(o.output_column())}) AS {_quote(o.name)}"
                for o in outputs
            )
            older = f"{_quote(lookback[0])} < TIMESTAMP '{lookback[1]}' OR {_quote(lookback[0])} IS NULL"
            query = f"SELECT {kept} FROM read_parquet({_literal(target)}) WHERE {older} UNION ALL {query}"
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}.partial")
        con.execute(f"COPY ({query}) TO {_literal(partial)} (FORMAT parquet, COMPRESSION zstd)")
        total = con.execute(f"SELECT count(*) FROM read_parquet({_literal(partial)})").fetchall()[0][0]
    finally:
        con.close()
    return partial, ExtractStats(int(rows_ingested), int(rows_dropped), int(total), partial.stat().st_size)


def commit(partial: Path, target: Path) -> None:
    os.replace(partial, target)  # readers see the old extract or the new one, never half of one
