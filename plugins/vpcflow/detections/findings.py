"""From the detectors' hourly hits to findings: an incident that spans hours is one finding.

A hit continues the finding of the same detector and entity (its ``key``) that had a hit in one of the
``incident_gap_hours + 1`` hours before; otherwise it opens a new finding. The finding's id is a hash of
the detector, the entity and the incident's first hour, so a rerun of any hour gives the same ids. Each hour a finding is seen in gets a row in vpc_flow_findings with the finding's state as of that
hour (cumulative counts, first and last seen, severity), plus the hour's own values (``hour_*``), from
which a later hour's rows can be assembled again without reading flows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from vpcflow.detections import hours as hourlib
from vpcflow.detections.detectors import (
    BY_NAME,
    INTERFACE_CONTEXT,
    KEY_COLUMNS,
    PEER_CONTEXT,
    SEVERITIES,
    Detector,
)

EVIDENCE_FIELDS = ("start", "source", "source_port", "destination", "destination_port", "protocol", "action",
                   "packets", "bytes", "status")  # fmt: skip
_INTEGER_FIELDS = {"start", "source_port", "destination_port", "protocol", "packets", "bytes"}
Row = dict[str, Any]
# Who is behind a finding, from compaction's enrichment (NULL when its hours were compacted before it): the
# finding's interface (its instance, VPC, subnet) and its remote peer (the address, its country, AS
# organisation, AWS service). Not part of the finding's id, and no detector fires on them.
INTERFACE_COLUMNS = ("instance_id", "vpc_id", "subnet_id")
PEER_COLUMNS = ("peer_address", "peer_country", "peer_country_name", "peer_as_org", "peer_aws_service")
CONTEXT_COLUMNS = INTERFACE_COLUMNS + PEER_COLUMNS


def parse_context(interface: str | None, peer: str | None, interfaceid: str | None) -> dict[str, Any]:
    """A detector's ``interface_context`` and ``peer_context`` (vpcflow.detections.context's
    ``enrichment``) as the findings' context columns; None for what the enrichment did not say. The
    interface's fields count only when they are of the finding's own interface."""
    out: dict[str, Any] = dict.fromkeys(CONTEXT_COLUMNS)
    if interface:
        values = [v or None for v in interface.split(chr(31))]
        if len(values) == len(INTERFACE_CONTEXT) and values[0] == interfaceid:
            out.update(zip(INTERFACE_COLUMNS, values[1:], strict=True))
    if peer:
        values = [v or None for v in peer.split(chr(31))]
        if len(values) == len(PEER_CONTEXT) and values[0]:
            out.update(zip(PEER_COLUMNS, values, strict=True))
    return out


def parse_evidence(text: str | None) -> list[dict[str, Any]]:
    """The detectors' ``start|src|sport|dst|dport|proto|action|packets|bytes|status;...`` as dicts."""
    flows = []
    for item in (text or "").split(";"):
        if not item:
            continue
        values = item.split("|")
        if len(values) != len(EVIDENCE_FIELDS):
            raise ValueError(
                f"evidence flow {item!r} does not have the {len(EVIDENCE_FIELDS)} fields {EVIDENCE_FIELDS}"
            )
        flow: dict[str, Any] = {}
        for name, value in zip(EVIDENCE_FIELDS, values, strict=True):
            flow[name] = None if value == "-" else int(value) if name in _INTEGER_FIELDS else value
        flows.append(flow)
    return flows


def parse_timestamp(value: Any) -> datetime | None:
    """Athena's ``2026-11-26 05:00:00.000`` (or a datetime) as a naive UTC datetime."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    return datetime.fromisoformat(str(value).replace("T", " ").removesuffix("Z"))


@dataclass(frozen=True)
class Hit:
    """One detector row: an entity that crossed the thresholds in one hour."""

    detector: str
    hour: str
    key: tuple[Any, ...]
    values: Mapping[str, Any]

    @classmethod
    def from_row(cls, detector: Detector, row: Mapping[str, Any]) -> Hit:
        values = dict(row)
        for name in ("port", "protocol"):
            values[name] = None if values.get(name) in (None, "") else int(values[name])
        for name in ("flows", "packets", "bytes"):
            values[name] = int(values.get(name) or 0)
        for name in ("score", "threshold"):
            values[name] = float(values[name])
        for name in ("first_seen", "last_seen"):
            values[name] = parse_timestamp(values.get(name))
        values["evidence"] = parse_evidence(values.get("evidence"))
        values = {k: (None if v == "" else v) for k, v in values.items()}
        values.update(
            parse_context(values.pop("interface_context", None), values.pop("peer_context", None),
                          values.get("interfaceid"))
        )  # fmt: skip
        key = tuple(values.get(column) if column in detector.key else None for column in KEY_COLUMNS)
        return cls(detector.name, hourlib.parse_label(str(row["hour"])), key, values)

    @classmethod
    def from_finding(cls, row: Mapping[str, Any]) -> Hit:
        """The hour's own values kept in a findings row, to assemble that hour again."""
        detector = BY_NAME[row["detector"]]
        values = {
            **{c: row.get(c) for c in KEY_COLUMNS},
            "account": row.get("account"),
            "protocol": row.get("protocol"),
            "flows": row["hour_flows"],
            "packets": row["hour_packets"],
            "bytes": row["hour_bytes"],
            "score": row["score"],
            "threshold": row["threshold"],
            "first_seen": row["hour_first_seen"],
            "last_seen": row["hour_last_seen"],
            "detail": row["detail"],
            "evidence": json.loads(row["hour_evidence"] or "[]"),
            **{c: row.get(c) for c in CONTEXT_COLUMNS},
        }
        key = tuple(values.get(column) if column in detector.key else None for column in KEY_COLUMNS)
        return cls(detector.name, row["hour"], key, values)


def finding_id(detector: str, key: tuple[Any, ...], first_hour: str) -> str:
    """The same incident gets the same id in any run and any stack (Security Hub's Id adds the stack)."""
    text = json.dumps([detector, list(key), first_hour], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def severity_of(
    detector: Detector, score: float, threshold: float, hours_active: int, max_score: float
) -> str:
    """The detector's severity, one level up once the incident is ``escalate_factor`` times over its
    threshold or has had hits in ``escalate_hours`` hours."""
    level = SEVERITIES.index(detector.severity)
    big = threshold > 0 and max(score, max_score) >= detector.escalate_factor * threshold
    if big or hours_active >= detector.escalate_hours:
        level = min(level + 1, len(SEVERITIES) - 1)
    return SEVERITIES[level]


def _evidence(detector: Detector, flows: Iterable[dict[str, Any]], keep: int) -> list[dict[str, Any]]:
    by_bytes = detector.name == "exfiltration"
    unique = {json.dumps(f, sort_keys=True): f for f in flows}.values()

    def order(flow: dict[str, Any]) -> tuple[Any, ...]:
        fields = tuple("" if flow[n] is None else str(flow[n]) for n in EVIDENCE_FIELDS)
        return ((-(flow["bytes"] or 0),) if by_bytes else ()) + (flow["start"] or 0,) + fields

    return sorted(unique, key=order)[:keep]


def assemble(hit: Hit, previous: Row | None, keep: int) -> Row:
    """The findings row of ``hit``'s hour: a new finding, or ``previous`` (the same incident's row of an
    earlier hour) carried on."""
    detector = BY_NAME[hit.detector]
    v = hit.values
    first_hour = previous["first_hour"] if previous else hit.hour
    hours_active = (previous["hours_active"] + 1) if previous else 1
    max_score = max(v["score"], previous["max_score"]) if previous else v["score"]
    severity = severity_of(detector, v["score"], v["threshold"], hours_active, max_score)
    if previous is not None and SEVERITIES.index(previous["severity"]) > SEVERITIES.index(severity):
        severity = previous["severity"]  # an incident never calms down to a lower severity
    if previous is None:
        status = "new"
    elif SEVERITIES.index(severity) > SEVERITIES.index(previous["severity"]):
        status = "escalated"
    else:
        status = "continued"
    before = json.loads(previous["evidence"]) if previous else []
    row: Row = {
        "hour": hit.hour,
        "finding_id": finding_id(hit.detector, hit.key, first_hour),
        "detector": hit.detector,
        "title": detector.title,
        "severity": severity,
        "status": status,
        "technique": f"{detector.technique} {detector.technique_name}",
        "tactic": detector.tactic,
        **{c: v.get(c) for c in KEY_COLUMNS},
        "account": v.get("account") or (previous or {}).get("account"),
        "protocol": v.get("protocol"),
        "first_seen": _min(v["first_seen"], (previous or {}).get("first_seen")),
        "last_seen": _max(v["last_seen"], (previous or {}).get("last_seen")),
        "first_hour": first_hour,
        "hours_active": hours_active,
        "flows": v["flows"] + (previous["flows"] if previous else 0),
        "packets": v["packets"] + (previous["packets"] if previous else 0),
        "bytes": v["bytes"] + (previous["bytes"] if previous else 0),
        "hour_flows": v["flows"],
        "hour_packets": v["packets"],
        "hour_bytes": v["bytes"],
        "score": v["score"],
        "max_score": max_score,
        "threshold": v["threshold"],
        "detail": v["detail"],
        "evidence": json.dumps(_evidence(detector, [*before, *v["evidence"]], keep), sort_keys=True),
        "hour_evidence": json.dumps(v["evidence"], sort_keys=True),
        "hour_first_seen": v["first_seen"],
        "hour_last_seen": v["last_seen"],
        **_context(v, previous),
    }
    return row


def _context(values: Mapping[str, Any], previous: Row | None) -> dict[str, Any]:
    """The hour's interface and peer context; what the incident's earlier hour knew when this hour knows
    nothing (an un-enriched hour, a silent interface), each side whole, never mixed."""
    out = {}
    for columns in (INTERFACE_COLUMNS, PEER_COLUMNS):
        source: Mapping[str, Any] = values
        if previous is not None and not any(values.get(c) for c in columns):
            source = previous
        out.update({c: source.get(c) for c in columns})
    return out


def _min(a: datetime | None, b: datetime | None) -> datetime | None:
    return min(x for x in (a, b) if x is not None) if (a or b) else None


def _max(a: datetime | None, b: datetime | None) -> datetime | None:
    return max(x for x in (a, b) if x is not None) if (a or b) else None


class Incidents:
    """The latest row of every open incident, fed hour by hour in time order."""

    def __init__(self, gap_hours: int, keep: int):
        self.gap_hours, self.keep = gap_hours, keep
        self.latest: dict[tuple[str, tuple[Any, ...]], Row] = {}

    def remember(self, rows: Iterable[Row]) -> None:
        """Rows of an hour before the ones being assembled (context only)."""
        for row in sorted(rows, key=lambda r: r["hour"]):
            self.latest[(row["detector"], row_key(row))] = row

    def hour(self, label: str, hits: Iterable[Hit]) -> list[Row]:
        rows = []
        for hit in sorted(hits, key=lambda h: (h.detector, json.dumps(h.key, default=str))):
            previous = self.latest.get((hit.detector, hit.key))
            if previous is not None and hourlib.to_datetime(label) - hourlib.to_datetime(previous["hour"]) > (
                _hours(self.gap_hours + 1)
            ):
                previous = None
            row = assemble(hit, previous, self.keep)
            rows.append(row)
        for row in rows:
            self.latest[(row["detector"], row_key(row))] = row
        return rows


def _hours(count: int) -> Any:
    from datetime import timedelta

    return timedelta(hours=count)


def row_key(row: Mapping[str, Any]) -> tuple[Any, ...]:
    detector = BY_NAME[row["detector"]]
    return tuple(row.get(c) if c in detector.key else None for c in KEY_COLUMNS)


# Columns whose values decide whether a stored row must be written again.
COMPARED = ("finding_id", "severity", "status", "first_hour", "hours_active", "flows", "bytes", "max_score",
            "evidence", "first_seen", "last_seen", *CONTEXT_COLUMNS)  # fmt: skip


def same_rows(a: Iterable[Row], b: Iterable[Row]) -> bool:
    def canon(rows: Iterable[Row]) -> list[tuple[Any, ...]]:
        return sorted(tuple(str(r.get(c)) for c in ("detector", *KEY_COLUMNS, *COMPARED)) for r in rows)

    return canon(a) == canon(b)
