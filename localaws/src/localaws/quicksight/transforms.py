"""A dataset's logical table: which output columns come from which physical columns, renamed or cast.

localaws applies ProjectOperation, RenameColumnOperation and CastColumnTypeOperation (and ignores the
geographic TagColumnOperation/UntagColumnOperation). Joins, filters and calculated columns use
QuickSight's own expression language, which localaws does not evaluate: such a dataset is stored, and
its ingestions fail naming the operation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from localaws.quicksight.columns import output_column

IGNORED = ("TagColumnOperation", "UntagColumnOperation")


class UnsupportedTransform(ValueError):
    """A logical table localaws cannot compute."""


class UnknownColumn(ValueError):
    """A transform names a column the table does not have at that point."""


@dataclass
class Output:
    name: str  # the dataset's output column
    source: str  # the physical column it comes from
    column: dict[str, Any]  # that physical column (Name, Type, SubType)
    cast: dict[str, Any] | None = None  # CastColumnTypeOperation: NewColumnType, SubType, Format

    def output_column(self) -> dict[str, Any]:
        if self.cast is None:
            return {**output_column(self.column), "Name": self.name}
        entry = {"Name": self.name, "Type": self.cast["NewColumnType"]}
        if self.cast["NewColumnType"] == "DECIMAL":
            entry["SubType"] = self.cast.get("SubType", "FLOAT")
        return entry


def outputs(data_set: dict[str, Any], physical: list[dict[str, Any]], strict: bool = True) -> list[Output]:
    """The output columns of the dataset. ``strict`` raises UnsupportedTransform, else skips what it cannot do."""
    current = [Output(c["Name"], c["Name"], c) for c in physical]
    logical = data_set.get("LogicalTableMap") or {}
    if not logical:
        return current
    if len(logical) > 1:
        if strict:
            raise UnsupportedTransform(
                f"localaws computes one logical table; this data set has {len(logical)} (a join)."
            )
        return current
    table = next(iter(logical.values()))
    if "PhysicalTableId" not in (table.get("Source") or {}):
        if strict:
            raise UnsupportedTransform(
                f"logical table {table.get('Alias')!r} is not built on a physical table."
            )
        return current

    def find(name: str, operation: str) -> Output:
        for output in current:
            if output.name == name:
                return output
        raise UnknownColumn(
            f"{operation} names column {name!r}, which is not among {[o.name for o in current]}."
        )

    for operation in table.get("DataTransforms", []):
        kind, spec = next(iter(operation.items()))
        if kind == "ProjectOperation":
            current = [find(name, kind) for name in spec["ProjectedColumns"]]
        elif kind == "RenameColumnOperation":
            find(spec["ColumnName"], kind).name = spec["NewColumnName"]
        elif kind == "CastColumnTypeOperation":
            find(spec["ColumnName"], kind).cast = spec
        elif kind in IGNORED:
            continue
        elif strict:
            raise UnsupportedTransform(
                f"localaws does not evaluate {kind} (QuickSight's expression language); "
                "compute the column in the data set's SQL instead."
            )
    return current


# QuickSight's (Java) date format letters as strptime directives, longest first.
_FORMAT_TOKENS = (
    ("yyyy", "%Y"),
    ("yy", "%y"),
    ("MMMM", "%B"),
    ("MMM", "%b"),
    ("MM", "%m"),
    ("dd", "%d"),
    ("HH", "%H"),
    ("hh", "%I"),
    ("mm", "%M"),
    ("ss", "%S"),
    ("SSS", "%g"),
    ("a", "%p"),
)
_FORMAT = re.compile("|".join(re.escape(token) for token, _ in _FORMAT_TOKENS))


def strptime_format(java_format: str) -> str:
    directives = dict(_FORMAT_TOKENS)
    return _FORMAT.sub(lambda m: directives[m.group(0)], java_format.replace("%", "%%"))
