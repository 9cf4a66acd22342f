"""Result values as Athena prints them (GetQueryResults and the result CSV), and their ColumnInfo.

DuckDB's own text differs where Trino's types carry more than DuckDB's: a ROW prints as
``{a=1, b=x}`` (named) or ``{1, x}`` (anonymous: trinodb/trino#4587) where DuckDB prints a Python-like
dict; a timestamp prints as many fraction digits as its precision (``TIMESTAMP '2026-01-01
00:00:00'`` is timestamp(0), no fraction); ``x AT TIME ZONE 'Zone/Name'`` keeps its zone name
(functions/datetime.html, "AT TIME ZONE"); CHAR(n) is blank-padded to n and typed ``char``. The Trino
types come from the analysis (typecheck.py); where it has none, DuckDB's type decides, as before.
"""

from __future__ import annotations

import re
from typing import Any

from localaws.athena.sqltext import literal
from localaws.athena.types import athena_type, to_varchar_sql

_ANONYMOUS = re.compile(r"_\d+")


def _fraction(precision: int) -> str:
    return "" if precision <= 0 else ".%g" if precision == 3 else ".%f" if precision == 6 else ".%f"


def _timestamp(expr: str, precision: int, suffix: str = "") -> str:
    text = f"strftime({expr}, '%Y-%m-%d %H:%M:%S{_fraction(precision)}')"
    if precision not in (0, 3, 6):  # %f is microseconds: cut or pad to the precision
        width = 20 + precision
        text = f"rpad(substr({text}, 1, {width}), {width}, '0')"
    return f"{text} || {literal(suffix)}" if suffix else text


def _needs_rendering(dtype: Any) -> bool:
    return dtype.id in ("struct", "list", "map") or dtype.id.startswith("timestamp")


def value_sql(expr: str, dtype: Any, depth: int = 0) -> str:
    """Text of a value of DuckDB type ``dtype`` (a DuckDBPyType), nested types element by element."""
    if dtype.id == "struct":
        fields = list(dtype.children)
        anonymous = all(_ANONYMOUS.fullmatch(name) for name, _ in fields)
        parts = []
        for name, ftype in fields:
            inner = (
                f"coalesce({value_sql(f'struct_extract({expr}, {literal(name)})', ftype, depth + 1)}, 'null')"
            )
            parts.append(inner if anonymous else f"{literal(name + '=')} || {inner}")
        body = " || ', ' || ".join(parts) if parts else "''"
        return f"CASE WHEN {expr} IS NULL THEN NULL ELSE '{{' || {body} || '}}' END"
    if dtype.id == "list":
        child = dict(dtype.children)["child"]
        if not _needs_rendering(child):
            return f"CAST({expr} AS VARCHAR)"
        var = f"__x{depth}"
        each = f"coalesce({value_sql(var, child, depth + 1)}, 'null')"
        return (
            f"CASE WHEN {expr} IS NULL THEN NULL ELSE "
            f"'[' || array_to_string(list_transform({expr}, lambda {var}: {each}), ', ') || ']' END"
        )
    return to_varchar_sql(expr, str(dtype))


def column_sql(expr: str, dtype: Any, trino: str | None, zone: str | None) -> str:
    """Text of one result column: ``trino`` its Trino type when known, ``zone`` the literal zone of an
    ``AT TIME ZONE`` it is (DuckDB holds that value as the zone's wall-clock time)."""
    if zone is not None and dtype.id == "timestamp":
        return _timestamp(expr, 3, " " + zone)
    if trino:
        m = re.fullmatch(r"char\((\d+)\)", trino)
        if m:
            return f"rpad(CAST({expr} AS VARCHAR), {m.group(1)}, ' ')"
        m = re.fullmatch(r"timestamp\((\d+)\)", trino)
        if m and dtype.id == "timestamp":
            return _timestamp(expr, int(m.group(1)))
    return value_sql(expr, dtype)


def column_meta(dtype: Any, trino: str | None, zone: str | None) -> tuple[str, int, int]:
    """(Athena type name, precision, scale) for ColumnInfo."""
    if zone is not None and dtype.id == "timestamp":
        return "timestamp with time zone", 3, 0
    if trino:
        m = re.fullmatch(r"(char|varchar)\((\d+)\)", trino)
        if m:
            return m.group(1), int(m.group(2)), 0
        m = re.fullmatch(r"timestamp\((\d+)\)", trino)
        if m and dtype.id == "timestamp":
            return "timestamp", int(m.group(1)), 0
    return athena_type(str(dtype))
