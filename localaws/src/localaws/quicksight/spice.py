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

from localaws.quicksight.columns import input_duck_type, output_duck_type
from localaws.quicksight.transforms import Output, strptime_format


@dataclass
class ExtractStats:
    rows_ingested: int
    rows_dropped: int
    total_rows: int
    size_bytes: int


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


class SchemaMismatch(ValueError):
    """The query's result lacks a column the dataset declares."""


def read_header(csv_path: Path) -> list[str] | None:
    with open(csv_path, newline="", encoding="utf-8") as handle:
        return next(csv.reader(handle), None)


def _converted(expr: str, source: dict[str, Any], cast: dict[str, Any]) -> str:
    """A CastColumnTypeOperation on an already typed value."""
    target = cast["NewColumnType"]
    if target == "DATETIME" and cast.get("Format") and input_duck_type(source) == "VARCHAR":
        return f"TRY_STRPTIME({expr}, '{strptime_format(cast['Format']).replace(chr(39), chr(39) * 2)}')"
    return f"TRY_CAST({expr} AS {output_duck_type({'Type': target, 'SubType': cast.get('SubType')})})"


def build_extract(
    csv_path: Path,
    columns: list[dict[str, Any]],
    target: Path,
    *,
    outputs: list[Output] | None = None,
    lookback: tuple[str, str] | None = None,
) -> tuple[Path, ExtractStats]:
    """Type ``csv_path`` (Athena's result CSV) per ``columns`` into a Parquet file beside ``target``.

    ``outputs`` (transforms.Output) rename, cast and pick the output columns; by default they are the
    physical ``columns``. ``lookback`` = (output column, 'YYYY-MM-DD HH:MM:SS') is an incremental refresh:
    new rows from that time on replace those of the current extract, older ones are kept.
    Returns the new file, for the caller to move over ``target`` (``commit``) once it knows the
    ingestion still stands.
    """
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
