"""Parameters, the controls that set them, and the filter groups that read them.

Every control is a parameter control, so a view is a set of parameter values: QuickSight takes them from a
dashboard URL's fragment (``#p.address=10.0.1.5&p.action=REJECT``), drill-down actions set them, and the
local page keeps them in its URL the same way. An unset parameter filters nothing: the time range is open
at that end, a list or text control means "all values".

The time range is on the ingest hour (the partition each row was compacted into), the hour Athena prunes
on: a window of hours here is the same rows as ``WHERE ingestdatetime >= ... AND ingestdatetime < ...``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vpcflow.dashboard.fields import FLOWS, column

RANGE_START, RANGE_END = "rangeStart", "rangeEnd"


@dataclass(frozen=True)
class Control:
    parameter: str
    label: str
    kind: str  # "Dropdown" | "TextField" | "DateTimePicker"
    column: str | None = None  # the flows column a dropdown lists, or the one a filter compares
    values: tuple[str, ...] = ()  # a dropdown's fixed choices
    filter_column: str | None = None  # a calculated 'yes'/'no' column when it is not a plain comparison


def flow_controls(columns: set[str]) -> list[Control]:
    """The VPC when the format has it, else the interface; then action, protocol, port and address."""
    scope = (
        Control("vpc", "VPC", "Dropdown", "vpc_id")
        if "vpc_id" in columns
        else Control("interface", "Interface", "Dropdown", "interfaceid")
    )
    return [
        scope,
        Control("action", "Action", "Dropdown", "action", values=("ACCEPT", "REJECT")),
        Control("protocol", "Protocol", "Dropdown", "protocol_name"),
        Control("port", "Destination port", "TextField", filter_column="port_match"),
        Control("address", "Address (source or destination)", "TextField", filter_column="address_match"),
    ]


def range_controls() -> list[Control]:
    return [
        Control(RANGE_START, "From (UTC, ingest hour)", "DateTimePicker"),
        Control(RANGE_END, "To (UTC, exclusive)", "DateTimePicker"),
    ]


def parameter_declarations(controls: list[Control]) -> list[dict[str, Any]]:
    declarations: list[dict[str, Any]] = [
        {
            "DateTimeParameterDeclaration": {
                "Name": name,
                "TimeGranularity": "HOUR",
                "ValueWhenUnset": {"ValueWhenUnsetOption": "NULL"},
            }
        }
        for name in (RANGE_START, RANGE_END)
    ]
    declarations += [
        {
            "StringParameterDeclaration": {
                "ParameterValueType": "SINGLE_VALUED",
                "Name": c.parameter,
                "ValueWhenUnset": {"ValueWhenUnsetOption": "NULL"},
            }
        }
        for c in controls
    ]
    return declarations


def parameter_controls(sheet_id: str, controls: list[Control]) -> list[dict[str, Any]]:
    found = []
    for c in controls:
        body: dict[str, Any] = {
            "ParameterControlId": f"{sheet_id}-{c.parameter}",
            "Title": c.label,
            "SourceParameterName": c.parameter,
        }
        if c.kind == "Dropdown":
            body["Type"] = "SINGLE_SELECT"
            body["SelectableValues"] = (
                {"Values": list(c.values)}
                if c.values
                else {"LinkToDataSetColumn": column(FLOWS, c.column or "")}
            )
        elif c.kind == "DateTimePicker":
            body["DisplayOptions"] = {"DateTimeFormat": "yyyy-MM-dd HH:mm"}
        found.append({c.kind: body})
    return found


def control_layout(sheet_id: str, controls: list[Control]) -> list[dict[str, Any]]:
    elements = [
        {
            "ElementId": f"{sheet_id}-{c.parameter}",
            "ElementType": "PARAMETER_CONTROL",
            "ColumnIndex": (i % 6) * 6,
            "ColumnSpan": 6,
            "RowIndex": (i // 6) * 2,
            "RowSpan": 2,
        }
        for i, c in enumerate(controls)
    ]
    return [{"Configuration": {"GridLayout": {"Elements": elements}}}]


def scope(sheets: dict[str, list[str] | None]) -> dict[str, Any]:
    """Sheet id -> the visual ids a filter group narrows (None: every visual of the sheet)."""
    return {
        "SelectedSheets": {
            "SheetVisualScopingConfigurations": [
                {"SheetId": sheet, "Scope": "ALL_VISUALS"}
                if ids is None
                else {"SheetId": sheet, "Scope": "SELECTED_VISUALS", "VisualIds": ids}
                for sheet, ids in sheets.items()
            ]
        }
    }


def filter_group(group_id: str, filters: list[dict[str, Any]], where: dict[str, list[str] | None]) -> dict:
    return {
        "FilterGroupId": group_id,
        "CrossDataset": "SINGLE_DATASET",
        "Status": "ENABLED",
        "Filters": filters,
        "ScopeConfiguration": scope(where),
    }


def time_range(filter_id: str, data_set: str) -> dict[str, Any]:
    return {
        "TimeRangeFilter": {
            "FilterId": filter_id,
            "Column": column(data_set, "ingest_hour"),
            "IncludeMinimum": True,
            "IncludeMaximum": False,
            "RangeMinimumValue": {"Parameter": RANGE_START},
            "RangeMaximumValue": {"Parameter": RANGE_END},
            "NullOption": "NON_NULLS_ONLY",
            "TimeGranularity": "HOUR",
        }
    }


def values_in(filter_id: str, data_set: str, name: str, values: list[str]) -> dict[str, Any]:
    return {
        "CategoryFilter": {
            "FilterId": filter_id,
            "Column": column(data_set, name),
            "Configuration": {
                "FilterListConfiguration": {"MatchOperator": "CONTAINS", "CategoryValues": values}
            },
        }
    }


def equals_parameter(filter_id: str, name: str, parameter: str) -> dict[str, Any]:
    return {
        "CategoryFilter": {
            "FilterId": filter_id,
            "Column": column(FLOWS, name),
            "Configuration": {
                "CustomFilterConfiguration": {
                    "MatchOperator": "EQUALS",
                    "ParameterName": parameter,
                    "SelectAllOptions": "FILTER_ALL_VALUES",
                    "NullOption": "NON_NULLS_ONLY",
                }
            },
        }
    }


def control_filters(controls: list[Control]) -> list[dict[str, Any]]:
    return [
        values_in(f"{c.parameter}-filter", FLOWS, c.filter_column, ["yes"])
        if c.filter_column
        else equals_parameter(f"{c.parameter}-filter", c.column or "", c.parameter)
        for c in controls
    ]


def at_least(filter_id: str, name: str, minimum: int) -> dict[str, Any]:
    """Categories whose row count is at least ``minimum`` (an aggregated filter: a HAVING clause)."""
    return {
        "NumericRangeFilter": {
            "FilterId": filter_id,
            "Column": column(FLOWS, name),
            "IncludeMinimum": True,
            "RangeMinimum": {"StaticValue": minimum},
            "AggregationFunction": {"CategoricalAggregationFunction": "COUNT"},
            "NullOption": "NON_NULLS_ONLY",
        }
    }
