"""Hours as detections name them: the partition value ``YYYY-MM-DD-HH`` (UTC) of vpcflow's hourly tables."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_LABEL = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{2}$")


def parse_label(text: str) -> str:
    """``2026-11-26-05`` (or ``2026-11-26T05``, with optional ``:00:00`` and ``Z``) -> ``2026-11-26-05``."""
    raw = text.strip().removesuffix("Z").removesuffix("+00:00").removesuffix(":00:00")
    raw = raw.replace("T", "-") if "T" in raw else raw
    if not _LABEL.match(raw):
        raise ValueError(f"hour {text!r} is not a UTC hour like 2026-11-26-05")
    try:
        datetime.strptime(raw, "%Y-%m-%d-%H")
    except ValueError:
        raise ValueError(f"hour {text!r} is not a valid date and hour") from None
    return raw


def to_datetime(label: str) -> datetime:
    return datetime.strptime(parse_label(label), "%Y-%m-%d-%H").replace(tzinfo=UTC)


def to_label(hour: datetime) -> str:
    return f"{hour.astimezone(UTC):%Y-%m-%d-%H}"


def shift(label: str, hours: int) -> str:
    return to_label(to_datetime(label) + timedelta(hours=hours))


def span(first: str, last: str) -> list[str]:
    """Every hour from ``first`` to ``last``, both included."""
    start, stop = to_datetime(first), to_datetime(last)
    return [to_label(start + timedelta(hours=i)) for i in range(int((stop - start) / timedelta(hours=1)) + 1)]


def chunks(labels: list[str], size: int) -> list[list[str]]:
    """Sorted hours in groups of at most ``size``: one statement per group keeps results and IN lists small."""
    ordered = sorted(set(labels))
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]
