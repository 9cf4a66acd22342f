"""What QuickSight keeps, per account and region: data sources, datasets, ingestions, dashboards.

Resources are kept as dicts in the shapes the API returns, so Describe and List calls answer from them
directly; keys starting with "_" are localaws' own bookkeeping and never leave the service. The service
holds one lock over every region's state while a call or an ingestion thread touches it.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from localaws.quicksight.errors import invalid, not_found

# The kinds of resource ARN localaws keeps (tags address them) -> the Region attribute holding them.
RESOURCE_KINDS = {"datasource": "data_sources", "dataset": "data_sets", "dashboard": "dashboards"}


@dataclass
class Ingestion:
    data_set_id: str
    record: dict[str, Any]  # the Ingestion shape as DescribeIngestion returns it
    request_type: str
    extract: Path | None = None  # the dataset's SPICE extract, which this ingestion replaces
    started: float = 0.0
    cancelled: bool = False
    query_execution_id: str | None = None


@dataclass
class Settings:
    """The service's settings, one object shared by every region (a test may change them while it runs)."""

    spice_dir: Path  # the extracts, one Parquet file per dataset id
    daily_refresh_limit: int | None = None  # manual refreshes per dataset per 24 hours; None: no limit


@dataclass
class Region:
    account_id: str
    region: str
    settings: Settings
    data_sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    data_sets: dict[str, dict[str, Any]] = field(default_factory=dict)
    dashboards: dict[str, dict[str, Any]] = field(default_factory=dict)
    ingestions: dict[tuple[str, str], Ingestion] = field(default_factory=dict)
    # One ingestion runs per dataset at a time; later ones wait in order (Ingestion.QueueInfo).
    running: dict[str, str] = field(default_factory=dict)
    queued: dict[str, deque[str]] = field(default_factory=dict)
    # Ingestions whose turn has come; the service hands them to its runner once the call is done.
    ready: list[Ingestion] = field(default_factory=list)

    def arn(self, kind: str, resource_id: str) -> str:
        return f"arn:aws:quicksight:{self.region}:{self.account_id}:{kind}/{resource_id}"

    def resources(self, kind: str) -> dict[str, dict[str, Any]]:
        return getattr(self, RESOURCE_KINDS[kind])

    def data_set_by_arn(self, arn: str) -> dict[str, Any] | None:
        return next((d for d in self.data_sets.values() if d["Arn"] == arn), None)

    def data_source_by_arn(self, arn: str) -> dict[str, Any] | None:
        return next((d for d in self.data_sources.values() if d["Arn"] == arn), None)

    def extract_path(self, data_set_id: str) -> Path:
        return self.settings.spice_dir / f"{data_set_id}.parquet"

    def extract(self, data_set_id: str) -> Path | None:
        """The dataset's SPICE extract, or None before any ingestion completed."""
        path = self.extract_path(data_set_id)
        return path if path.exists() else None


def version_of(dashboard: dict[str, Any], number: Any = None, alias: str | None = None) -> dict[str, Any]:
    """A version by number or alias ($LATEST, $PUBLISHED); the published one by default."""
    if number in (None, "") and alias == "$LATEST":
        number = dashboard["_versions"][-1]["VersionNumber"]
    if number in (None, ""):
        number = dashboard["_published"]
    try:
        number = int(number)
    except (TypeError, ValueError) as err:
        raise invalid(f"VersionNumber {number!r} is not a number.") from err
    for version in dashboard["_versions"]:
        if version["VersionNumber"] == number:
            return version
    raise not_found("DASHBOARD", f"Version {number} of dashboard {dashboard['DashboardId']}")


def now() -> float:
    return time.time()


def public(record: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in record.items() if not key.startswith("_")}
