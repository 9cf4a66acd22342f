"""Visual builders: line, bar and pie charts, KPI tiles, tables, and the drill-down action.

Time series put their hours on a date axis that keeps missing hours (MissingDateVisibility) and leave them
blank (SHOW_AS_BLANK), so an hour that was never processed is a gap, not a line from its neighbours.
"""

from __future__ import annotations

from typing import Any

from vpcflow.dashboard.fields import axis_label, field_id, sort, subtitle, title, top


def id_of(visual: dict[str, Any]) -> str:
    return next(iter(visual.values()))["VisualId"]


def drill_to(
    action_id: str, target_sheet: str, parameters: dict[str, str], constants: dict[str, str] | None = None
) -> dict[str, Any]:
    """Clicking a data point sets ``parameters`` (parameter -> the clicked field's id) and ``constants``
    (parameter -> value), then opens ``target_sheet``."""
    values = [
        {"DestinationParameterName": name, "Value": {"SourceField": source}}
        for name, source in parameters.items()
    ] + [
        {
            "DestinationParameterName": name,
            "Value": {"CustomValuesConfiguration": {"CustomValues": {"StringValues": [value]}}},
        }
        for name, value in (constants or {}).items()
    ]
    return {
        "CustomActionId": action_id,
        "Name": "Show these flows",
        "Status": "ENABLED",
        "Trigger": "DATA_POINT_CLICK",
        "ActionOperations": [
            {"SetParametersOperation": {"ParameterValueConfigurations": values}},
            {"NavigationOperation": {"LocalNavigationConfiguration": {"TargetSheetId": target_sheet}}},
        ],
    }


def line(
    visual_id: str, text: str, category: dict, value: dict, *, y_label: str, colors: list | None = None
) -> dict[str, Any]:
    wells: dict[str, Any] = {"Category": [category], "Values": [value]}
    if colors:
        wells["Colors"] = colors
    return {
        "LineChartVisual": {
            "VisualId": visual_id,
            "Title": title(text),
            "ChartConfiguration": {
                "FieldWells": {"LineChartAggregatedFieldWells": wells},
                "SortConfiguration": {"CategorySort": sort(field_id(category), "ASC")},
                "Type": "LINE",
                "XAxisDisplayOptions": {
                    "DataOptions": {"DateAxisOptions": {"MissingDateVisibility": "VISIBLE"}}
                },
                "XAxisLabelOptions": axis_label("Ingest hour (UTC)"),
                "PrimaryYAxisDisplayOptions": {
                    "MissingDataConfigurations": [{"TreatmentOption": "SHOW_AS_BLANK"}]
                },
                "PrimaryYAxisLabelOptions": axis_label(y_label),
            },
        }
    }


def bar(
    visual_id: str,
    text: str,
    category: dict,
    value: dict,
    *,
    value_label: str,
    top_n: int | None = None,
    colors: list | None = None,
    orientation: str = "HORIZONTAL",
    sort_by_value: bool = True,
    note: str | None = None,
    action: dict | None = None,
) -> dict[str, Any]:
    wells: dict[str, Any] = {"Category": [category], "Values": [value]}
    if colors:
        wells["Colors"] = colors
    order: dict[str, Any] = {
        "CategorySort": sort(field_id(value), "DESC") if sort_by_value else sort(field_id(category), "ASC")
    }
    if top_n:
        order["CategoryItemsLimit"] = top(top_n)
    body: dict[str, Any] = {
        "VisualId": visual_id,
        "Title": title(text),
        "ChartConfiguration": {
            "FieldWells": {"BarChartAggregatedFieldWells": wells},
            "SortConfiguration": order,
            "Orientation": orientation,
            "BarsArrangement": "STACKED" if colors else "CLUSTERED",
            "ValueLabelOptions": axis_label(value_label),
        },
    }
    if note:
        body["Subtitle"] = subtitle(note)
    if action:
        body["Actions"] = [action]
    return {"BarChartVisual": body}


def pie(visual_id: str, text: str, category: dict, value: dict, action: dict | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "VisualId": visual_id,
        "Title": title(text),
        "ChartConfiguration": {
            "FieldWells": {"PieChartAggregatedFieldWells": {"Category": [category], "Values": [value]}},
            "SortConfiguration": {"CategorySort": sort(field_id(value), "DESC")},
            "DonutOptions": {"ArcOptions": {"ArcThickness": "MEDIUM"}},
        },
    }
    if action:
        body["Actions"] = [action]
    return {"PieChartVisual": body}


def kpi(visual_id: str, text: str, value: dict) -> dict[str, Any]:
    return {
        "KPIVisual": {
            "VisualId": visual_id,
            "Title": title(text),
            "ChartConfiguration": {
                "FieldWells": {"Values": [value]},
                "KPIOptions": {"PrimaryValueDisplayType": "ACTUAL"},
            },
        }
    }


def table(
    visual_id: str,
    text: str,
    columns: list[tuple[dict[str, Any], str]],
    *,
    sort_field: str,
    page_size: int = 50,
    note: str | None = None,
) -> dict[str, Any]:
    """A table of unaggregated rows: ``columns`` are (UnaggregatedField, header)."""
    body: dict[str, Any] = {
        "VisualId": visual_id,
        "Title": title(text),
        "ChartConfiguration": {
            "FieldWells": {"TableUnaggregatedFieldWells": {"Values": [c for c, _ in columns]}},
            "SortConfiguration": {
                "RowSort": sort(sort_field, "DESC"),
                "PaginationConfiguration": {"PageSize": page_size, "PageNumber": 1},
            },
            "FieldOptions": {
                "SelectedFieldOptions": [{"FieldId": c["FieldId"], "CustomLabel": h} for c, h in columns]
            },
        },
    }
    if note:
        body["Subtitle"] = subtitle(note)
    return {"TableVisual": body}


def summary_table(
    visual_id: str,
    text: str,
    group_by: list[tuple[dict[str, Any], str]],
    values: list[tuple[dict[str, Any], str]],
    *,
    sort_field: str,
    note: str | None = None,
) -> dict[str, Any]:
    """A table of aggregated rows (one per combination of ``group_by``), newest first."""
    fields = group_by + values
    body: dict[str, Any] = {
        "VisualId": visual_id,
        "Title": title(text),
        "ChartConfiguration": {
            "FieldWells": {
                "TableAggregatedFieldWells": {
                    "GroupBy": [f for f, _ in group_by],
                    "Values": [f for f, _ in values],
                }
            },
            "SortConfiguration": {"RowSort": sort(sort_field, "DESC")},
            "FieldOptions": {
                "SelectedFieldOptions": [{"FieldId": field_id(f), "CustomLabel": h} for f, h in fields]
            },
        },
    }
    if note:
        body["Subtitle"] = subtitle(note)
    return {"TableVisual": body}
