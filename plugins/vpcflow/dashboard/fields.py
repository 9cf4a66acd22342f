"""Field wells' building blocks of the dashboard definition: columns, dimensions, measures and formats.

Each function returns a piece of QuickSight's DashboardVersionDefinition as the API reference spells it;
field ids must be unique within a definition, so every caller names its own.
"""

from __future__ import annotations

from typing import Any

FLOWS = "flows"
QUALITY = "quality"
FINDINGS = "findings"

# QuickSight's AUTO scale writes K, M, B (billions) and T: " bytes" after it reads "45.2M bytes", where a
# "B" suffix would make "1.2BB" of a billion bytes.
BYTES_FORMAT = {
    "NumberDisplayFormatConfiguration": {
        "Suffix": " bytes",
        "NumberScale": "AUTO",
        "DecimalPlacesConfiguration": {"DecimalPlaces": 1},
    }
}
COUNT_FORMAT = {
    "NumberDisplayFormatConfiguration": {
        "NumberScale": "AUTO",
        "DecimalPlacesConfiguration": {"DecimalPlaces": 1},
    }
}
# Ports and other numbers that name something are written without thousands separators.
PLAIN_NUMBER = {
    "NumberFormatConfiguration": {
        "FormatConfiguration": {
            "NumberDisplayFormatConfiguration": {
                "SeparatorConfiguration": {"ThousandsSeparator": {"Visibility": "HIDDEN"}}
            }
        }
    }
}
PERCENT_FORMAT = {
    "PercentageDisplayFormatConfiguration": {"DecimalPlacesConfiguration": {"DecimalPlaces": 1}}
}


def column(data_set: str, name: str) -> dict[str, str]:
    return {"DataSetIdentifier": data_set, "ColumnName": name}


def title(text: str) -> dict[str, Any]:
    return {"Visibility": "VISIBLE", "FormatText": {"PlainText": text}}


def subtitle(text: str) -> dict[str, Any]:
    return {"Visibility": "VISIBLE", "FormatText": {"PlainText": text}}


def hour(field_id: str, data_set: str, name: str) -> dict[str, Any]:
    return {
        "DateDimensionField": {
            "FieldId": field_id,
            "Column": column(data_set, name),
            "DateGranularity": "HOUR",
            "FormatConfiguration": {"DateTimeFormat": "MM-dd HH:mm"},
        }
    }


def category(field_id: str, data_set: str, name: str) -> dict[str, Any]:
    return {"CategoricalDimensionField": {"FieldId": field_id, "Column": column(data_set, name)}}


def number_dimension(field_id: str, data_set: str, name: str) -> dict[str, Any]:
    return {"NumericalDimensionField": {"FieldId": field_id, "Column": column(data_set, name)}}


def numeric(
    field_id: str, data_set: str, name: str, aggregation: str = "SUM", fmt: dict | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "FieldId": field_id,
        "Column": column(data_set, name),
        "AggregationFunction": {"SimpleNumericalAggregation": aggregation},
    }
    if fmt:
        body["FormatConfiguration"] = {"FormatConfiguration": fmt}
    return {"NumericalMeasureField": body}


def count(field_id: str, data_set: str, name: str, aggregation: str = "COUNT") -> dict[str, Any]:
    return {
        "CategoricalMeasureField": {
            "FieldId": field_id,
            "Column": column(data_set, name),
            "AggregationFunction": aggregation,
            "FormatConfiguration": {"NumericFormatConfiguration": COUNT_FORMAT},
        }
    }


def latest(field_id: str, data_set: str, name: str) -> dict[str, Any]:
    return {
        "DateMeasureField": {
            "FieldId": field_id,
            "Column": column(data_set, name),
            "AggregationFunction": "MAX",
            "FormatConfiguration": {"DateTimeFormat": "yyyy-MM-dd HH:mm"},
        }
    }


def raw(field_id: str, data_set: str, name: str, fmt: dict | None = None) -> dict[str, Any]:
    """A table's unaggregated column."""
    body: dict[str, Any] = {"FieldId": field_id, "Column": column(data_set, name)}
    if fmt:
        body["FormatConfiguration"] = fmt
    return body


def field_id(spec: dict[str, Any]) -> str:
    return next(iter(spec.values()))["FieldId"]


def sort(field: str, direction: str) -> list[dict[str, Any]]:
    return [{"FieldSort": {"FieldId": field, "Direction": direction}}]


def top(n: int) -> dict[str, Any]:
    return {"ItemsLimit": n, "OtherCategories": "EXCLUDE"}


def axis_label(text: str) -> dict[str, Any]:
    return {"Visibility": "VISIBLE", "AxisLabelOptions": [{"CustomLabel": text}]}
