"""What the detection statements are rendered with (as ``run``): the stack's tables, the hours judged,
the baselines' window, and the SQL snippets that classify addresses and keep evidence.

Every value that reaches SQL is validated: table names by vpcflow.model.partitions, hours by
vpcflow.detections.hours, networks and addresses by vpcflow.detections.network, thresholds are numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from vpcflow.detections import hours as hourlib
from vpcflow.detections import network
from vpcflow.detections.detectors import INTERFACE_CONTEXT, PEER_CONTEXT, Detector
from vpcflow.detections.settings import DetectionSettings
from vpcflow.detections.tables import BASELINES, DETECTIONS_PREFIX, FINDINGS, RUNS
from vpcflow.model.config import ConfigError, StackConfig
from vpcflow.model.hour_tables import HourTable
from vpcflow.model.partitions import validate_table_name


def _check_prefixes(stack: StackConfig) -> None:
    ours = [t.prefix for t in (FINDINGS, BASELINES)] + [DETECTIONS_PREFIX]
    theirs = {
        "raw_prefix": stack.raw_prefix,
        "error_prefix": stack.error_prefix,
        "parquet_prefix": stack.parquet_prefix,
        "athena_results_prefix": stack.athena_results_prefix,
    }
    for name, prefix in theirs.items():
        for mine in ours:
            if prefix.startswith(mine) or mine.startswith(prefix):
                raise ConfigError(
                    f"{name}={prefix!r} overlaps {mine!r}, which detections write: choose another prefix"
                )


@dataclass(frozen=True)
class DetectionContext:
    stack: StackConfig
    settings: DetectionSettings
    hours: tuple[str, ...]  # sorted labels

    def __post_init__(self) -> None:
        if not self.hours:
            raise ValueError("a detection run needs at least one hour")
        labels = tuple(sorted({hourlib.parse_label(h) for h in self.hours}))
        object.__setattr__(self, "hours", labels)
        _check_prefixes(self.stack)

    # -- names ------------------------------------------------------------------------------------------

    def table(self, name: str) -> str:
        return ".".join(validate_table_name(f"{self.stack.database}.{name}"))

    @property
    def parquet_table(self) -> str:
        return self.table(self.stack.parquet_table)

    @property
    def parquet_partitions(self) -> str:
        """The Parquet table's ``$partitions`` metadata table (the hours that exist; nothing is scanned)."""
        return f'{self.stack.database}."{self.stack.parquet_table}$partitions"'

    @property
    def baselines_table(self) -> str:
        return self.table(BASELINES.name)

    @property
    def findings_table(self) -> str:
        return self.table(FINDINGS.name)

    def location(self, table: HourTable, label: str) -> str:
        return table.location(self.stack, label)

    @property
    def runs_table(self) -> str:
        return self.table(RUNS.name)

    # -- hours ------------------------------------------------------------------------------------------

    @property
    def first(self) -> str:
        return self.hours[0]

    @property
    def last(self) -> str:
        return self.hours[-1]

    @property
    def hours_sql(self) -> str:
        return ", ".join(f"'{h}'" for h in self.hours)

    @property
    def lookback_hours(self) -> int:
        return self.settings.lookback_hours

    @property
    def lookback_first(self) -> str:
        return hourlib.shift(self.first, -self.lookback_hours)

    def seasonal_sql(self, spread: int) -> str:
        """The hours at the same time of day (+-``spread`` hours) on each day of the baselines' window before
        any judged hour, as a SQL list: the partitions the seasonal baselines read, and no other."""
        days = self.settings.baseline_days
        labels = {
            hourlib.shift(hour, -24 * day + d)
            for hour in self.hours
            for day in range(1, days + 1)
            for d in range(-spread, spread + 1)
        }
        return ", ".join(f"'{h}'" for h in sorted(labels))

    @staticmethod
    def offset(earlier: str, later: str) -> str:
        """SQL: whole hours from the hour label ``earlier`` to the hour label ``later``."""
        return f"date_diff('hour', date_parse({earlier}, '%Y-%m-%d-%H'), date_parse({later}, '%Y-%m-%d-%H'))"

    # -- addresses --------------------------------------------------------------------------------------

    @staticmethod
    def ipv4_number(column: str) -> str:
        octet = [f"try_cast(split_part({column}, '.', {i}) AS BIGINT)" for i in (1, 2, 3, 4)]
        return f"{octet[0]} * 16777216 + {octet[1]} * 65536 + {octet[2]} * 256 + {octet[3]}"

    def is_internal(self, address: str, number: str) -> str:
        return (
            f"coalesce({network.in_networks(number, self.settings.internal)} "
            f"OR {network.ipv6_internal(address)}, false)"
        )

    def is_allowed(self, address: str, number: str) -> str:
        """Allowlisted: a known scanner, or in an allowlisted network."""
        parts = [network.in_networks(number, self.settings.allowed)]
        if self.settings.scanners:
            parts.append(f"{address} IN ({network.quoted(self.settings.scanners)})")
        return f"coalesce({' OR '.join(parts)}, false)"

    def not_allowed_port(self, column: str) -> str:
        ports = self.settings.allow_ports
        return f"AND coalesce({column} NOT IN ({ints(ports)}), true)" if ports else ""

    # -- evidence ---------------------------------------------------------------------------------------

    @property
    def evidence_flows(self) -> int:
        return self.settings.evidence_flows

    def evidence(self, order: str = "start_time", where: str = "") -> str:
        """SQL aggregate: the group's first ``evidence_flows`` flows by ``order`` (ties broken on every
        field, so reruns keep the same ones), each ``start|src|sport|dst|dport|proto|action|packets|bytes|
        status``, ';'-separated. vpcflow.detections.findings parses it."""
        fields = [
            "starttime",
            "src",
            "sport",
            "dst",
            "dport",
            "protocol",
            "action",
            "packets",
            "bytes",
            "logstatus",
        ]
        text = ", '|', ".join(f"coalesce(CAST({f} AS VARCHAR), '-')" for f in fields)
        ties = "starttime, src, sport, dst, dport, protocol, bytes, packets, action, logstatus"
        only = f" FILTER (WHERE {where})" if where else ""
        return (
            f"array_join(slice(array_agg(concat({text}) ORDER BY {order}, {ties}){only}, 1, "
            f"{self.evidence_flows}), ';')"
        )

    # -- enrichment -------------------------------------------------------------------------------------

    @staticmethod
    def enrichment(peer: tuple[str, ...] | list[str] | None = None, alias: str = "") -> str:
        """SQL aggregates, ``interface_context`` and ``peer_context``: what compaction's enrichment says of
        the finding's interface and of its remote peer, each packed in one string (fields separated by
        chr(31)) that vpcflow.detections.findings unpacks (``CONTEXT_FIELDS``).

        - interface: the least ``interfaceid`` of the group with its instance, VPC and subnet, so it is the
          one a detector reporting ``min(interfaceid)`` names;
        - peer: among the group's flows whose far side (``peer_address``) is one of the ``peer``
          expressions (the finding's remote address: its source, its destination...), the least address with
          its country, country name, AS organisation and AWS service. None: the finding has no one peer.

        Hours compacted before the enrichment read NULL for these columns: the interface's fields are
        then empty and the peer's context NULL. Neither decides whether a detector fires."""
        a = f"{alias}." if alias else ""

        def packed(columns: tuple[str, ...]) -> str:
            fields = [f"coalesce({a}{column}, '')" for column in columns]
            return f"concat({', chr(31), '.join(fields)})"

        interface = f"min({packed(INTERFACE_CONTEXT)}) AS interface_context"
        if not peer:
            return f"{interface},\n       CAST(NULL AS VARCHAR) AS peer_context"
        return (
            f"{interface},\n       min(CASE WHEN {a}peer_address IN ({', '.join(peer)}) "
            f"THEN {packed(PEER_CONTEXT)} END) AS peer_context"
        )

    # -- rendering --------------------------------------------------------------------------------------

    def thresholds(self, detector: Detector) -> dict[str, Any]:
        values = dict(self.settings.thresholds[detector.name])
        for name, value in values.items():
            if isinstance(value, bool) or not isinstance(value, int | float | tuple):
                raise ConfigError(
                    f"threshold {detector.name}.{name}={value!r} is not a number or a port list"
                )
        return values

    def sql(self, template: str, **extra: Any) -> str:
        from vpcflow.model.sqlfiles import render_template

        return render_template(template, run=self, ints=ints, **extra)

    def detector_sql(self, detector: Detector) -> str:
        return self.sql(detector.sql_file, t=self.thresholds(detector), d=detector)

    @cached_property
    def profile_sql(self) -> str:
        return self.sql("detections/hour_profile.sql", sensitive_ports=self.sensitive_ports)

    @property
    def sensitive_ports(self) -> tuple[int, ...]:
        ports = self.settings.thresholds["first_seen_peer"]["ports"]
        return tuple(p for p in ports if p not in self.settings.allow_ports)


def ints(values: Any) -> str:
    """Integers as a SQL list; anything else is refused (thresholds reach SQL through here)."""
    values = tuple(values) if isinstance(values, tuple | list) else (values,)
    if not values or any(isinstance(v, bool) or not isinstance(v, int) for v in values):
        raise ConfigError(f"expected a non-empty list of integers, got {values!r}")
    return ", ".join(str(v) for v in values)
