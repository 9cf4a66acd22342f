"""HourlyConfig: the stack's names (StackConfig) plus what only the hourly run needs.

The DAG's params are ``HourlyConfig().to_params()``: a run triggered with conf overrides any of them, and
``HourlyConfig.from_params`` validates the result before the first AWS call.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from vpcflow.model.config import ConfigError, StackConfig

SPICE_REFRESH_MODES = ("hourly", "end_of_backfill", "off")
# Keys a run's conf may carry besides parameters (Airflow merges the conf into params).
RUN_CONF_KEYS = frozenset({"backfill_to"})


def _env_float(name: str, default: float) -> Any:
    return field(default_factory=lambda: float(os.environ.get(f"VPCFLOW_{name}", default)))


def _env_int(name: str, default: int) -> Any:
    return field(default_factory=lambda: int(os.environ.get(f"VPCFLOW_{name}", default)))


def _env_str(name: str, default: str) -> Any:
    return field(default_factory=lambda: os.environ.get(f"VPCFLOW_{name}", default))


@dataclass(frozen=True)
class Thresholds:
    """Largest share of an hour's rows each check tolerates before the hour fails (0.0 = none)."""

    malformed: float = _env_float("MAX_MALFORMED_RATIO", 0.01)
    out_of_domain: float = _env_float("MAX_OUT_OF_DOMAIN_RATIO", 0.0)
    outside_hour: float = _env_float("MAX_OUTSIDE_HOUR_RATIO", 0.05)
    duplicates: float = _env_float("MAX_DUPLICATE_RATIO", 0.01)


@dataclass(frozen=True)
class HourlyConfig:
    stack: StackConfig = field(default_factory=StackConfig)
    # Firehose stamps objects with the arrival hour of their oldest record and flushes up to one buffer
    # interval later: hour H is complete at H+1 + buffer interval + this grace period.
    grace_s: int = _env_int("HOUR_GRACE_S", 300)
    min_objects: int = _env_int("MIN_OBJECTS_PER_HOUR", 1)
    # A flow's start may precede its ingest hour by the capture window plus Firehose's buffering.
    outside_hour_tolerance_s: int = _env_int("OUTSIDE_HOUR_TOLERANCE_S", 1800)
    spice_refresh: str = _env_str("SPICE_REFRESH", "end_of_backfill")
    thresholds: Thresholds = field(default_factory=Thresholds)

    def __post_init__(self) -> None:
        if self.grace_s < 0:
            raise ConfigError(f"grace_s={self.grace_s!r} is invalid: expected seconds >= 0")
        if self.min_objects < 0:
            raise ConfigError(f"min_objects={self.min_objects!r} is invalid: expected a count >= 0")
        if self.outside_hour_tolerance_s < 0:
            raise ConfigError(f"outside_hour_tolerance_s={self.outside_hour_tolerance_s!r} is invalid: >= 0")
        if self.spice_refresh not in SPICE_REFRESH_MODES:
            raise ConfigError(
                f"spice_refresh={self.spice_refresh!r} is invalid: expected one of {SPICE_REFRESH_MODES}"
            )
        for name, value in dataclasses.asdict(self.thresholds).items():
            if not 0.0 <= value <= 1.0:
                raise ConfigError(f"max_{name}_ratio={value!r} is invalid: expected a share between 0 and 1")

    def to_params(self) -> dict[str, Any]:
        params = self.stack.to_params()
        params.update(
            {
                f.name: getattr(self, f.name)
                for f in dataclasses.fields(self)
                if f.name not in ("stack", "thresholds")
            }
        )
        params.update(
            {f"max_{name}_ratio": value for name, value in dataclasses.asdict(self.thresholds).items()}
        )
        return params

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> HourlyConfig:
        stack_keys = {f.name for f in dataclasses.fields(StackConfig)}
        own = {f.name for f in dataclasses.fields(cls)} - {"stack", "thresholds"}
        ratio_keys = {f"max_{f.name}_ratio": f.name for f in dataclasses.fields(Thresholds)}
        unknown = sorted(set(params) - stack_keys - own - set(ratio_keys) - RUN_CONF_KEYS)
        if unknown:
            raise ConfigError(f"unknown hourly parameter(s) {unknown}")
        try:
            thresholds = Thresholds(**{ratio_keys[k]: float(v) for k, v in params.items() if k in ratio_keys})
            values = {k: (v if k == "spice_refresh" else int(v)) for k, v in params.items() if k in own}
        except (TypeError, ValueError) as err:
            raise ConfigError(f"hourly parameter has the wrong type: {err}") from None
        stack = StackConfig.from_params({k: v for k, v in params.items() if k in stack_keys})
        return cls(stack=stack, thresholds=thresholds, **values)
