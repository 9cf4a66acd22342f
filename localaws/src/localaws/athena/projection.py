"""Partition projection: a table whose TBLPROPERTIES say ``projection.enabled`` has its partitions
computed from those properties, not read from Glue (Glue's partitions of it are ignored, as on Athena).

docs.aws.amazon.com/athena/latest/ug/partition-projection-supported-types.html: ``integer`` (range,
interval, digits), ``enum`` (values), ``date`` (range with NOW[+-N UNIT], a Java date format,
interval, interval.unit), ``injected`` (values from the query's equality predicates, else
CONSTRAINT_VIOLATION: partition-projection-dynamic-id-partitioning.html); locations from
``storage.location.template`` (``${col}``) or ``<LOCATION>/col=value/``. Any other projection type
or setting localaws does not know is refused, never read as "no partitions".
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from itertools import product

from localaws.athena.catalog import Partition, Table
from localaws.athena.errors import QueryFailed
from localaws.athena.functions import java_to_strftime
from localaws.athena.s3 import as_dir

MAX_PARTITIONS = 1_000_000  # Athena's limit on the partitions one projected query may touch
_UNITS = {
    "YEARS": "years",
    "MONTHS": "months",
    "WEEKS": "weeks",
    "DAYS": "days",
    "HOURS": "hours",
    "MINUTES": "minutes",
    "SECONDS": "seconds",
}


def enabled(table: Table) -> bool:
    return table.parameters.get("projection.enabled", "").strip().lower() == "true"


def _refuse(table: Table, what: str) -> QueryFailed:
    return QueryFailed(
        "HIVE_METASTORE_ERROR",
        f"Table {table.database}.{table.name}: partition projection {what} is not supported by localaws",
    )


def _shift(t: dt.datetime, amount: int, unit: str) -> dt.datetime:
    if unit in ("years", "months"):
        months = t.month - 1 + amount * (12 if unit == "years" else 1)
        year, month = t.year + months // 12, months % 12 + 1
        return t.replace(year=year, month=month, day=min(t.day, calendar.monthrange(year, month)[1]))
    return t + dt.timedelta(**{unit: amount})


def _date_bound(text: str, fmt: str, now: dt.datetime) -> dt.datetime:
    text = text.strip()
    m = re.fullmatch(r"NOW(?:\s*([+-])\s*(\d+)\s*([A-Z]+?)S?)?", text.upper())
    if m:
        if not m.group(1):
            return now
        unit = _UNITS.get(m.group(3) + "S")
        if unit is None:
            raise ValueError(f"unit in {text!r}")
        return _shift(now, int(m.group(2)) * (1 if m.group(1) == "+" else -1), unit)
    return dt.datetime.strptime(text, fmt)


def _values(table: Table, key: str, injected: dict[str, list[str]], now: dt.datetime) -> list[str]:
    p = table.parameters
    kind = p.get(f"projection.{key}.type", "").strip().lower()
    try:
        if kind == "enum":
            return [v.strip() for v in p[f"projection.{key}.values"].split(",") if v.strip()]
        if kind == "integer":
            low, high = (int(x) for x in p[f"projection.{key}.range"].split(","))
            step = int(p.get(f"projection.{key}.interval", "1"))
            digits = int(p.get(f"projection.{key}.digits", "0"))
            return [str(v).zfill(digits) for v in range(low, high + 1, step)]
        if kind == "date":
            fmt = java_to_strftime(p[f"projection.{key}.format"])
            start, end = (_date_bound(x, fmt, now) for x in p[f"projection.{key}.range"].split(","))
            step = int(p.get(f"projection.{key}.interval", "1"))
            default_unit = (
                "HOURS" if "%H" in fmt else "DAYS" if "%d" in fmt else "MONTHS" if "%m" in fmt else "YEARS"
            )
            unit = _UNITS[p.get(f"projection.{key}.interval.unit", default_unit).strip().upper()]
            out, t = [], start
            while t <= end and len(out) <= MAX_PARTITIONS:
                out.append(t.strftime(fmt))
                t = _shift(t, step, unit)
            return out
    except (KeyError, ValueError) as err:
        raise QueryFailed(
            "HIVE_METASTORE_ERROR",
            f"Table {table.database}.{table.name}: invalid partition projection for {key}: {err}",
        ) from err
    if kind == "injected":
        if not injected.get(key):
            raise QueryFailed(
                "CONSTRAINT_VIOLATION",
                f"For the injected projected partition column {key}, the WHERE clause must contain only "
                "static equality conditions, and at least one such condition must be present.",
            )
        return sorted(set(injected[key]))
    raise _refuse(table, f"type {kind or '(none)'} for column {key}")


def partitions(table: Table, injected: dict[str, list[str]], now: dt.datetime) -> list[Partition]:
    keys = [k.name for k in table.partition_keys]
    columns = [_values(table, k.lower(), injected, now) for k in keys]
    total = 1
    for values in columns:
        total *= len(values)
    if total > MAX_PARTITIONS:
        raise QueryFailed(
            "HIVE_EXCEEDED_PARTITION_LIMIT",
            f"Query over table '{table.database}.{table.name}' can potentially read more than "
            f"{MAX_PARTITIONS} partitions",
        )
    template = table.parameters.get("storage.location.template")
    out = []
    for combo in product(*columns):
        if template:
            location = template
            for k, v in zip(keys, combo, strict=True):
                location = re.sub(r"\$\{" + re.escape(k) + r"\}", v, location, flags=re.I)
        else:
            location = as_dir(table.location) + "/".join(f"{k}={v}" for k, v in zip(keys, combo, strict=True))
        out.append(Partition(list(combo), as_dir(location)))
    return out
