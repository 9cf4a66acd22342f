"""A sheet's parameter controls as the page draws them: kind, title, parameter, current value, choices."""

from __future__ import annotations

from typing import Any

from localaws.dashboard.datasets import Unsupported, quote
from localaws.dashboard.parameters import Parameters
from localaws.dashboard.sqlfields import Fields

KINDS = {
    "Dropdown": "dropdown",
    "List": "dropdown",
    "TextField": "text",
    "TextArea": "text",
    "DateTimePicker": "datetime",
    "Slider": "text",
}
MAX_CHOICES = 1000  # a dropdown linked to a column lists its first values in order, as QuickSight caps it


def _choices(con: Any, fields: Fields, selectable: dict[str, Any]) -> list[str]:
    if selectable.get("Values"):
        return list(selectable["Values"])
    linked = selectable.get("LinkToDataSetColumn")
    if not linked:
        return []
    view = fields.data_sets.get(linked["DataSetIdentifier"])
    column = fields.column_sql(view, linked["ColumnName"])
    rows = con.execute(
        f"SELECT DISTINCT CAST({column} AS VARCHAR) FROM {quote(view.identifier)} "
        f"WHERE {column} IS NOT NULL ORDER BY 1 LIMIT {MAX_CHOICES}"
    ).fetchall()
    return [r[0] for r in rows]


def sheet_controls(
    con: Any, fields: Fields, parameters: Parameters, sheet: dict[str, Any]
) -> list[dict[str, Any]]:
    found = []
    for control in sheet.get("ParameterControls") or []:
        kind, body = next(iter(control.items()))
        name = body["SourceParameterName"]
        out: dict[str, Any] = {
            "id": body["ParameterControlId"],
            "kind": KINDS.get(kind, "text"),
            "title": body.get("Title") or name,
            "parameter": name,
            "error": None,
        }
        try:
            if kind not in KINDS:
                raise Unsupported(f"control {kind}")
            parameter = parameters.by_name.get(name)
            if parameter is None:
                raise Unsupported(f"control {body['ParameterControlId']}: parameter {name} is not declared")
            out["type"] = parameter.kind
            out["value"] = parameter.public()["value"]
            if kind in ("Dropdown", "List"):
                out["choices"] = _choices(con, fields, body.get("SelectableValues") or {})
        except Exception as err:  # named on the page, as a visual's error is
            out["error"] = str(err) if isinstance(err, Unsupported) else f"{type(err).__name__}: {err}"
        found.append(out)
    return found
