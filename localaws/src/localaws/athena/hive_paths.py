"""Local copies of a table's objects laid out as ``key=value/`` folders, so one DuckDB scan reads every
partition and takes the partition columns from the paths (``hive_partitioning``).

One scan per partition cost ~2-5 ms each in planning and start-up: a week of hourly partitions
(168) spent more time there than reading rows. Values that a path cannot carry unchanged (``/``, ``=``,
``%``, spaces, Hive's NULL partition) keep the one-scan-per-partition layout, as does a query naming
``"$path"`` (each object is then its own scan anyway).
"""

from __future__ import annotations

import re

from localaws.athena.catalog import Table
from localaws.athena.sqltext import ident
from localaws.athena.types import hive_to_duckdb

_SAFE_VALUE = re.compile(r"[A-Za-z0-9_.:\-]+")
_SAFE_KEY = re.compile(r"[a-z_][a-z0-9_]*")
HIVE_DEFAULT_PARTITION = "__HIVE_DEFAULT_PARTITION__"


def usable(table: Table, partitions: list[list[str]], with_path: bool) -> bool:
    """Whether one scan over ``key=value`` folders can stand for these partitions."""
    if with_path or len(partitions) < 2 or not table.partition_keys:
        return False
    if not all(_SAFE_KEY.fullmatch(k.name.lower()) for k in table.partition_keys):
        return False
    data = {c.name.lower() for c in table.columns}
    if any(k.name.lower() in data for k in table.partition_keys):
        return False
    return all(
        v != HIVE_DEFAULT_PARTITION and _SAFE_VALUE.fullmatch(v) is not None for vs in partitions for v in vs
    )


def folder(table: Table, values: list[str]) -> str:
    return "/".join(f"{k.name.lower()}={v}" for k, v in zip(table.partition_keys, values, strict=True))


def reader_option(table: Table, on: bool) -> str:
    """The read_csv/read_parquet arguments; partitioning stays off unless asked (DuckDB would otherwise
    guess it from any path that looks like key=value)."""
    if not on:
        return ", hive_partitioning=false"
    types = ", ".join(f"'{k.name.lower()}': 'VARCHAR'" for k in table.partition_keys)
    return f", hive_partitioning=true, hive_types={{{types}}}"


def columns(table: Table) -> list[str]:
    """The partition columns in the table's types; a value that does not convert is NULL, as before."""
    return [
        f"TRY_CAST({ident(k.name.lower())} AS {hive_to_duckdb(k.type)}) AS {ident(k.name)}"
        for k in table.partition_keys
    ]
