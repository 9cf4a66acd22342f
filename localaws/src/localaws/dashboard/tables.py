"""KPI tiles and tables -> their values, with DuckDB.

A KPI is its first value aggregated over every row in its filters' scope. A table is either unaggregated
(TableUnaggregatedFieldWells: the rows themselves, sorted by RowSort, one page of PaginationConfiguration
at a time, with the total the filters select; a field whose FieldOptions say HIDDEN sorts but is not
shown) or aggregated (GroupBy fields and aggregated values).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from localaws.dashboard.charts import number
from localaws.dashboard.datasets import Unsupported, quote
from localaws.dashboard.expressions import java_date_format
from localaws.dashboard.filters import Clauses
from localaws.dashboard.sqlfields import Fields, number_format

DEFAULT_PAGE_SIZE = 100


def _cell(value: Any, date_format: str | None) -> Any:
    if isinstance(value, datetime):
        return value.strftime(date_format or "%Y-%m-%d %H:%M:%S")
    if isinstance(value, int | float):
        return number(value)
    return value


def kpi_data(con: Any, fields: Fields, body: dict[str, Any], clauses_of, out: dict) -> None:
    wells = ((body.get("ChartConfiguration") or {}).get("FieldWells")) or {}
    if not wells.get("Values"):
        raise Unsupported("a KPI without a value field")
    if wells.get("TargetValues") or wells.get("TrendGroups"):
        raise Unsupported("KPI targets and trend groups")
    view = fields.view_of(wells["Values"][0])
    out["data_set"] = view.identifier
    measure = fields.measure(view, wells["Values"][0])
    clauses: Clauses = clauses_of(view)
    having = f"HAVING {' AND '.join(clauses.having)}" if clauses.having else ""
    (value,) = con.execute(
        f"SELECT {measure.sql} FROM {quote(view.identifier)} WHERE {' AND '.join(clauses.where) or 'true'} {having}"
    ).fetchone() or (None,)
    out.update(value=_cell(value, measure.date_format), format=measure.format, value_label=measure.label)


def _options(chart: dict[str, Any]) -> dict[str, str]:
    return {
        o["FieldId"]: o["CustomLabel"]
        for o in ((chart.get("FieldOptions") or {}).get("SelectedFieldOptions") or [])
        if o.get("CustomLabel")
    }


def _unaggregated_column(
    fields: Fields, view, spec: dict[str, Any]
) -> tuple[str, str, str | None, dict | None]:
    """(SQL, field id, date format, number format) of a table's unaggregated field."""
    name = spec["Column"]["ColumnName"]
    config = spec.get("FormatConfiguration") or {}
    pattern = (config.get("DateTimeFormatConfiguration") or {}).get("DateTimeFormat")
    numeric = ((config.get("NumberFormatConfiguration") or {}).get("FormatConfiguration")) or None
    return (fields.column_sql(view, name), spec["FieldId"], java_date_format(pattern) if pattern else None,
            number_format(numeric))  # fmt: skip


def _hidden(chart: dict[str, Any]) -> set[str]:
    """Fields a table sorts or computes by but does not show (TableFieldOption Visibility HIDDEN)."""
    return {
        o["FieldId"]
        for o in ((chart.get("FieldOptions") or {}).get("SelectedFieldOptions") or [])
        if o.get("Visibility") == "HIDDEN"
    }


def table_data(con: Any, fields: Fields, body: dict[str, Any], clauses_of, out: dict, page: int = 1) -> None:
    chart = body.get("ChartConfiguration") or {}
    wells = chart.get("FieldWells") or {}
    labels = _options(chart)
    sort = chart.get("SortConfiguration") or {}
    pagination = sort.get("PaginationConfiguration") or {}
    size = int(pagination.get("PageSize") or DEFAULT_PAGE_SIZE)
    page = max(1, page)
    if "TableUnaggregatedFieldWells" in wells:
        specs = wells["TableUnaggregatedFieldWells"].get("Values") or []
        if not specs:
            raise Unsupported("a table without fields")
        view = fields.data_sets.get(specs[0]["Column"]["DataSetIdentifier"])
        columns = [_unaggregated_column(fields, view, s) for s in specs]
        select = ", ".join(sql for sql, _, _, _ in columns)
        group = ""
        date_formats = [d for _, _, d, _ in columns]
        formats = [f for _, _, _, f in columns]
        ids = [i for _, i, _, _ in columns]
        names = [s["Column"]["ColumnName"] for s in specs]
    elif "TableAggregatedFieldWells" in wells:
        aggregated = wells["TableAggregatedFieldWells"]
        specs = (aggregated.get("GroupBy") or []) + (aggregated.get("Values") or [])
        if not specs:
            raise Unsupported("a table without fields")
        view = fields.view_of(specs[0])
        dimensions = [fields.dimension(view, s) for s in aggregated.get("GroupBy") or []]
        measures = [fields.measure(view, s) for s in aggregated.get("Values") or []]
        select = ", ".join([d.label for d in dimensions] + [m.sql for m in measures])
        group = f"GROUP BY {', '.join(str(i + 1) for i in range(len(dimensions)))}" if dimensions else ""
        date_formats = [None] * len(dimensions) + [m.date_format for m in measures]
        formats = [None] * len(dimensions) + [m.format for m in measures]
        ids = [d.field_id for d in dimensions] + [m.field_id for m in measures]
        names = [d.column for d in dimensions] + [m.label for m in measures]
    else:
        raise Unsupported(f"table field wells {list(wells)}")
    out["data_set"] = view.identifier
    clauses: Clauses = clauses_of(view)
    where = " AND ".join(clauses.where) or "true"
    having = f"HAVING {' AND '.join(clauses.having)}" if clauses.having else ""
    order = []
    for option in sort.get("RowSort") or []:
        field_sort = option.get("FieldSort") or {}
        if field_sort.get("FieldId") in ids:
            position = ids.index(field_sort["FieldId"]) + 1
            order.append(
                f"{position} {'DESC' if field_sort.get('Direction') == 'DESC' else 'ASC'} NULLS LAST"
            )
    order_by = f"ORDER BY {', '.join(order + [str(i + 1) for i in range(len(ids))])}"
    base = f"SELECT {select} FROM {quote(view.identifier)} WHERE {where} {group} {having}"
    (total,) = con.execute(f"SELECT count(*) FROM ({base})").fetchone()
    rows = con.execute(f"{base} {order_by} LIMIT {size} OFFSET {(page - 1) * size}").fetchall()
    shown = [k for k, i in enumerate(ids) if i not in _hidden(chart)]
    out["columns"] = [
        {"id": ids[k], "label": labels.get(ids[k], names[k]), "format": formats[k]} for k in shown
    ]
    out["rows"] = [[_cell(row[k], date_formats[k]) for k in shown] for row in rows]
    out.update(total=total, page=page, page_size=size)
