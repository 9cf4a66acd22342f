"""Filter groups -> the WHERE and HAVING clauses of one visual.

A group narrows the visuals in its scope (a sheet, or selected visuals of it); with SINGLE_DATASET a filter
narrows only visuals of its own dataset. Filters on an aggregation (AggregationFunction) compare each
category's aggregate, so they become HAVING clauses of the visual's GROUP BY. A filter bound to a
parameter that is unset filters nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from localaws.dashboard.datasets import DataSetView, Unsupported
from localaws.dashboard.expressions import UnsupportedExpression, to_sql
from localaws.dashboard.sqlfields import DATE_AGGREGATIONS, NUMERIC_AGGREGATIONS, Fields

CATEGORY_OPERATORS = {
    "EQUALS": "{c} = {v}",
    "DOES_NOT_EQUAL": "{c} <> {v}",
    "CONTAINS": "contains({c}, {v})",
    "DOES_NOT_CONTAIN": "NOT contains({c}, {v})",
    "STARTS_WITH": "starts_with({c}, {v})",
    "ENDS_WITH": "suffix({c}, {v})",
}


def literal(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "NULL"}[value]
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime):
        return f"TIMESTAMP '{value:%Y-%m-%d %H:%M:%S}'"
    return "'" + str(value).replace("'", "''") + "'"


@dataclass
class Clauses:
    where: list[str] = field(default_factory=list)
    having: list[str] = field(default_factory=list)


def in_scope(group: dict[str, Any], sheet_id: str, visual_id: str) -> bool:
    scope = group.get("ScopeConfiguration") or {}
    if "AllSheets" in scope:
        return True
    for config in (scope.get("SelectedSheets") or {}).get("SheetVisualScopingConfigurations", []):
        if config.get("SheetId") != sheet_id:
            continue
        if config.get("Scope") == "ALL_VISUALS" or visual_id in (config.get("VisualIds") or []):
            return True
    return False


def _nulls(option: str | None, column: str, condition: str) -> str:
    if option == "NULLS_ONLY":
        return f"{column} IS NULL"
    if option == "ALL_VALUES":
        return f"({column} IS NULL OR {condition})"
    return f"({column} IS NOT NULL AND {condition})"


class FilterCompiler:
    def __init__(self, definition: dict[str, Any], fields: Fields):
        self.groups = definition.get("FilterGroups", [])
        self.fields = fields

    def clauses(self, sheet_id: str, visual_id: str, view: DataSetView) -> Clauses:
        found = Clauses()
        for group in self.groups:
            if group.get("Status", "ENABLED") != "ENABLED" or not in_scope(group, sheet_id, visual_id):
                continue
            for spec in group.get("Filters", []):
                kind, body = next(iter(spec.items()))
                if body["Column"].get("DataSetIdentifier") != view.identifier:
                    continue  # SINGLE_DATASET: a filter narrows only visuals of its own dataset
                handler = getattr(self, f"_{kind}", None)
                if handler is None:
                    raise Unsupported(f"filter {body.get('FilterId')}: {kind}")
                handler(body, view, found)
        return found

    def _parameter(self, name: str | None) -> Any:
        return None if name is None else self.fields.parameters.value(name)

    def _CategoryFilter(self, body: dict, view: DataSetView, out: Clauses) -> None:  # noqa: N802
        column = self.fields.column_sql(view, body["Column"]["ColumnName"])
        config = body.get("Configuration") or {}
        if "FilterListConfiguration" in config or "CustomFilterListConfiguration" in config:
            listed = config.get("FilterListConfiguration") or config["CustomFilterListConfiguration"]
            values = listed.get("CategoryValues") or []
            if listed.get("SelectAllOptions") == "FILTER_ALL_VALUES" or not values:
                return
            joined = ", ".join(literal(v) for v in values)
            operator = listed.get("MatchOperator")
            if operator == "CONTAINS":
                out.where.append(f"{column} IN ({joined})")
            elif operator == "DOES_NOT_CONTAIN":
                out.where.append(f"({column} IS NULL OR {column} NOT IN ({joined}))")
            else:
                raise Unsupported(f"filter {body.get('FilterId')}: MatchOperator {operator} of a value list")
            return
        custom = config.get("CustomFilterConfiguration")
        if custom is None:
            raise Unsupported(f"filter {body.get('FilterId')}: category filter configuration {list(config)}")
        value = (
            self._parameter(custom["ParameterName"])
            if "ParameterName" in custom
            else custom.get("CategoryValue")
        )
        if value is None:
            return  # unset parameter, or "select all"
        operator = CATEGORY_OPERATORS.get(custom.get("MatchOperator", ""))
        if operator is None:
            raise Unsupported(f"filter {body.get('FilterId')}: MatchOperator {custom.get('MatchOperator')}")
        condition = operator.format(c=f"CAST({column} AS VARCHAR)", v=literal(str(value)))
        out.where.append(_nulls(custom.get("NullOption"), column, condition))

    def _aggregate(self, body: dict, column: str) -> str | None:
        function = body.get("AggregationFunction")
        if not function:
            return None
        kind, name = next(iter(function.items()))
        if kind == "NumericalAggregationFunction":
            name = name.get("SimpleNumericalAggregation")
            template = NUMERIC_AGGREGATIONS.get(name)
        elif kind in ("CategoricalAggregationFunction", "DateAggregationFunction"):
            template = DATE_AGGREGATIONS.get(name)
        else:
            template = None
        if template is None:
            raise Unsupported(f"filter {body.get('FilterId')}: aggregation {function}")
        return template.format(column) if "{}" in template else f"{template}({column})"

    def _NumericEqualityFilter(self, body: dict, view: DataSetView, out: Clauses) -> None:  # noqa: N802
        column = self.fields.column_sql(view, body["Column"]["ColumnName"])
        value = self._parameter(body["ParameterName"]) if "ParameterName" in body else body.get("Value")
        if value is None:
            return
        compare = "=" if body.get("MatchOperator", "EQUALS") == "EQUALS" else "<>"
        aggregate = self._aggregate(body, column)
        if aggregate:
            out.having.append(f"{aggregate} {compare} {literal(value)}")
        else:
            out.where.append(_nulls(body.get("NullOption"), column, f"{column} {compare} {literal(value)}"))

    def _bound(self, spec: dict | None, key: str) -> Any:
        if not spec:
            return None
        if "Parameter" in spec:
            return self._parameter(spec["Parameter"])
        if "RollingDate" in spec:
            try:
                return _Raw(
                    f"({to_sql(spec['RollingDate']['Expression'], parameter=self.fields.parameters.sql)})"
                )
            except UnsupportedExpression as err:
                raise Unsupported(f"RollingDate: {err}") from err
        return spec.get(key)

    def _range(self, body: dict, column: str, low: Any, high: Any) -> list[str]:
        parts = []
        if low is not None:
            parts.append(f"{column} {'>=' if body.get('IncludeMinimum', True) else '>'} {_sql(low)}")
        if high is not None:
            parts.append(f"{column} {'<=' if body.get('IncludeMaximum', True) else '<'} {_sql(high)}")
        return parts

    def _NumericRangeFilter(self, body: dict, view: DataSetView, out: Clauses) -> None:  # noqa: N802
        if body.get("SelectAllOptions") == "FILTER_ALL_VALUES":
            return
        column = self.fields.column_sql(view, body["Column"]["ColumnName"])
        low = self._bound(body.get("RangeMinimum"), "StaticValue")
        high = self._bound(body.get("RangeMaximum"), "StaticValue")
        aggregate = self._aggregate(body, column)
        if aggregate:
            out.having.extend(self._range(body, aggregate, low, high))
        elif low is not None or high is not None:
            out.where.append(
                _nulls(body.get("NullOption"), column, " AND ".join(self._range(body, column, low, high)))
            )

    def _TimeRangeFilter(self, body: dict, view: DataSetView, out: Clauses) -> None:  # noqa: N802
        column = self.fields.column_sql(view, body["Column"]["ColumnName"])
        low = self._bound(body.get("RangeMinimumValue"), "StaticValue")
        high = self._bound(body.get("RangeMaximumValue"), "StaticValue")
        if low is None and high is None:
            return
        unit = (body.get("TimeGranularity") or "MILLISECOND").lower()
        truncated = f"date_trunc('{unit}', CAST({column} AS TIMESTAMP))"
        bounds = [
            None if b is None else f"date_trunc('{unit}', CAST({_sql(b)} AS TIMESTAMP))" for b in (low, high)
        ]
        parts = self._range(body, truncated, *[None if b is None else _Raw(b) for b in bounds])
        out.where.append(_nulls(body.get("NullOption"), column, " AND ".join(parts)))


class _Raw(str):
    """SQL already (a RollingDate expression or a truncated bound), not a value to quote."""


def _sql(value: Any) -> str:
    return value if isinstance(value, _Raw) else literal(value)
