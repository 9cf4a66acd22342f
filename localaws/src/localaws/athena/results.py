"""Query results: column metadata as Athena reports it, and the files Athena writes to OutputLocation."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from localaws.athena.types import athena_type

MAX_PAGE = 1000


@dataclass
class ResultSet:
    names: list[str]
    types: list[str]  # Athena type names (varchar, bigint, ...)
    rows: list[tuple[str | None, ...]]
    header: bool = True  # SELECT results repeat column names as their first row; DDL/utility ones do not
    precision: list[int] = field(default_factory=list)
    scale: list[int] = field(default_factory=list)
    written: list[str] | None = None  # CTAS, INSERT, UNLOAD: the files written, for the data manifest

    @classmethod
    def from_duckdb(cls, names: list[str], duck_types: list[str], rows: list[tuple[Any, ...]]) -> ResultSet:
        meta = [athena_type(t) for t in duck_types]
        return cls(names, [m[0] for m in meta], rows, True, [m[1] for m in meta], [m[2] for m in meta])

    @classmethod
    def text(cls, name: str, lines: list[str]) -> ResultSet:
        """DDL and utility statements: one varchar column, no header row."""
        return cls([name], ["string"], [(line,) for line in lines], header=False, precision=[0], scale=[0])

    def column_info(self) -> list[dict[str, Any]]:
        out = []
        for i, (name, typ) in enumerate(zip(self.names, self.types, strict=True)):
            out.append(
                {
                    "CatalogName": "hive",
                    "SchemaName": "",
                    "TableName": "",
                    "Name": name,
                    "Label": name,
                    "Type": typ,
                    "Precision": self.precision[i] if i < len(self.precision) else 0,
                    "Scale": self.scale[i] if i < len(self.scale) else 0,
                    "Nullable": "UNKNOWN",
                    "CaseSensitive": typ in ("varchar", "string", "char"),
                }
            )
        return out

    def all_rows(self) -> list[tuple[str | None, ...]]:
        return ([tuple(self.names)] if self.header else []) + self.rows

    def page(self, offset: int, limit: int) -> tuple[list[dict[str, Any]], int | None]:
        rows = self.all_rows()
        chunk = rows[offset : offset + limit]
        data = [{"Data": [{"VarCharValue": v} if v is not None else {} for v in row]} for row in chunk]
        nxt = offset + limit if offset + limit < len(rows) else None
        return data, nxt

    # --- files -----------------------------------------------------------------------------------
    def csv_bytes(self) -> bytes:
        """Athena's CSV: every value double-quoted, NULL as nothing, header row of column names."""

        def field_(v: str | None) -> str:
            return "" if v is None else '"' + v.replace('"', '""') + '"'

        lines = [",".join(field_(v) for v in row) for row in self.all_rows()]
        return ("\n".join(lines) + "\n").encode() if lines else b""

    def txt_bytes(self) -> bytes:
        return (
            ("\n".join("\t".join("" if v is None else v for v in row) for row in self.rows) + "\n").encode()
            if self.rows
            else b""
        )

    def metadata_bytes(self) -> bytes:
        # Real Athena writes a protobuf here; readers in this project only need the column metadata.
        return json.dumps({"ColumnInfo": self.column_info()}).encode()
