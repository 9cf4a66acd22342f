"""How detections are configured: the deployment's environment (``VPCFLOW_DETECT_*``), like the stack.

Allowlists (networks, known scanners, ports), thresholds and delivery targets are configuration, not run
parameters: whoever may trigger vpcflow_detections can ask for hours to be judged again (``hours`` in the
run's conf) and nothing else, so a run cannot silence a detector or send findings elsewhere.

| variable | default | meaning |
|---|---|---|
| VPCFLOW_DETECT_INTERNAL_CIDRS | RFC 1918, 100.64/10, 169.254/16 | IPv4 networks that are ours (egress = ours to elsewhere) |
| VPCFLOW_DETECT_ALLOW_CIDRS | (none) | peers never reported: flows from or to them are ignored |
| VPCFLOW_DETECT_ALLOW_SCANNERS | (none) | addresses whose scanning is expected (a vulnerability scanner) |
| VPCFLOW_DETECT_ALLOW_PORTS | (none) | destination ports the port-based detectors ignore |
| VPCFLOW_DETECT_DISABLED | (none) | detectors not run |
| VPCFLOW_DETECT_BASELINE_DAYS | 7 | how far back baselines look (1-30) |
| VPCFLOW_DETECT_INCIDENT_GAP_HOURS | 2 | quiet hours after which the same entity is a new incident |
| VPCFLOW_DETECT_EVIDENCE_FLOWS | 5 | flows a finding keeps as evidence |
| VPCFLOW_DETECT_<DETECTOR>_<THRESHOLD> | see detectors.py | e.g. VPCFLOW_DETECT_BRUTE_FORCE_MIN_ATTEMPTS=50 |
| VPCFLOW_SECURITY_HUB | import | import: into the account's hub; enable: vpcflow_provision enables the hub (no standards) too; off |
| VPCFLOW_DETECT_NOTIFY | true | publish new and escalated findings to the stack's alerts topic |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any

from vpcflow.detections import network
from vpcflow.detections.detectors import BY_NAME, DETECTORS, Detector
from vpcflow.model.config import ConfigError, refuse_identity

SECURITY_HUB_MODES = ("import", "enable", "off")
RUN_CONF_KEYS = frozenset({"hours"})


def _list(name: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
    raw = os.environ.get(f"VPCFLOW_{name}")
    return default if raw is None else tuple(v.strip() for v in raw.split(",") if v.strip())


def _int(name: str, default: int, low: int, high: int) -> int:
    raw = os.environ.get(f"VPCFLOW_{name}")
    try:
        value = default if raw is None else int(raw)
    except ValueError:
        raise ConfigError(f"environment variable VPCFLOW_{name}={raw!r} is not an integer") from None
    if not low <= value <= high:
        raise ConfigError(f"VPCFLOW_{name}={value} is invalid: expected {low}..{high}")
    return value


def _threshold(det: Detector, name: str, default: Any) -> Any:
    variable = f"VPCFLOW_DETECT_{det.name.upper()}_{name.upper()}"
    raw = os.environ.get(variable)
    if raw is None:
        return default
    try:
        if isinstance(default, tuple):
            value: Any = tuple(int(v) for v in raw.split(",") if v.strip())
            bad = [p for p in value if not 0 <= p <= 65535]
            if bad or not value:
                raise ValueError
            return value
        value = type(default)(raw)
    except ValueError:
        kind = "a comma-separated list of ports" if isinstance(default, tuple) else type(default).__name__
        raise ConfigError(f"environment variable {variable}={raw!r} is not {kind}") from None
    if value < 0:
        raise ConfigError(f"environment variable {variable}={raw!r} must not be negative")
    return value


def _thresholds() -> MappingProxyType[str, MappingProxyType[str, Any]]:
    return MappingProxyType(
        {
            d.name: MappingProxyType({k: _threshold(d, k, v) for k, v in d.thresholds.items()})
            for d in DETECTORS
        }
    )


@dataclass(frozen=True)
class DetectionSettings:
    internal_cidrs: tuple[str, ...] = field(
        default_factory=lambda: _list("DETECT_INTERNAL_CIDRS", network.DEFAULT_INTERNAL)
    )
    allow_cidrs: tuple[str, ...] = field(default_factory=lambda: _list("DETECT_ALLOW_CIDRS"))
    allow_scanners: tuple[str, ...] = field(default_factory=lambda: _list("DETECT_ALLOW_SCANNERS"))
    allow_ports: tuple[int, ...] = field(default_factory=lambda: _ports("DETECT_ALLOW_PORTS"))
    disabled: tuple[str, ...] = field(default_factory=lambda: _list("DETECT_DISABLED"))
    baseline_days: int = field(default_factory=lambda: _int("DETECT_BASELINE_DAYS", 7, 1, 30))
    incident_gap_hours: int = field(default_factory=lambda: _int("DETECT_INCIDENT_GAP_HOURS", 2, 0, 24))
    evidence_flows: int = field(default_factory=lambda: _int("DETECT_EVIDENCE_FLOWS", 5, 1, 20))
    security_hub: str = field(default_factory=lambda: os.environ.get("VPCFLOW_SECURITY_HUB", "import"))
    notify: bool = field(default_factory=lambda: _bool("DETECT_NOTIFY", True))
    thresholds: Mapping[str, Mapping[str, Any]] = field(default_factory=_thresholds)

    def __post_init__(self) -> None:
        # Parsed here so that a bad value fails before any query, naming its variable.
        _ = self.internal, self.allowed, self.scanners
        unknown = sorted(set(self.disabled) - set(BY_NAME))
        if unknown:
            raise ConfigError(
                f"VPCFLOW_DETECT_DISABLED names unknown detector(s) {unknown}; known: {sorted(BY_NAME)}"
            )
        if self.security_hub not in SECURITY_HUB_MODES:
            raise ConfigError(
                f"VPCFLOW_SECURITY_HUB={self.security_hub!r} is invalid: expected one of {SECURITY_HUB_MODES}"
            )
        if not self.internal:
            raise ConfigError(
                "VPCFLOW_DETECT_INTERNAL_CIDRS is empty: without internal networks nothing is egress"
            )

    @cached_property
    def internal(self) -> tuple[network.Network, ...]:
        return network.parse_networks(self.internal_cidrs, "VPCFLOW_DETECT_INTERNAL_CIDRS")

    @cached_property
    def allowed(self) -> tuple[network.Network, ...]:
        return network.parse_networks(self.allow_cidrs, "VPCFLOW_DETECT_ALLOW_CIDRS")

    @cached_property
    def scanners(self) -> tuple[str, ...]:
        return network.parse_addresses(self.allow_scanners, "VPCFLOW_DETECT_ALLOW_SCANNERS")

    @property
    def detectors(self) -> tuple[Detector, ...]:
        return tuple(d for d in DETECTORS if d.name not in self.disabled)

    @property
    def lookback_hours(self) -> int:
        return self.baseline_days * 24

    def threshold(self, detector: str, name: str) -> Any:
        return self.thresholds[detector][name]


def _ports(name: str) -> tuple[int, ...]:
    values = _list(name)
    try:
        ports = tuple(int(v) for v in values)
    except ValueError:
        raise ConfigError(
            f"VPCFLOW_{name}={','.join(values)!r} is not a comma-separated list of ports"
        ) from None
    if any(not 0 <= p <= 65535 for p in ports):
        raise ConfigError(f"VPCFLOW_{name}={','.join(values)!r}: ports are 0..65535")
    return ports


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(f"VPCFLOW_{name}")
    if raw is None:
        return default
    text = raw.strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"environment variable VPCFLOW_{name}={raw!r} is not a boolean (true/false)")


def hours_from_conf(params: Mapping[str, Any]) -> list[str]:
    """The hours a manual run of vpcflow_detections asks for (``{"hours": ["2026-11-26-05", ...]}``);
    identity keys and any other key are refused."""
    from vpcflow.detections.hours import parse_label

    refuse_identity(params, "vpcflow_detections")
    unknown = sorted(set(params) - RUN_CONF_KEYS)
    if unknown:
        raise ConfigError(
            f"unknown vpcflow_detections setting(s) {unknown}; a run may set only 'hours' (detection settings "
            "are the deployment's VPCFLOW_DETECT_* environment)"
        )
    hours = params.get("hours") or []
    if isinstance(hours, str) or not isinstance(hours, list):
        raise ConfigError(f"hours={hours!r} is invalid: expected a list of hours like ['2026-11-26-05']")
    return sorted({parse_label(str(h)) for h in hours})
