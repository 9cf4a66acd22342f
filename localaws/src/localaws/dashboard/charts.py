"""Line, bar and pie visuals -> their categories, series, colours and formats, with DuckDB.

Each is one or two GROUP BY queries over its dataset: its category field (dates truncated per
DateGranularity), its aggregated value, split by its colour field if any, after the filters in scope,
sorted and limited as its SortConfiguration says. A date axis with MissingDateVisibility VISIBLE gets
every period between its first and last, and the missing ones are blank (a gap) or zero as
MissingDataConfigurations says.
"""

from __future__ import annotations

import zlib
from datetime import datetime, timedelta
from typing import Any

from localaws.dashboard.datasets import Unsupported, quote
from localaws.dashboard.filters import Clauses
from localaws.dashboard.sqlfields import Dimension, Fields

CHART_KINDS = {"LineChartVisual": "line", "BarChartVisual": "bar", "PieChartVisual": "pie"}
WELLS = {
    "line": "LineChartAggregatedFieldWells",
    "bar": "BarChartAggregatedFieldWells",
    "pie": "PieChartAggregatedFieldWells",
}
MAX_COLORS = 10  # QuickSight's default limit of color items
# Colours for values the definition gives none: chosen by the value's hash, so a value keeps its colour
# whatever else is on the chart and whichever order the rows come in.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999",
           "#332288", "#117733"]  # fmt: skip
STEPS = {"HOUR": timedelta(hours=1), "DAY": timedelta(days=1), "MINUTE": timedelta(minutes=1)}
KEY_FORMAT = "%Y-%m-%dT%H:%M:%S"


def stable_colour(value: str) -> str:
    return PALETTE[zlib.crc32(value.encode()) % len(PALETTE)]


def number(value: Any) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, int):
        return value
    result = float(value)
    return int(result) if result.is_integer() and abs(result) < 2**53 else round(result, 6)


def axis_label(options: dict[str, Any] | None) -> str | None:
    for label in (options or {}).get("AxisLabelOptions") or []:
        if label.get("CustomLabel"):
            return label["CustomLabel"]
    return None


def category_labels(dimension: Dimension, keys: list[str]) -> list[str]:
    if not dimension.date_format:
        return keys
    return [
        datetime.strptime(k, KEY_FORMAT).strftime(dimension.date_format) if k != "null" else k for k in keys
    ]


def _fill_dates(chart: dict, dimension: Dimension, keys: list[str]) -> tuple[list[str], set[str]]:
    """Every period from the first key to the last when the axis shows missing dates; the filled keys."""
    date_axis = ((chart.get("XAxisDisplayOptions") or {}).get("DataOptions") or {}).get(
        "DateAxisOptions"
    ) or {}
    step = STEPS.get(dimension.granularity or "")
    present = [k for k in keys if k != "null"]
    if date_axis.get("MissingDateVisibility") != "VISIBLE" or step is None or not present:
        return keys, set()
    first, last = (datetime.strptime(k, KEY_FORMAT) for k in (present[0], present[-1]))
    filled, at = [], first
    while at <= last:
        filled.append(at.strftime(KEY_FORMAT))
        at += step
    return filled, set(filled) - set(present)


def _missing_value(chart: dict) -> tuple[Any, bool]:
    """(what a missing period holds, whether the line spans it)."""
    options = (chart.get("PrimaryYAxisDisplayOptions") or {}).get("MissingDataConfigurations") or []
    treatment = options[0].get("TreatmentOption") if options else "SHOW_AS_BLANK"
    return (0, False) if treatment == "SHOW_AS_ZERO" else (None, treatment == "INTERPOLATE")


def actions(body: dict[str, Any]) -> list[dict[str, Any]]:
    """DATA_POINT_CLICK actions that set parameters and open a sheet, as the page runs them."""
    found = []
    for action in body.get("Actions") or []:
        if action.get("Status", "ENABLED") != "ENABLED":
            continue
        out: dict[str, Any] = {"id": action["CustomActionId"], "name": action["Name"], "trigger": action["Trigger"],
                               "set": [], "sheet": None}  # fmt: skip
        for operation in action["ActionOperations"]:
            if "SetParametersOperation" in operation:
                for config in operation["SetParametersOperation"]["ParameterValueConfigurations"]:
                    value = config["Value"]
                    target = {"parameter": config["DestinationParameterName"]}
                    if "SourceField" in value:
                        target["field"] = value["SourceField"]
                    elif "CustomValuesConfiguration" in value:
                        custom = value["CustomValuesConfiguration"]["CustomValues"]
                        target["value"] = next(v for values in custom.values() for v in values)
                    else:
                        raise Unsupported(f"action {action['CustomActionId']}: parameter value {list(value)}")
                    out["set"].append(target)
            elif "NavigationOperation" in operation:
                out["sheet"] = operation["NavigationOperation"]["LocalNavigationConfiguration"][
                    "TargetSheetId"
                ]
            else:
                raise Unsupported(f"action {action['CustomActionId']}: {list(operation)}")
        found.append(out)
    return found


def chart_data(con: Any, fields: Fields, kind: str, body: dict[str, Any], clauses_of, out: dict) -> None:
    """Fill ``out`` (the visual's JSON) for a line, bar or pie chart; ``clauses_of(view)`` gives its filters."""
    chart = body.get("ChartConfiguration") or {}
    wells = (chart.get("FieldWells") or {}).get(WELLS[kind]) or {}
    if not wells.get("Category") or not wells.get("Values"):
        raise Unsupported("a visual without a category and a value field")
    view = fields.view_of(wells["Category"][0])
    out["data_set"] = view.identifier
    dimension = fields.dimension(view, wells["Category"][0])
    measure = fields.measure(view, wells["Values"][0])
    colors = wells.get("Colors") or []
    clauses: Clauses = clauses_of(view)
    where = " AND ".join(clauses.where) or "true"
    having = f"HAVING {' AND '.join(clauses.having)}" if clauses.having else ""
    sort = chart.get("SortConfiguration") or {}
    limit = sort.get("CategoryItemsLimit") or sort.get("CategoryItemsLimitConfiguration") or {}
    direction, by_value = "ASC", False
    for option in sort.get("CategorySort") or []:
        field_sort = option.get("FieldSort")
        if field_sort:
            direction = "DESC" if field_sort.get("Direction") == "DESC" else "ASC"
            by_value = field_sort.get("FieldId") == measure.field_id
            break
    order = f"v {direction} NULLS LAST, o ASC" if by_value else f"o {direction} NULLS LAST"
    items = limit.get("ItemsLimit")
    if items and limit.get("OtherCategories", "INCLUDE") != "EXCLUDE":
        raise Unsupported("CategoryItemsLimit with OtherCategories INCLUDE (an 'Other' bucket)")
    top = f"LIMIT {int(items)}" if items else ""
    table = quote(view.identifier)
    rows = con.execute(
        f"SELECT {dimension.label} AS c, min({dimension.order}) AS o, {measure.sql} AS v FROM {table} "
        f"WHERE {where} GROUP BY 1 {having} ORDER BY {order} {top}"
    ).fetchall()
    keys = ["null" if c is None else c for c, _, _ in rows]
    values = {k: number(v) for k, (_, _, v) in zip(keys, rows, strict=True)}
    keys, missing = _fill_dates(chart, dimension, keys) if kind == "line" else (keys, set())
    blank, spans = _missing_value(chart)
    out.update(
        keys=keys, labels=category_labels(dimension, keys), value_label=measure.label, format=measure.format
    )
    out["axis"] = {
        "value": axis_label(chart.get("PrimaryYAxisLabelOptions") or chart.get("ValueLabelOptions")),
        "category": axis_label(chart.get("XAxisLabelOptions") or chart.get("CategoryLabelOptions")),
    }
    out["span_gaps"] = spans
    out["missing"] = sorted(missing)
    out["category_field"] = dimension.field_id
    if not colors:
        name = measure.label
        out["series"] = [{"name": name, "data": [blank if k in missing else values.get(k) for k in keys],
                          "color": (chart.get("VisualPalette") or {}).get("ChartColor") or PALETTE[0]}]  # fmt: skip
        if kind == "pie":
            palette = fields.colours(view.identifier, dimension.column)
            out["colors"] = [palette.get(k) or stable_colour(k) for k in keys]
    else:
        color_dimension = fields.dimension(view, colors[0])
        out["color_field"] = color_dimension.field_id
        cells = con.execute(
            f"SELECT {dimension.label} AS c, {color_dimension.label} AS k, {measure.sql} AS v FROM {table} "
            f"WHERE {where} GROUP BY 1, 2 {having}"
        ).fetchall()
        totals: dict[str, float] = {}
        by_cell: dict[tuple[str, str], Any] = {}
        for c, k, v in cells:
            name = "null" if k is None else k
            totals[name] = totals.get(name, 0) + (number(v) or 0)
            by_cell[("null" if c is None else c, name)] = v
        names = sorted(totals, key=lambda n: (-totals[n], n))[:MAX_COLORS]
        palette = fields.colours(view.identifier, color_dimension.column)
        out["series"] = [
            {"name": n, "color": palette.get(n) or stable_colour(n),
             "data": [blank if k in missing else (number(by_cell.get((k, n))) or 0) for k in keys]}
            for n in names
        ]  # fmt: skip
    out["orientation"] = chart.get("Orientation", "VERTICAL")
    out["stacked"] = (
        chart.get("BarsArrangement") in ("STACKED", "STACKED_PERCENT") or chart.get("Type") == "STACKED_AREA"
    )
    out["donut"] = bool(chart.get("DonutOptions"))
