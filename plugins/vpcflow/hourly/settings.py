"""What a run of vpcflow_hourly may change: when an hour counts as complete, the quality thresholds and the
SPICE policy. Nothing else.

Stack identity (bucket, prefixes, database, tables, workgroup, dataset, keys) comes from the deployment's
environment (``StackConfig()``): a run that could point compaction at another prefix could delete data,
so a conf that names an identity key is refused. ``params()`` is the trigger form; ``from_params``
validates what a run received (defaults merged with its conf) before the first AWS call.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from vpcflow.model.config import ConfigError, refuse_identity

SPICE_REFRESH_MODES = ("hourly", "end_of_backfill", "off")
# Keys a run's conf may carry besides the settings (Airflow merges the conf into params).
RUN_CONF_KEYS = frozenset({"backfill_to", "hour"})

_WHICH = "Which hour"
_WHEN = "When an hour is complete"
_QUALITY = "Quality thresholds (share of the hour's rows)"
_SPICE = "SPICE"


def _env(name: str, default: Any) -> Any:
    def make() -> Any:
        raw = os.environ.get(f"VPCFLOW_{name}")
        try:
            return default if raw is None else type(default)(raw)
        except ValueError:
            raise ConfigError(
                f"environment variable VPCFLOW_{name}={raw!r} is not a {type(default).__name__}"
            ) from None

    return field(default_factory=make)


@dataclass(frozen=True)
class Thresholds:
    """Largest share of an hour's rows each check tolerates before the hour fails (0.0 = none)."""

    malformed: float = _env("MAX_MALFORMED_RATIO", 0.01)
    out_of_domain: float = _env("MAX_OUT_OF_DOMAIN_RATIO", 0.0)
    outside_hour: float = _env("MAX_OUTSIDE_HOUR_RATIO", 0.05)
    duplicates: float = _env("MAX_DUPLICATE_RATIO", 0.01)


_THRESHOLD_HELP = {
    "malformed": "Lines the flow-log format cannot parse.",
    "out_of_domain": "Ports, protocol, action, log status, start/end or counts outside their domain.",
    "outside_hour": "Flows that start far outside the hour they were delivered in.",
    "duplicates": "Records seen more than once in the hour.",
}


@dataclass(frozen=True)
class RunSettings:
    # Firehose stamps objects with the arrival hour of their oldest record and flushes up to one buffer
    # interval later: hour H is complete at H+1 + buffer interval + this grace period.
    grace_s: int = _env("HOUR_GRACE_S", 300)
    min_objects: int = _env("MIN_OBJECTS_PER_HOUR", 1)
    # A flow's start may precede its ingest hour by the capture window plus Firehose's buffering.
    outside_hour_tolerance_s: int = _env("OUTSIDE_HOUR_TOLERANCE_S", 1800)
    spice_refresh: str = _env("SPICE_REFRESH", "end_of_backfill")
    thresholds: Thresholds = field(default_factory=Thresholds)

    def __post_init__(self) -> None:
        if self.grace_s < 0:
            raise ConfigError(f"grace_s={self.grace_s!r} is invalid: expected seconds >= 0")
        if self.min_objects < 0:
            raise ConfigError(f"min_objects={self.min_objects!r} is invalid: expected a count >= 0")
        if self.outside_hour_tolerance_s < 0:
            raise ConfigError(
                f"outside_hour_tolerance_s={self.outside_hour_tolerance_s!r} is invalid: expected seconds >= 0"
            )
        if self.spice_refresh not in SPICE_REFRESH_MODES:
            raise ConfigError(
                f"spice_refresh={self.spice_refresh!r} is invalid: expected one of {SPICE_REFRESH_MODES}"
            )
        for name, value in dataclasses.asdict(self.thresholds).items():
            if not 0.0 <= value <= 1.0:
                raise ConfigError(f"max_{name}_ratio={value!r} is invalid: expected a share between 0 and 1")

    def to_values(self) -> dict[str, Any]:
        """The settings as the flat values of the trigger form."""
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "thresholds"}
        values.update({f"max_{k}_ratio": v for k, v in dataclasses.asdict(self.thresholds).items()})
        return values

    def params(self) -> dict[str, Any]:
        """The DAG's trigger form: these settings (defaults from the environment), typed, bounded, described."""
        from airflow.sdk import Param

        form = {
            "hour": Param(
                None,
                type=["null", "string"],
                title="Hour (manual runs)",
                description="For a run triggered WITHOUT a logical date: the hour to process, e.g. "
                "2026-11-26T03:00:00Z (empty: the latest complete hour). Leave the logical date empty: a "
                "manual run with one takes the slot of a scheduled run, which is then never created "
                "(apache/airflow#41208). To reprocess an hour a scheduled run processed, Clear that run.",
                section=_WHICH,
            ),
            "grace_s": Param(
                self.grace_s,
                type="integer",
                minimum=0,
                title="Grace period (s)",
                description="Seconds to wait after the hour's end plus Firehose's buffer interval before "
                "the hour is read: late deliveries land in it.",
                section=_WHEN,
            ),
            "min_objects": Param(
                self.min_objects,
                type="integer",
                minimum=0,
                title="Minimum objects",
                description="An hour with fewer Firehose objects fails, naming its prefix (0 accepts an "
                "empty hour).",
                section=_WHEN,
            ),
            "outside_hour_tolerance_s": Param(
                self.outside_hour_tolerance_s,
                type="integer",
                minimum=0,
                title="Outside-hour tolerance (s)",
                description="How far before or after the hour a flow may start before it counts as "
                "outside the hour.",
                section=_QUALITY,
            ),
        }
        for name, value in dataclasses.asdict(self.thresholds).items():
            form[f"max_{name}_ratio"] = Param(
                value,
                type="number",
                minimum=0,
                maximum=1,
                title=f"Max {name.replace('_', ' ')} share",
                description=_THRESHOLD_HELP[name],
                section=_QUALITY,
            )
        form["spice_refresh"] = Param(
            self.spice_refresh,
            type="string",
            enum=list(SPICE_REFRESH_MODES),
            title="SPICE refresh",
            description="hourly: every run refreshes; end_of_backfill: a backfill refreshes once, at its "
            "last hour; off: never.",
            section=_SPICE,
        )
        form["backfill_to"] = Param(
            None,
            type=["null", "string"],
            title="Backfill end",
            description="Set by `make backfill`: the end of the backfill (ISO 8601), whose last hour "
            "refreshes SPICE once.",
            section=_SPICE,
        )
        return form

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> RunSettings:
        """Settings from a run's params (defaults merged with its conf). Identity keys and unknown keys fail."""
        refuse_identity(params, "vpcflow_hourly")
        ratio_keys = {f"max_{f.name}_ratio": f.name for f in dataclasses.fields(Thresholds)}
        own = {f.name for f in dataclasses.fields(cls)} - {"thresholds"}
        unknown = sorted(set(params) - own - set(ratio_keys) - RUN_CONF_KEYS)
        if unknown:
            raise ConfigError(
                f"unknown vpcflow_hourly setting(s) {unknown}; a run may set {sorted(own | set(ratio_keys))}"
            )
        thresholds = Thresholds(
            **{ratio_keys[k]: _number(k, v) for k, v in params.items() if k in ratio_keys}
        )
        values = {k: (v if k == "spice_refresh" else _integer(k, v)) for k, v in params.items() if k in own}
        return cls(thresholds=thresholds, **values)


def _integer(name: str, value: Any) -> int:
    try:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValueError
        return int(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r} is invalid: expected an integer") from None


def _number(name: str, value: Any) -> float:
    try:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValueError
        return float(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r} is invalid: expected a number") from None
