"""Telling security teams: each new or escalated finding goes to AWS Security Hub (BatchImportFindings, in
the AWS Security Finding Format) and to the stack's alerts topic (SNS), once.

"Once" is kept by a ledger in S3 (``detections/delivered/<finding_id>.json``: the severity last delivered
and the finding as imported). A finding is delivered when the ledger has no entry for it or holds a lower
severity, so rerunning hours, or a retry of this task, sends nothing twice: the ledger entry is written
right after its finding's SNS message, and a retry that fails between the two resends one message at most
(delivery is at-least-once, never lost). A finding that reassembly made obsolete (its incident was merged
into an earlier one when a late hour arrived) is archived in Security Hub (RecordState ARCHIVED).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError
from vpcflow.detections.asff import entity, security_hub_id, to_asff
from vpcflow.detections.detectors import BY_NAME, SEVERITIES
from vpcflow.detections.settings import DetectionSettings
from vpcflow.detections.tables import DETECTIONS_PREFIX
from vpcflow.model.config import StackConfig

log = logging.getLogger(__name__)

LEDGER_PREFIX = f"{DETECTIONS_PREFIX}delivered/"
BATCH = 100  # BatchImportFindings takes at most 100 findings per call

Publish = Callable[[str, str], Any]  # (subject, message) -> message id


class DeliveryFailed(RuntimeError):
    """Security Hub refused findings; the message names each and Security Hub's reason."""


@dataclass
class Delivered:
    delivered: list[dict[str, Any]] = field(default_factory=list)  # {"finding_id", "severity", "status", ...}
    archived: list[str] = field(default_factory=list)
    skipped: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"delivered": self.delivered, "archived": self.archived, "skipped": self.skipped}


def _ledger_key(finding_id: str) -> str:
    return f"{LEDGER_PREFIX}{finding_id}.json"


def read_ledger(s3: Any, stack: StackConfig, finding_id: str) -> dict[str, Any] | None:
    try:
        body = s3.get_object(Bucket=stack.bucket, Key=_ledger_key(finding_id))["Body"].read()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return None
        raise
    return json.loads(body)


def _write_ledger(s3: Any, stack: StackConfig, finding_id: str, entry: dict[str, Any]) -> None:
    s3.put_object(Bucket=stack.bucket, Key=_ledger_key(finding_id), Body=json.dumps(entry).encode())


def due(rows: Iterable[dict[str, Any]], s3: Any, stack: StackConfig) -> list[dict[str, Any]]:
    """The latest row of each finding whose severity the ledger has not delivered yet, in time order."""
    latest: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["finding_id"] not in latest or row["hour"] > latest[row["finding_id"]]["hour"]:
            latest[row["finding_id"]] = row
    out = []
    for row in sorted(latest.values(), key=lambda r: (r["hour"], r["detector"], r["finding_id"])):
        entry = read_ledger(s3, stack, row["finding_id"])
        if entry is None or SEVERITIES.index(row["severity"]) > SEVERITIES.index(entry["severity"]):
            out.append({**row, "delivery": "new" if entry is None else "escalated"})
    return out


def message(row: dict[str, Any], stack_name: str) -> tuple[str, str]:
    """The SNS subject (at most 100 characters) and body of a delivered finding."""
    detector = BY_NAME[row["detector"]]
    subject = f"vpcflow {row['severity']} ({row['delivery']}): {detector.title}: {entity(row)}"[:100]
    lines = [
        f"{detector.title}: {entity(row)}",
        f"severity {row['severity']} ({row['delivery']}), MITRE ATT&CK {detector.technique} "
        f"{detector.technique_name} ({detector.tactic})",
        f"{row['detail']}",
        f"seen {row['first_seen']} .. {row['last_seen']} UTC, {row['hours_active']} hour(s) with hits since "
        f"{row['first_hour']}; {row['flows']} flows, {row['bytes']} bytes",
        f"interface {row.get('interfaceid')} in account {row.get('account')}",
        f"Security Hub finding {security_hub_id(stack_name, row)}",
        f"details: vpcflow findings --id {row['finding_id']}",
        "evidence:",
    ]
    for flow in json.loads(row.get("evidence") or "[]"):
        lines.append(
            f"  {flow['start']} {flow['source']}:{flow['source_port']} -> {flow['destination']}:"
            f"{flow['destination_port']} proto {flow['protocol']} {flow['action']} {flow['packets']} packets "
            f"{flow['bytes']} bytes"
        )
    return subject, "\n".join(lines)


def deliver(
    rows: list[dict[str, Any]],
    superseded: list[str],
    s3: Any,
    securityhub: Any | None,
    publish: Publish | None,
    stack: StackConfig,
    settings: DetectionSettings,
    account: str,
    region: str,
    partition: str = "aws",
) -> Delivered:
    """Deliver the new or escalated findings among ``rows`` and archive ``superseded`` ids (see module)."""
    result = Delivered()
    pending = due(rows, s3, stack)
    result.skipped = len({r["finding_id"] for r in rows}) - len(pending)
    use_hub = securityhub is not None and settings.security_hub != "off"
    findings = {r["finding_id"]: to_asff(r, stack.stack_name, account, region, partition) for r in pending}
    if use_hub:
        _import(securityhub, list(findings.values()))
    for row in pending:
        message_id = None
        if publish is not None and settings.notify:
            message_id = publish(*message(row, stack.stack_name))
        entry = {"severity": row["severity"], "hour": row["hour"], "finding": findings[row["finding_id"]],
                 "security_hub": use_hub, "sns_message_id": message_id}  # fmt: skip
        _write_ledger(s3, stack, row["finding_id"], entry)
        result.delivered.append(
            {k: row[k] for k in ("finding_id", "detector", "severity", "delivery", "hour")}
            | {"entity": entity(row)}
        )
    archive = []
    for finding_id in superseded:
        entry = read_ledger(s3, stack, finding_id)
        if entry and not entry.get("archived"):
            archive.append((finding_id, entry))
    if archive and use_hub:
        _import(securityhub, [{**e["finding"], "RecordState": "ARCHIVED"} for _, e in archive])
    for finding_id, entry in archive:
        _write_ledger(s3, stack, finding_id, {**entry, "archived": True})
        result.archived.append(finding_id)
    log.info(
        "delivered %d finding(s) (%s), archived %d, %d already delivered",
        len(result.delivered),
        ", ".join(f"{d['severity']} {d['detector']} {d['entity']}" for d in result.delivered) or "none",
        len(result.archived),
        result.skipped,
    )
    return result


def _import(securityhub: Any, findings: list[dict[str, Any]]) -> None:
    failed = []
    for start in range(0, len(findings), BATCH):
        try:
            answer = securityhub.batch_import_findings(Findings=findings[start : start + BATCH])
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "InvalidAccessException":
                raise
            raise DeliveryFailed(
                f"Security Hub refused the findings: {exc.response['Error'].get('Message')}. Enable Security Hub "
                "in this account and region (VPCFLOW_SECURITY_HUB=enable lets vpcflow_provision do it), or set "
                "VPCFLOW_SECURITY_HUB=off to deliver to SNS only"
            ) from exc
        failed += answer.get("FailedFindings", [])
    if failed:
        raise DeliveryFailed(
            f"Security Hub refused {len(failed)} of {len(findings)} finding(s): "
            + "; ".join(f"{f.get('Id')}: {f.get('ErrorCode')} {f.get('ErrorMessage')}" for f in failed[:5])
        )
