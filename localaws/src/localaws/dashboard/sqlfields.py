"""Field wells -> DuckDB SQL: columns (calculated fields and parameters included), dimensions, measures,
and what the page needs to show their values (number formats, date formats, colours per value)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from localaws.dashboard.datasets import DataSets, DataSetView, Unsupported, quote
from localaws.dashboard.expressions import UnsupportedExpression, java_date_format, to_sql
from localaws.dashboard.parameters import Parameters

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
DATE_AGGREGATIONS = {"COUNT": "count", "DISTINCT_COUNT": "count(DISTINCT {})", "MIN": "min", "MAX": "max"}
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


@dataclass(frozen=True)
class Dimension:
    label: str  # SQL of the category's key (a string; ISO 8601 for dates)
    order: str  # SQL to sort categories by
    field_id: str
    column: str
    granularity: str | None = None  # dates: the DateGranularity
    date_format: str | None = None  # dates: strftime for labels


@dataclass(frozen=True)
class Measure:
    sql: str
    field_id: str
    label: str
    column: str
    format: dict[str, Any] | None
    date_format: str | None = None  # a date measure (MIN/MAX of a date)


def number_format(config: dict[str, Any] | None) -> dict[str, Any] | None:
    """A NumericFormatConfiguration as the page applies it: kind, prefix, suffix, scale, decimals."""
    if not config:
        return None
    kind, body = next(iter(config.items()))
    decimals = (body.get("DecimalPlacesConfiguration") or {}).get("DecimalPlaces")
    out = {"kind": "percent" if kind == "PercentageDisplayFormatConfiguration" else "number"}
    out.update(prefix=body.get("Prefix", ""), suffix=body.get("Suffix", ""), decimals=decimals)
    out["scale"] = body.get("NumberScale", "NONE")
    separators = (body.get("SeparatorConfiguration") or {}).get("ThousandsSeparator") or {}
    out["grouping"] = separators.get("Visibility") != "HIDDEN"
    if kind == "CurrencyDisplayFormatConfiguration":
        out["prefix"] = body.get("Prefix") or body.get("Symbol", "")
    return out


class Fields:
    def __init__(self, definition: dict[str, Any], data_sets: DataSets, parameters: Parameters):
        self.data_sets = data_sets
        self.parameters = parameters
        self.column_configs: dict[tuple[str, str], dict[str, Any]] = {}
        for config in definition.get("ColumnConfigurations") or []:
            col = config["Column"]
            self.column_configs[(col.get("DataSetIdentifier", ""), col["ColumnName"])] = config

    def column_sql(self, view: DataSetView, name: str, seen: tuple[str, ...] = ()) -> str:
        if name not in view.calculated:
            return quote(name)
        if name in seen:
            raise Unsupported(f"calculated field {name} refers to itself")
        try:
            sql = to_sql(
                view.calculated[name],
                lambda c: self.column_sql(view, c, (*seen, name)),
                self.parameters.sql,
            )
        except UnsupportedExpression as err:
            raise Unsupported(f"calculated field {name}: {err}") from err
        return f"({sql})"

    def view_of(self, spec: dict[str, Any]) -> DataSetView:
        body = next(iter(spec.values()))
        return self.data_sets.get(body["Column"]["DataSetIdentifier"])

    def dimension(self, view: DataSetView, spec: dict[str, Any]) -> Dimension:
        kind, body = next(iter(spec.items()))
        name = body["Column"]["ColumnName"]
        column = self.column_sql(view, name)
        if kind == "DateDimensionField":
            granularity = body.get("DateGranularity", "DAY")
            if granularity not in DATE_FORMATS:
                raise Unsupported(f"DateGranularity {granularity}")
            unit = "week" if granularity == "WEEK" else granularity.lower()
            truncated = f"date_trunc('{unit}', CAST({column} AS TIMESTAMP))"
            pattern = (body.get("FormatConfiguration") or {}).get("DateTimeFormat")
            fmt = java_date_format(pattern) if pattern else DATE_FORMATS[granularity]
            label = f"strftime({truncated}, '%Y-%m-%dT%H:%M:%S')"
            return Dimension(label, truncated, body["FieldId"], name, granularity, fmt)
        if kind in ("CategoricalDimensionField", "NumericalDimensionField"):
            return Dimension(f"CAST({column} AS VARCHAR)", column, body["FieldId"], name)
        raise Unsupported(f"dimension field {kind}")

    def measure(self, view: DataSetView, spec: dict[str, Any]) -> Measure:
        kind, body = next(iter(spec.items()))
        name = body["Column"]["ColumnName"]
        column = self.column_sql(view, name)
        date_format = None
        if kind == "NumericalMeasureField":
            function = (body.get("AggregationFunction") or {}).get("SimpleNumericalAggregation", "SUM")
            allowed = NUMERIC_AGGREGATIONS
            fmt = ((body.get("FormatConfiguration") or {}).get("FormatConfiguration")) or None
        elif kind == "CategoricalMeasureField":
            function = body.get("AggregationFunction", "COUNT")
            allowed = {k: NUMERIC_AGGREGATIONS[k] for k in ("COUNT", "DISTINCT_COUNT")}
            fmt = (body.get("FormatConfiguration") or {}).get("NumericFormatConfiguration")
        elif kind == "DateMeasureField":
            function = body.get("AggregationFunction", "COUNT")
            allowed = DATE_AGGREGATIONS
            fmt = None
            pattern = (body.get("FormatConfiguration") or {}).get("DateTimeFormat")
            if function in ("MIN", "MAX"):
                date_format = java_date_format(pattern) if pattern else DATE_FORMATS["MINUTE"]
        else:
            raise Unsupported(f"measure field {kind}")
        if function not in allowed:
            raise Unsupported(f"aggregation {function} of {kind}")
        template = allowed[function]
        sql = template.format(column) if "{}" in template else f"{template}({column})"
        if fmt is None and function in ("SUM", "AVERAGE", "MIN", "MAX", "MEDIAN"):
            fmt = self.column_format(view.identifier, name)
        label = f"{function.replace('_', ' ').title()} of {name}"
        return Measure(sql, body["FieldId"], label, name, number_format(fmt), date_format)

    def column_format(self, identifier: str, name: str) -> dict[str, Any] | None:
        config = self.column_configs.get((identifier, name)) or {}
        return ((config.get("FormatConfiguration") or {}).get("NumberFormatConfiguration") or {}).get(
            "FormatConfiguration"
        )

    def colours(self, identifier: str, name: str) -> dict[str, str]:
        """Value -> colour from the definition's ColumnConfigurations: the same colour on every refresh."""
        config = self.column_configs.get((identifier, name)) or {}
        return {
            c["FieldValue"]: c["Color"]
            for c in (config.get("ColorsConfiguration") or {}).get("CustomColors", [])
            if "FieldValue" in c
        }
