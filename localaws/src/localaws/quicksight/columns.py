"""A dataset's column types: QuickSight's input and output types, Athena's, and how SPICE stores each.

Shared by the extract builder (spice.py) and the logical table (transforms.py), which both type columns.
"""

from __future__ import annotations

from typing import Any

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


def input_duck_type(column: dict[str, Any]) -> str:
    """The DuckDB type a value of an input column (InputColumn.Type) is converted to."""
    kind = column["Type"]
    if kind in ("INTEGER", "BIT", "BOOLEAN"):
        return "BIGINT"
    if kind == "DECIMAL":
        return "DECIMAL(18, 4)" if column.get("SubType") == "FIXED" else "DOUBLE"
    if kind == "DATETIME":
        return "TIMESTAMP"
    return "VARCHAR"


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
