"""A published dashboard's Definition -> what each sheet draws, for one set of parameter values.

``Renderer.render(dashboard_id, parameters, sheet)`` resolves the parameters (the request's over the
declared defaults), loads the datasets the sheet's visuals use (datasets.py), and computes each visual:
charts (charts.py), KPI tiles and tables (tables.py), and the sheet's controls (controls.py), after the
filter groups in scope (filters.py). What localaws cannot compute is reported on the visual (``error``)
rather than drawn wrong.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from localaws.dashboard.charts import CHART_KINDS, actions, chart_data
from localaws.dashboard.controls import sheet_controls
from localaws.dashboard.datasets import DataSets, Unsupported
from localaws.dashboard.filters import FilterCompiler
from localaws.dashboard.parameters import BadParameter, resolve
from localaws.dashboard.sqlfields import Fields
from localaws.dashboard.tables import kpi_data, table_data

__all__ = ["BadParameter", "DashboardNotFound", "Renderer", "Unsupported"]
KINDS = {**CHART_KINDS, "KPIVisual": "kpi", "TableVisual": "table"}


class DashboardNotFound(LookupError):
    pass


def _text(options: dict[str, Any] | None) -> str | None:
    return ((options or {}).get("FormatText") or {}).get("PlainText")


class Renderer:
    """Computes a dashboard's visuals. ``services`` is LocalAWS.services (QuickSight, Athena, S3 via HTTP)."""

    def __init__(
        self,
        services: dict[str, Any],
        endpoint: str,
        account_id: str | None = None,
        region: str | None = None,
    ):
        self.qs = services["quicksight"]
        self.endpoint = endpoint
        self.account_id = account_id
        self.region = region or "us-east-1"

    def _visual(self, con, fields: Fields, filters: FilterCompiler, sheet_id: str, visual: dict, page: int):
        kind_name, body = next(iter(visual.items()))
        out: dict[str, Any] = {
            "id": body.get("VisualId"),
            "type": kind_name,
            "kind": KINDS.get(kind_name),
            "title": _text(body.get("Title")) or body.get("VisualId"),
            "subtitle": _text(body.get("Subtitle")),
            "labels": [],
            "series": [],
            "actions": [],
            "error": None,
        }
        try:
            if kind_name not in KINDS:
                raise Unsupported(f"visual type {kind_name}")
            out["actions"] = actions(body)

            def clauses_of(view):
                return filters.clauses(sheet_id, out["id"], view)

            if kind_name == "KPIVisual":
                kpi_data(con, fields, body, clauses_of, out)
            elif kind_name == "TableVisual":
                table_data(con, fields, body, clauses_of, out, page)
            else:
                chart_data(con, fields, out["kind"], body, clauses_of, out)
        except Unsupported as err:
            out["error"] = str(err)
        except Exception as err:  # a query localaws got wrong: on the page, not a server error
            out["error"] = f"{type(err).__name__}: {err}"
        return out

    def render(
        self,
        dashboard_id: str,
        parameters: Mapping[str, str] | None = None,
        sheet: str | None = None,
        page: int = 1,
    ) -> dict[str, Any]:
        """{"id", "name", "version", "parameters", "sheets": [{"id", "name", "title", "controls", "visuals",
        "rendered"}], "data_sets", "refreshed_at"}; with ``sheet``, only that sheet's visuals are computed.
        A parameter the definition does not declare, or a value of the wrong type, raises BadParameter."""
        import duckdb

        found = self.qs.dashboard_definition(dashboard_id, account_id=self.account_id)
        if found is None:
            raise DashboardNotFound(dashboard_id)
        definition = found["Definition"] or {}
        sheets_defined = definition.get("Sheets", [])
        if sheet is not None and sheet not in {s["SheetId"] for s in sheets_defined}:
            raise BadParameter(f"sheet {sheet} is not a sheet of dashboard {dashboard_id}")
        with tempfile.TemporaryDirectory(prefix="localaws-dashboard-") as tmp:
            con = duckdb.connect()
            try:
                con.execute("SET TimeZone = 'UTC'")
                values = resolve(definition, parameters or {}, con)
                data_sets = DataSets(self.qs, self.endpoint, self.account_id, con, Path(tmp), definition)
                fields = Fields(definition, data_sets, values)
                filters = FilterCompiler(definition, fields)
                sheets = []
                for defined in sheets_defined:
                    wanted = sheet is None or defined["SheetId"] == sheet
                    sheets.append(
                        {
                            "id": defined["SheetId"],
                            "name": defined.get("Name") or defined["SheetId"],
                            "title": defined.get("Title") or defined.get("Name") or found["Name"],
                            "rendered": wanted,
                            "controls": sheet_controls(con, fields, values, defined) if wanted else [],
                            "visuals": [
                                self._visual(con, fields, filters, defined["SheetId"], v, page)
                                for v in defined.get("Visuals", [])
                            ]
                            if wanted
                            else [],
                        }
                    )
                refreshed = [
                    v.refreshed_at for v in data_sets.views.values() if v.refreshed_at and not v.error
                ]
            finally:
                con.close()
        return {
            "id": dashboard_id,
            "name": found["Name"],
            "version": found["VersionNumber"],
            "status": found["Status"],
            "parameters": values.public(),
            "sheets": sheets,
            "data_sets": data_sets.summaries(),
            "refreshed_at": max(refreshed) if refreshed else None,
        }
