"""A published dashboard's Definition -> the data of each visual, aggregated with DuckDB.

Each DataSetIdentifierDeclaration becomes a DuckDB view: a SPICE dataset reads its extract (the Parquet
file the last completed ingestion wrote); a DIRECT_QUERY dataset runs its SQL through the local Athena
now, as QuickSight would on every load. Each visual is then one or two GROUP BY queries over its
dataset: its category field (hours truncated per DateGranularity), its aggregated value, split by its
color field if any, after the filter groups scoped to it, sorted and limited as its SortConfiguration
says. What localaws cannot compute is reported on the visual (``error``) rather than drawn wrong.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from localaws.dashboard.expressions import UnsupportedExpression, to_sql
from localaws.quicksight import athena_query, columns, spice, transforms

CHART_KINDS = {"LineChartVisual": "line", "BarChartVisual": "bar", "PieChartVisual": "pie"}
WELLS = {
    "line": "LineChartAggregatedFieldWells",
    "bar": "BarChartAggregatedFieldWells",
    "pie": "PieChartAggregatedFieldWells",
}
NUMERIC_AGGREGATIONS = {
    "SUM": "sum",
    "COUNT": "count",
    "AVERAGE": "avg",
    "MIN": "min",
    "MAX": "max",
    "DISTINCT_COUNT": "count(DISTINCT {})",
    "MEDIAN": "median",
    "VAR": "var_samp",
    "STDEV": "stddev_samp",
}
DATE_FORMATS = {
    "YEAR": "%Y",
    "QUARTER": "%Y-%m",
    "MONTH": "%Y-%m",
    "WEEK": "%Y-%m-%d",
    "DAY": "%Y-%m-%d",
    "HOUR": "%Y-%m-%d %H:00",
    "MINUTE": "%Y-%m-%d %H:%M",
    "SECOND": "%Y-%m-%d %H:%M:%S",
}
MAX_COLORS = 10  # QuickSight's default limit of color items


class DashboardNotFound(LookupError):
    pass


class Unsupported(ValueError):
    """A part of the definition localaws does not compute; the message names it."""


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "NULL"}[value]
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


@dataclass
class DataSetView:
    identifier: str
    data_set_id: str | None
    name: str = ""
    mode: str = ""
    rows: int = 0
    error: str | None = None
    calculated: dict[str, str] = field(default_factory=dict)  # name -> SQL

    def summary(self) -> dict[str, Any]:
        return {
            "identifier": self.identifier,
            "data_set_id": self.data_set_id,
            "name": self.name,
            "mode": self.mode,
            "rows": self.rows,
            "error": self.error,
        }


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

    # -- datasets ---------------------------------------------------------------------------------------

    def _direct_query(self, data_set: dict[str, Any], target: Path) -> None:
        """Run a DIRECT_QUERY dataset's SQL through the local Athena into a Parquet file, typed as SPICE types."""
        import boto3

        tables = list(data_set["PhysicalTableMap"].values())
        if len(tables) != 1 or not ({"RelationalTable", "CustomSql"} & set(tables[0])):
            raise Unsupported(
                f"data set {data_set['DataSetId']}: localaws queries one RelationalTable or CustomSql"
            )
        spec = tables[0].get("RelationalTable") or tables[0]["CustomSql"]
        account = spec["DataSourceArn"].split(":")[4]
        region = spec["DataSourceArn"].split(":")[3]

        def client(name: str) -> Any:
            return boto3.client(
                name,
                endpoint_url=self.endpoint,
                region_name=region,
                aws_access_key_id="localaws",
                aws_secret_access_key="localaws",
            )

        source = client("quicksight").describe_data_source(
            AwsAccountId=account, DataSourceId=spec["DataSourceArn"].rsplit("/", 1)[1]
        )["DataSource"]
        work_group = (
            source.get("DataSourceParameters", {}).get("AthenaParameters", {}).get("WorkGroup") or "primary"
        )
        athena, s3 = client("athena"), client("s3")
        query_id = athena_query.start(
            athena, s3, athena_query.build_sql(tables[0]), work_group, account, region
        )
        execution = athena_query.wait(athena, query_id, cancelled=lambda: False, poll_seconds=0.05)
        physical = columns.physical_columns(data_set) or [
            {"Name": c["Name"], "Type": columns.athena_column_type(c["Type"])}
            for c in athena_query.column_info(athena, query_id)
        ]
        csv_path = target.with_suffix(".csv")
        athena_query.download(athena, s3, execution, csv_path)
        partial, _ = spice.build_extract(
            csv_path, physical, target, outputs=transforms.outputs(data_set, physical)
        )
        spice.commit(partial, target)

    def _load(self, con: Any, definition: dict[str, Any], work: Path) -> dict[str, DataSetView]:
        views: dict[str, DataSetView] = {}
        for decl in definition.get("DataSetIdentifierDeclarations", []):
            identifier = decl["Identifier"]
            data_set_id = self.qs.data_set_id_of(decl["DataSetArn"])
            view = views[identifier] = DataSetView(identifier, data_set_id)
            data_set = self.qs.data_set(data_set_id, self.account_id, None) if data_set_id else None
            if data_set is None:
                view.error = f"data set {decl['DataSetArn']} does not exist"
                continue
            view.name, view.mode = data_set.get("Name", ""), data_set.get("ImportMode", "")
            try:
                if view.mode == "SPICE":
                    path = self.qs.spice_extract_path(data_set_id)
                    if path is None:
                        view.error = (
                            f"data set {data_set_id} has no SPICE extract yet (no completed ingestion)"
                        )
                        continue
                else:
                    path = work / f"{identifier}.parquet"
                    self._direct_query(data_set, path)
                con.execute(f"CREATE VIEW {_quote(identifier)} AS SELECT * FROM read_parquet('{path}')")
                view.rows = con.execute(f"SELECT count(*) FROM {_quote(identifier)}").fetchall()[0][0]
            except Exception as err:  # shown on the page and in its status, never a blank chart
                view.error = f"{type(err).__name__}: {err}"
        for calc in definition.get("CalculatedFields", []):
            target = calc.get("DataSetIdentifier")
            if target in views:
                views[target].calculated[calc["Name"]] = calc["Expression"]
        return views

    # -- fields -----------------------------------------------------------------------------------------

    def _column_sql(self, view: DataSetView, name: str, seen: tuple[str, ...] = ()) -> str:
        if name in view.calculated:
            if name in seen:
                raise Unsupported(f"calculated field {name} refers to itself")
            try:
                return (
                    "("
                    + to_sql(view.calculated[name], lambda c: self._column_sql(view, c, (*seen, name)))
                    + ")"
                )
            except UnsupportedExpression as err:
                raise Unsupported(f"calculated field {name}: {err}") from err
        return _quote(name)

    def _dimension(self, view: DataSetView, spec: dict[str, Any]) -> tuple[str, str, str]:
        """(SQL of the label, SQL to order by, field id)."""
        kind, body = next(iter(spec.items()))
        column = self._column_sql(view, body["Column"]["ColumnName"])
        if kind == "DateDimensionField":
            granularity = body.get("DateGranularity", "DAY")
            if granularity not in DATE_FORMATS:
                raise Unsupported(f"DateGranularity {granularity}")
            unit = "week" if granularity == "WEEK" else granularity.lower()
            truncated = f"date_trunc('{unit}', CAST({column} AS TIMESTAMP))"
            return f"strftime({truncated}, '{DATE_FORMATS[granularity]}')", truncated, body["FieldId"]
        if kind in ("CategoricalDimensionField", "NumericalDimensionField"):
            return f"CAST({column} AS VARCHAR)", column, body["FieldId"]
        raise Unsupported(f"dimension field {kind}")

    def _measure(self, view: DataSetView, spec: dict[str, Any]) -> tuple[str, str, str]:
        """(SQL of the aggregate, field id, label)."""
        kind, body = next(iter(spec.items()))
        column_name = body["Column"]["ColumnName"]
        column = self._column_sql(view, column_name)
        if kind == "NumericalMeasureField":
            function = (body.get("AggregationFunction") or {}).get("SimpleNumericalAggregation", "SUM")
        elif kind == "CategoricalMeasureField":
            function = body.get("AggregationFunction", "COUNT")
        else:
            raise Unsupported(f"measure field {kind}")
        if function not in NUMERIC_AGGREGATIONS or (
            kind == "CategoricalMeasureField" and function not in ("COUNT", "DISTINCT_COUNT")
        ):
            raise Unsupported(f"aggregation {function} of {kind}")
        template = NUMERIC_AGGREGATIONS[function]
        sql = template.format(column) if "{}" in template else f"{template}({column})"
        label = f"{function.replace('_', ' ').title()} of {column_name}"
        return sql, body["FieldId"], label

    # -- filters ----------------------------------------------------------------------------------------

    def _filters(
        self, definition: dict[str, Any], sheet_id: str, visual_id: str, identifier: str, view: DataSetView
    ) -> list[str]:
        clauses = []
        for group in definition.get("FilterGroups", []):
            if group.get("Status", "ENABLED") != "ENABLED" or not _in_scope(group, sheet_id, visual_id):
                continue
            for spec in group.get("Filters", []):
                kind, body = next(iter(spec.items()))
                if body["Column"]["DataSetIdentifier"] != identifier:
                    continue  # SINGLE_DATASET: a filter narrows only visuals of its own dataset
                if kind != "CategoryFilter":
                    raise Unsupported(f"filter {body.get('FilterId')}: {kind}")
                config = body.get("Configuration", {}).get("FilterListConfiguration")
                if config is None:
                    raise Unsupported(
                        f"filter {body.get('FilterId')}: only FilterListConfiguration is computed"
                    )
                column = self._column_sql(view, body["Column"]["ColumnName"])
                values = ", ".join(_literal(v) for v in config.get("CategoryValues", []))
                operator = config.get("MatchOperator")
                if config.get("SelectAllOptions") == "FILTER_ALL_VALUES" or not values:
                    continue
                if operator == "CONTAINS":
                    clauses.append(f"{column} IN ({values})")
                elif operator == "DOES_NOT_CONTAIN":
                    clauses.append(f"({column} IS NULL OR {column} NOT IN ({values}))")
                else:
                    raise Unsupported(f"filter {body.get('FilterId')}: MatchOperator {operator}")
        return clauses

    # -- visuals ----------------------------------------------------------------------------------------

    def _visual(
        self,
        con: Any,
        definition: dict[str, Any],
        sheet_id: str,
        visual: dict[str, Any],
        views: dict[str, DataSetView],
    ) -> dict[str, Any]:
        kind_name, body = next(iter(visual.items()))
        title = ((body.get("Title") or {}).get("FormatText") or {}).get("PlainText") or body.get("VisualId")
        out: dict[str, Any] = {
            "id": body.get("VisualId"),
            "type": kind_name,
            "title": title,
            "labels": [],
            "series": [],
            "error": None,
        }
        try:
            if kind_name not in CHART_KINDS:
                raise Unsupported(f"visual type {kind_name}")
            kind = out["kind"] = CHART_KINDS[kind_name]
            chart = body.get("ChartConfiguration") or {}
            wells = (chart.get("FieldWells") or {}).get(WELLS[kind]) or {}
            if not wells.get("Category") or not wells.get("Values"):
                raise Unsupported("a visual without a category and a value field")
            identifier = next(iter(wells["Category"][0].values()))["Column"]["DataSetIdentifier"]
            view = views.get(identifier)
            if view is None:
                raise Unsupported(f"data set identifier {identifier} is not declared")
            out["data_set"] = identifier
            if view.error:
                raise Unsupported(view.error)
            label_sql, order_sql, category_id = self._dimension(view, wells["Category"][0])
            value_sql, value_id, value_label = self._measure(view, wells["Values"][0])
            colors = wells.get("Colors") or []
            where = " AND ".join(self._filters(definition, sheet_id, out["id"], identifier, view)) or "true"
            sort = chart.get("SortConfiguration") or {}
            limit = sort.get("CategoryItemsLimit") or sort.get("CategoryItemsLimitConfiguration") or {}
            direction, by_value = "ASC", False
            for option in sort.get("CategorySort") or []:
                field_sort = option.get("FieldSort")
                if field_sort:
                    direction = "DESC" if field_sort.get("Direction") == "DESC" else "ASC"
                    by_value = field_sort.get("FieldId") == value_id
                    break
            order = f"v {direction} NULLS LAST, o ASC" if by_value else f"o {direction} NULLS LAST"
            items = limit.get("ItemsLimit")
            if items and limit.get("OtherCategories", "INCLUDE") != "EXCLUDE":
                raise Unsupported("CategoryItemsLimit with OtherCategories INCLUDE (an 'Other' bucket)")
            top = f"LIMIT {int(items)}" if items else ""
            table = _quote(identifier)
            categories = con.execute(
                f"SELECT {label_sql} AS c, min({order_sql}) AS o, {value_sql} AS v FROM {table} WHERE {where} "
                f"GROUP BY 1 ORDER BY {order} {top}"
            ).fetchall()
            out["labels"] = ["null" if c is None else c for c, _, _ in categories]
            out["value_label"] = value_label
            if not colors:
                out["series"] = [{"name": value_label, "data": [_number(v) for _, _, v in categories]}]
            else:
                color_sql, _, _ = self._dimension(view, colors[0])
                rows = con.execute(
                    f"SELECT {label_sql} AS c, {color_sql} AS k, {value_sql} AS v FROM {table} WHERE {where} "
                    "GROUP BY 1, 2"
                ).fetchall()
                totals: dict[str, float] = {}
                cells: dict[tuple[Any, str], Any] = {}
                for c, k, v in rows:
                    name = "null" if k is None else k
                    totals[name] = totals.get(name, 0) + (_number(v) or 0)
                    cells[(c, name)] = v
                names = sorted(totals, key=lambda n: (-totals[n], n))[:MAX_COLORS]
                out["series"] = [
                    {"name": n, "data": [_number(cells.get((c, n))) or 0 for c, _, _ in categories]}
                    for n in names
                ]
            out["orientation"] = chart.get("Orientation", "VERTICAL")
            out["stacked"] = (
                chart.get("BarsArrangement") in ("STACKED", "STACKED_PERCENT")
                or chart.get("Type") == "STACKED_AREA"
            )
            out["donut"] = bool(chart.get("DonutOptions"))
            out["category_field"] = category_id
        except Unsupported as err:
            out["error"] = str(err)
        except Exception as err:  # a query localaws got wrong: on the page, not a server error
            out["error"] = f"{type(err).__name__}: {err}"
        return out

    def render(self, dashboard_id: str) -> dict[str, Any]:
        """{"id", "name", "version", "sheets": [{"id", "name", "title", "visuals": [...]}], "data_sets": [...]}"""
        import duckdb

        found = self.qs.dashboard_definition(dashboard_id, account_id=self.account_id)
        if found is None:
            raise DashboardNotFound(dashboard_id)
        definition = found["Definition"] or {}
        with tempfile.TemporaryDirectory(prefix="localaws-dashboard-") as tmp:
            con = duckdb.connect()
            try:
                con.execute("SET TimeZone = 'UTC'")
                views = self._load(con, definition, Path(tmp))
                sheets = []
                for sheet in definition.get("Sheets", []):
                    visuals = [
                        self._visual(con, definition, sheet["SheetId"], v, views)
                        for v in sheet.get("Visuals", [])
                    ]
                    sheets.append(
                        {
                            "id": sheet["SheetId"],
                            "name": sheet.get("Name", ""),
                            "title": sheet.get("Title") or sheet.get("Name") or found["Name"],
                            "visuals": visuals,
                        }
                    )
            finally:
                con.close()
        return {
            "id": dashboard_id,
            "name": found["Name"],
            "version": found["VersionNumber"],
            "status": found["Status"],
            "sheets": sheets,
            "data_sets": [v.summary() for v in views.values()],
        }


def _in_scope(group: dict[str, Any], sheet_id: str, visual_id: str) -> bool:
    scope = group.get("ScopeConfiguration") or {}
    if "AllSheets" in scope:
        return True
    for config in (scope.get("SelectedSheets") or {}).get("SheetVisualScopingConfigurations", []):
        if config.get("SheetId") != sheet_id:
            continue
        if config.get("Scope") == "ALL_VISUALS" or visual_id in (config.get("VisualIds") or []):
            return True
    return False


def _number(value: Any) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, int):
        return value
    number = float(value)
    return int(number) if number.is_integer() and abs(number) < 2**53 else round(number, 6)
