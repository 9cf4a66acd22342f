"""The dashboard's QuickSight ``Definition`` (DashboardVersionDefinition), built in Python.

Two datasets: the SPICE dataset of flows over the Parquet table (identifier ``flows``), and the quality
table as a DIRECT_QUERY dataset (identifier ``quality``): it holds a dozen rows per hour, so QuickSight
reads it from Athena live and no refresh has to keep it current. One sheet, seven visuals; filters are
filter groups scoped to the visuals they narrow, as the QuickSight console writes them.
"""

from __future__ import annotations

from typing import Any

FLOWS = "flows"
QUALITY = "quality"
SHEET_ID = "overview"
GRID_COLUMNS = 36  # QuickSight's grid layout is 36 columns wide

# The quality checks drawn per hour: what an hour lost or carried that it should not (total_rows and the
# out-of-domain checks are left out: the first dwarfs the rest, the others are zero on healthy data).
QUALITY_CHECKS = ["malformed_rows", "nodata_rows", "skipdata_rows", "duplicate_rows", "outside_hour"]
PROTOCOL_NAME = (
    "ifelse({protocol} = 6, 'TCP', {protocol} = 17, 'UDP', {protocol} = 1, 'ICMP', {protocol} = 58, 'ICMPv6', "
    "concat('IP ', toString({protocol})))"
)
TALKER = "concat({sourceaddress}, ' -> ', {destinationaddress})"


def _column(data_set: str, name: str) -> dict[str, str]:
    return {"DataSetIdentifier": data_set, "ColumnName": name}


def _title(text: str) -> dict[str, Any]:
    return {"Visibility": "VISIBLE", "FormatText": {"PlainText": text}}


def _hour(field_id: str, data_set: str, column: str) -> dict[str, Any]:
    return {
        "DateDimensionField": {
            "FieldId": field_id,
            "Column": _column(data_set, column),
            "DateGranularity": "HOUR",
        }
    }


def _category(field_id: str, data_set: str, column: str) -> dict[str, Any]:
    return {"CategoricalDimensionField": {"FieldId": field_id, "Column": _column(data_set, column)}}


def _number_dimension(field_id: str, data_set: str, column: str) -> dict[str, Any]:
    return {"NumericalDimensionField": {"FieldId": field_id, "Column": _column(data_set, column)}}


def _sum(field_id: str, data_set: str, column: str) -> dict[str, Any]:
    return {
        "NumericalMeasureField": {
            "FieldId": field_id,
            "Column": _column(data_set, column),
            "AggregationFunction": {"SimpleNumericalAggregation": "SUM"},
        }
    }


def _count(field_id: str, data_set: str, column: str) -> dict[str, Any]:
    return {
        "CategoricalMeasureField": {
            "FieldId": field_id,
            "Column": _column(data_set, column),
            "AggregationFunction": "COUNT",
        }
    }


def _sort(field_id: str, direction: str) -> list[dict[str, Any]]:
    return [{"FieldSort": {"FieldId": field_id, "Direction": direction}}]


def _top(n: int) -> dict[str, Any]:
    return {"ItemsLimit": n, "OtherCategories": "EXCLUDE"}


def _line(
    visual_id: str, title: str, category: dict, value: dict, colors: list | None = None
) -> dict[str, Any]:
    wells: dict[str, Any] = {"Category": [category], "Values": [value]}
    if colors:
        wells["Colors"] = colors
    category_id = next(iter(category.values()))["FieldId"]
    return {
        "LineChartVisual": {
            "VisualId": visual_id,
            "Title": _title(title),
            "ChartConfiguration": {
                "FieldWells": {"LineChartAggregatedFieldWells": wells},
                "SortConfiguration": {"CategorySort": _sort(category_id, "ASC")},
                "Type": "LINE",
            },
        }
    }


def _bar(
    visual_id: str,
    title: str,
    category: dict,
    value: dict,
    *,
    top: int | None = None,
    colors: list | None = None,
    orientation: str = "HORIZONTAL",
    sort_by_value: bool = True,
) -> dict[str, Any]:
    wells: dict[str, Any] = {"Category": [category], "Values": [value]}
    if colors:
        wells["Colors"] = colors
    value_id = next(iter(value.values()))["FieldId"]
    category_id = next(iter(category.values()))["FieldId"]
    sort: dict[str, Any] = {
        "CategorySort": _sort(value_id, "DESC") if sort_by_value else _sort(category_id, "ASC")
    }
    if top:
        sort["CategoryItemsLimit"] = _top(top)
    return {
        "BarChartVisual": {
            "VisualId": visual_id,
            "Title": _title(title),
            "ChartConfiguration": {
                "FieldWells": {"BarChartAggregatedFieldWells": wells},
                "SortConfiguration": sort,
                "Orientation": orientation,
                "BarsArrangement": "STACKED" if colors else "CLUSTERED",
            },
        }
    }


def _pie(visual_id: str, title: str, category: dict, value: dict) -> dict[str, Any]:
    value_id = next(iter(value.values()))["FieldId"]
    return {
        "PieChartVisual": {
            "VisualId": visual_id,
            "Title": _title(title),
            "ChartConfiguration": {
                "FieldWells": {"PieChartAggregatedFieldWells": {"Category": [category], "Values": [value]}},
                "SortConfiguration": {"CategorySort": _sort(value_id, "DESC")},
                "DonutOptions": {"ArcOptions": {"ArcThickness": "MEDIUM"}},
            },
        }
    }


def _filter_group(
    group_id: str, data_set: str, column: str, values: list[str], visual_ids: list[str]
) -> dict[str, Any]:
    return {
        "FilterGroupId": group_id,
        "CrossDataset": "SINGLE_DATASET",
        "Status": "ENABLED",
        "Filters": [
            {
                "CategoryFilter": {
                    "FilterId": f"{group_id}-filter",
                    "Column": _column(data_set, column),
                    "Configuration": {
                        "FilterListConfiguration": {"MatchOperator": "CONTAINS", "CategoryValues": values}
                    },
                }
            }
        ],
        "ScopeConfiguration": {
            "SelectedSheets": {
                "SheetVisualScopingConfigurations": [
                    {"SheetId": SHEET_ID, "Scope": "SELECTED_VISUALS", "VisualIds": visual_ids}
                ]
            }
        },
    }


# (visual id, the visual) in reading order; the grid puts two per row.
def visuals() -> list[dict[str, Any]]:
    return [
        _line(
            "bytes-over-time",
            "Bytes over time (by flow start hour)",
            _hour("start-hour", FLOWS, "start_time"),
            _sum("bytes-sum", FLOWS, "bytes"),
        ),
        _line(
            "flows-by-action",
            "Accepted vs rejected flows over time",
            _hour("action-start-hour", FLOWS, "start_time"),
            _count("flow-count", FLOWS, "action"),
            colors=[_category("action", FLOWS, "action")],
        ),
        _bar(
            "top-rejected-sources",
            "Top 25 rejected source addresses",
            _category("rejected-source", FLOWS, "sourceaddress"),
            _count("rejected-count", FLOWS, "sourceaddress"),
            top=25,
        ),
        _bar(
            "top-rejected-ports",
            "Top destination ports among rejects",
            _number_dimension("rejected-port", FLOWS, "destinationport"),
            _count("rejected-port-count", FLOWS, "destinationport"),
            top=15,
        ),
        _bar(
            "top-talkers",
            "Top talkers (source -> destination) by bytes",
            _category("talker", FLOWS, "talker"),
            _sum("talker-bytes", FLOWS, "bytes"),
            top=15,
        ),
        _pie(
            "protocol-mix",
            "Protocol mix (flows)",
            _category("protocol-name", FLOWS, "protocol_name"),
            _count("protocol-count", FLOWS, "protocol"),
        ),
        _bar(
            "quality-per-hour",
            "Data quality per ingest hour (rows flagged per check)",
            _category("quality-hour", QUALITY, "ingestdatetime"),
            _sum("quality-value", QUALITY, "value"),
            colors=[_category("quality-check", QUALITY, "check_name")],
            orientation="VERTICAL",
            sort_by_value=False,
        ),
    ]


# Visuals of the fields a custom LogFormat may add: drawn only when the flows dataset has their columns, so
# the default format's dashboard stays the blog's questions and a richer format answers more.
def extra_visuals(columns: set[str]) -> list[dict[str, Any]]:
    found = []
    if "vpc_id" in columns:
        found.append(_bar("bytes-by-vpc", "Bytes by VPC", _category("vpc", FLOWS, "vpc_id"),
                          _sum("vpc-bytes", FLOWS, "bytes"), top=15))  # fmt: skip
    if "instance_id" in columns:
        found.append(_bar("top-instances", "Top instances by bytes", _category("instance", FLOWS, "instance_id"),
                          _sum("instance-bytes", FLOWS, "bytes"), top=15))  # fmt: skip
    if "flow_direction" in columns:
        found.append(_pie("flow-direction", "Ingress vs egress (flows)",
                          _category("direction", FLOWS, "flow_direction"), _count("direction-count", FLOWS, "flow_direction")))  # fmt: skip
    if "pkt_dst_aws_service" in columns:
        found.append(_bar("aws-services", "Bytes to AWS services", _category("aws-service", FLOWS, "pkt_dst_aws_service"),
                          _sum("aws-service-bytes", FLOWS, "bytes"), top=15))  # fmt: skip
    if "reject_reason" in columns:
        found.append(_bar("reject-reasons", "Rejects by reason", _category("reject-reason", FLOWS, "reject_reason"),
                          _count("reject-reason-count", FLOWS, "reject_reason"), top=10))  # fmt: skip
    return found


def visual_id(visual: dict[str, Any]) -> str:
    return next(iter(visual.values()))["VisualId"]


def _layout(ids: list[str]) -> list[dict[str, Any]]:
    span = GRID_COLUMNS // 2
    elements = [
        {
            "ElementId": vid,
            "ElementType": "VISUAL",
            "ColumnIndex": (i % 2) * span,
            "ColumnSpan": span,
            "RowIndex": (i // 2) * 12,
            "RowSpan": 12,
        }
        for i, vid in enumerate(ids)
    ]
    return [{"Configuration": {"GridLayout": {"Elements": elements}}}]


def build_definition(
    flows_data_set_arn: str, quality_data_set_arn: str, extra_columns: set[str] | frozenset[str] = frozenset()
) -> dict[str, Any]:
    """The DashboardVersionDefinition for CreateDashboard/UpdateDashboard; ``extra_columns`` are the flows
    dataset's columns beyond version 2 (the stack's LogFormat), which add their visuals."""
    sheet_visuals = visuals() + extra_visuals(set(extra_columns))
    ids = [visual_id(v) for v in sheet_visuals]
    ok_visuals = [i for i in ids if i != "quality-per-hour"]
    rejects = ["top-rejected-sources", "top-rejected-ports"] + (
        ["reject-reasons"] if "reject-reasons" in ids else []
    )
    return {
        "DataSetIdentifierDeclarations": [
            {"Identifier": FLOWS, "DataSetArn": flows_data_set_arn},
            {"Identifier": QUALITY, "DataSetArn": quality_data_set_arn},
        ],
        "CalculatedFields": [
            {"DataSetIdentifier": FLOWS, "Name": "talker", "Expression": TALKER},
            {"DataSetIdentifier": FLOWS, "Name": "protocol_name", "Expression": PROTOCOL_NAME},
        ],
        "Sheets": [
            {
                "SheetId": SHEET_ID,
                "Name": "Overview",
                "Title": "VPC Flow Logs",
                "Visuals": sheet_visuals,
                "Layouts": _layout(ids),
            }
        ],
        "FilterGroups": [
            # NODATA/SKIPDATA records carry no flow: every flow visual counts OK records only.
            _filter_group("ok-records", FLOWS, "logstatus", ["OK"], ok_visuals),
            _filter_group("rejects-only", FLOWS, "action", ["REJECT"], rejects),
            _filter_group("flagged-checks", QUALITY, "check_name", QUALITY_CHECKS, ["quality-per-hour"]),
        ],
        "AnalysisDefaults": {
            "DefaultNewSheetConfiguration": {
                "InteractiveLayoutConfiguration": {
                    "Grid": {"CanvasSizeOptions": {"ScreenCanvasSizeOptions": {"ResizeOption": "RESPONSIVE"}}}
                },
                "SheetContentType": "INTERACTIVE",
            }
        },
    }
