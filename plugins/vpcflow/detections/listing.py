"""Reading findings back: the current state of each finding in a window of hours (sql/detections/
findings_latest.sql), for `vpcflow findings`, the demo, and a dashboard's findings panel."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from vpcflow.detections.asff import entity
from vpcflow.detections.detectors import BY_NAME, SEVERITIES
from vpcflow.detections.hours import parse_label, to_label
from vpcflow.detections.tables import FINDINGS, typed
from vpcflow.model.config import StackConfig
from vpcflow.model.partitions import validate_identifier

_ID = re.compile(r"^[0-9a-f]{32}$")


class ListingError(ValueError):
    """A bad filter for findings; the message names it."""


@dataclass(frozen=True)
class Query:
    since: str  # hour label
    detector: str | None = None
    min_severity: str | None = None
    finding_id: str | None = None

    @classmethod
    def make(cls, hours: int | None = None, since: str | None = None, detector: str | None = None,
             min_severity: str | None = None, finding_id: str | None = None,
             now: datetime | None = None) -> Query:  # fmt: skip
        if since:
            try:
                label = parse_label(since)
            except ValueError as exc:
                raise ListingError(str(exc)) from None
        else:
            if hours is not None and hours < 1:
                raise ListingError(f"hours={hours} must be at least 1")
            start = (now or datetime.now(UTC)) - timedelta(hours=hours or 24)
            label = to_label(start.replace(minute=0, second=0, microsecond=0))
        if detector and detector not in BY_NAME:
            raise ListingError(f"no detector {detector!r}; detectors: {', '.join(BY_NAME)}")
        if min_severity and min_severity.upper() not in SEVERITIES:
            raise ListingError(f"severity {min_severity!r} is not one of {', '.join(SEVERITIES)}")
        if finding_id and not _ID.match(finding_id):
            raise ListingError(f"finding id {finding_id!r} is not 32 hexadecimal digits")
        return cls(label, detector, min_severity.upper() if min_severity else None, finding_id)

    def sql(self, stack: StackConfig) -> str:
        from vpcflow.model import sqlfiles

        return sqlfiles.render(
            "detections/findings_latest.sql",
            database=validate_identifier(stack.database, "database"),
            since=self.since,
            detector=self.detector,
            severity=SEVERITIES.index(self.min_severity) if self.min_severity else None,
            finding_id=self.finding_id,
        )


def latest(
    athena_client: Any, stack: StackConfig, query: Query, **options: Any
) -> tuple[list[dict[str, Any]], int]:
    """The findings' current rows (newest first) and the bytes the query scanned."""
    from vpcflow.athena import Athena

    athena = Athena.for_stack(athena_client, stack, **options)
    execution = athena.run(query.sql(stack))
    rows = [typed(FINDINGS, r) for r in athena.rows(execution["QueryExecutionId"])]
    return rows, int(execution.get("Statistics", {}).get("DataScannedInBytes") or 0)


def asset(row: dict[str, Any]) -> str:
    """The finding's instance and VPC where the enrichment knew them: ``i-0abc / vpc-0def``, else ''.
    The dashboard's findings table computes the same (vpcflow.provision.dashboard.findings_sql)."""
    if row.get("instance_id"):
        return row["instance_id"] + (f" / {row['vpc_id']}" if row.get("vpc_id") else "")
    return row.get("vpc_id") or ""


def peer_origin(row: dict[str, Any]) -> str:
    """Who the remote peer is where the enrichment knew: ``AWS S3``, ``NL, Example AS``, else ''."""
    if row.get("peer_aws_service"):
        return f"AWS {row['peer_aws_service']}"
    if row.get("peer_country"):
        return row["peer_country"] + (f", {row['peer_as_org']}" if row.get("peer_as_org") else "")
    return row.get("peer_as_org") or ""


def table(rows: list[dict[str, Any]]) -> str:
    header = ("last hour", "severity", "detector", "entity", "instance / vpc", "peer", "hours", "flows", "bytes",
              "finding")  # fmt: skip
    lines = [
        (
            r["hour"],
            r["severity"],
            r["detector"],
            entity(r)[:48],
            asset(r)[:48] or "-",
            peer_origin(r)[:32] or "-",
            str(r["hours_active"]),
            str(r["flows"]),
            str(r["bytes"]),
            r["finding_id"],
        )  # fmt: skip
        for r in rows
    ]
    widths = [
        max(len(h), *(len(line[i]) for line in lines)) if lines else len(h) for i, h in enumerate(header)
    ]
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    out += ["  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)) for line in lines]
    return "\n".join(out)


def _who(row: dict[str, Any]) -> list[str]:
    """Who is behind the finding, where the hours' enrichment said (nothing for hours compacted before)."""
    lines = []
    where = [f"{name} {row[column]}" for name, column in (("instance", "instance_id"), ("VPC", "vpc_id"),
             ("subnet", "subnet_id")) if row.get(column)]  # fmt: skip
    if where:
        lines.append(f"  on {', '.join(where)}")
    if row.get("peer_address"):
        about = [row[c] for c in ("peer_country_name", "peer_as_org") if row.get(c)]
        if row.get("peer_aws_service"):
            about.append(f"AWS {row['peer_aws_service']}")
        lines.append(f"  remote peer {row['peer_address']}" + (f": {', '.join(about)}" if about else ""))
    return lines


def details(row: dict[str, Any]) -> str:
    detector = BY_NAME[row["detector"]]
    lines = [
        f"finding {row['finding_id']}: {detector.title}: {entity(row)}",
        f"  severity {row['severity']} ({row['status']} in hour {row['hour']}), MITRE ATT&CK {row['technique']} "
        f"({row['tactic']})",
        f"  {row['detail']}",
        f"  seen {row['first_seen']} .. {row['last_seen']} UTC; {row['hours_active']} hour(s) with hits since "
        f"{row['first_hour']}; {row['flows']} flows, {row['packets']} packets, {row['bytes']} bytes",
        f"  interface {row['interfaceid']} (account {row['account']}); score {row['score']:g} against "
        f"{row['threshold']:g} (max {row['max_score']:g})",
        *_who(row),
        "  evidence:",
    ]
    for flow in json.loads(row["evidence"] or "[]"):
        start = (
            datetime.fromtimestamp(flow["start"], UTC).strftime("%Y-%m-%d %H:%M:%S") if flow["start"] else "-"
        )
        lines.append(
            f"    {start} {flow['source']}:{flow['source_port']} -> {flow['destination']}:{flow['destination_port']} "
            f"proto {flow['protocol']} {flow['action']} {flow['packets']} packets {flow['bytes']} bytes"
        )
    return "\n".join(lines)
