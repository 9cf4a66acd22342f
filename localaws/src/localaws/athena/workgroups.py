"""Athena workgroups: where results go, whether that is enforced, and the per-query scan cutoff."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from localaws.athena.errors import invalid

PRIMARY = "primary"
MIN_CUTOFF = 10_000_000  # Athena's smallest BytesScannedCutoffPerQuery
ENGINE = {"SelectedEngineVersion": "AUTO", "EffectiveEngineVersion": "Athena engine version 3"}


@dataclass
class WorkGroup:
    name: str
    description: str = ""
    state: str = "ENABLED"
    configuration: dict[str, Any] = field(default_factory=dict)
    created: float = field(default_factory=time.time)
    tags: list[dict[str, str]] = field(default_factory=list)

    @property
    def output_location(self) -> str | None:
        return (self.configuration.get("ResultConfiguration") or {}).get("OutputLocation")

    @property
    def enforced(self) -> bool:
        return bool(self.configuration.get("EnforceWorkGroupConfiguration", True))

    @property
    def cutoff(self) -> int | None:
        return self.configuration.get("BytesScannedCutoffPerQuery")

    def describe(self) -> dict[str, Any]:
        config = {
            "ResultConfiguration": dict(self.configuration.get("ResultConfiguration") or {}),
            "EnforceWorkGroupConfiguration": self.enforced,
            "PublishCloudWatchMetricsEnabled": bool(
                self.configuration.get("PublishCloudWatchMetricsEnabled", False)
            ),
            "RequesterPaysEnabled": bool(self.configuration.get("RequesterPaysEnabled", False)),
            "EngineVersion": ENGINE,
        }
        if self.cutoff is not None:
            config["BytesScannedCutoffPerQuery"] = self.cutoff
        return {
            "Name": self.name,
            "State": self.state,
            "Configuration": config,
            "Description": self.description,
            "CreationTime": self.created,
        }

    def summary(self) -> dict[str, Any]:
        return {
            "Name": self.name,
            "State": self.state,
            "Description": self.description,
            "CreationTime": self.created,
            "EngineVersion": ENGINE,
        }


def _validate_config(config: dict[str, Any]) -> None:
    cutoff = config.get("BytesScannedCutoffPerQuery")
    if cutoff is not None and (not isinstance(cutoff, int) or cutoff < MIN_CUTOFF):
        raise invalid(f"BytesScannedCutoffPerQuery must be at least {MIN_CUTOFF} bytes, got {cutoff!r}")
    loc = (config.get("ResultConfiguration") or {}).get("OutputLocation")
    if loc is not None and not str(loc).startswith("s3://"):
        raise invalid(f"OutputLocation must be an s3:// URI, got {loc!r}")


class WorkGroups:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._groups: dict[str, WorkGroup] = {PRIMARY: WorkGroup(PRIMARY, "")}

    def get(self, name: str | None) -> WorkGroup:
        name = name or PRIMARY
        with self._lock:
            group = self._groups.get(name)
        if group is None:
            raise invalid(f"WorkGroup {name} is not found.")
        return group

    def create(self, body: dict[str, Any]) -> None:
        name = body.get("Name") or ""
        config = body.get("Configuration") or {}
        _validate_config(config)
        with self._lock:
            if name in self._groups:
                raise invalid("WorkGroup is already created")
            self._groups[name] = WorkGroup(
                name, body.get("Description", ""), "ENABLED", dict(config), tags=list(body.get("Tags") or [])
            )

    def update(self, body: dict[str, Any]) -> None:
        group = self.get(body.get("WorkGroup"))
        updates = body.get("ConfigurationUpdates") or {}
        _validate_config(updates)
        with self._lock:
            if "Description" in body:
                group.description = body["Description"]
            if body.get("State"):
                group.state = body["State"]
            c = group.configuration
            for key in (
                "EnforceWorkGroupConfiguration",
                "PublishCloudWatchMetricsEnabled",
                "RequesterPaysEnabled",
                "BytesScannedCutoffPerQuery",
            ):
                if key in updates:
                    c[key] = updates[key]
            if updates.get("RemoveBytesScannedCutoffPerQuery"):
                c.pop("BytesScannedCutoffPerQuery", None)
            rc = updates.get("ResultConfigurationUpdates") or {}
            result = c.setdefault("ResultConfiguration", {})
            if "OutputLocation" in rc:
                result["OutputLocation"] = rc["OutputLocation"]
            if rc.get("RemoveOutputLocation"):
                result.pop("OutputLocation", None)

    def delete(self, name: str) -> None:
        if name == PRIMARY:
            raise invalid("The primary workgroup cannot be deleted.")
        self.get(name)
        with self._lock:
            self._groups.pop(name, None)

    def all(self) -> list[WorkGroup]:
        with self._lock:
            return sorted(self._groups.values(), key=lambda g: g.name)
