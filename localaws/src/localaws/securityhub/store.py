"""What localaws Security Hub keeps, per account and region: whether the hub is enabled, and the findings
imported into it (by product ARN and id, in import order)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Hub:
    subscribed_at: str
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class Region:
    account_id: str
    name: str
    hub: Hub | None = None
    findings: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def hub_arn(self) -> str:
        return f"arn:aws:securityhub:{self.name}:{self.account_id}:hub/default"

    @property
    def default_product_arn(self) -> str:
        """The product ARN of findings an account imports for itself (a custom integration)."""
        return f"arn:aws:securityhub:{self.name}:{self.account_id}:product/{self.account_id}/default"


class Store:
    def __init__(self, account_id: str):
        self.account_id = account_id
        self._regions: dict[str, Region] = {}
        self._lock = threading.Lock()

    def region(self, name: str) -> Region:
        with self._lock:
            if name not in self._regions:
                self._regions[name] = Region(self.account_id, name)
            return self._regions[name]

    def stats(self) -> dict[str, Any]:
        with self._lock:
            regions = list(self._regions.values())
        return {
            "hubs": sorted(r.name for r in regions if r.hub),
            "findings": sum(len(r.findings) for r in regions),
        }
