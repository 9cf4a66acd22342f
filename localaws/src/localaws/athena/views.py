"""Views as Athena stores them in Glue: ``/* Presto View: <base64 JSON> */`` in ViewOriginalText."""

from __future__ import annotations

import base64
import json

from localaws.athena.catalog import CATALOG, Table
from localaws.athena.errors import QueryFailed


def encode(sql: str, database: str, columns: list[tuple[str, str]]) -> str:
    doc = {
        "originalSql": sql,
        "catalog": CATALOG,
        "schema": database,
        "columns": [{"name": n, "type": t} for n, t in columns],
        "owner": "localaws",
        "runAsInvoker": False,
        "properties": {},
    }
    return "/* Presto View: " + base64.b64encode(json.dumps(doc).encode()).decode() + " */"


def view_sql(view: Table) -> tuple[str, str | None]:
    """(original SQL, database it was created in)."""
    text = (view.view_sql or "").strip()
    if text.startswith("/* Presto View:") and text.endswith("*/"):
        payload = text[len("/* Presto View:") : -2].strip()
        try:
            doc = json.loads(base64.b64decode(payload))
        except ValueError as err:
            raise QueryFailed(
                "HIVE_VIEW_INVALID", f"View {view.database}.{view.name}: unreadable definition"
            ) from err
        return doc["originalSql"], doc.get("schema")
    if not text:
        raise QueryFailed("HIVE_VIEW_INVALID", f"View {view.database}.{view.name} has no definition")
    return text, None
