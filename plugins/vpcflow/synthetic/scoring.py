"""Findings measured against a scenario's labels (vpcflow.synthetic.scenario): precision and recall per
detector, and alerts per day.

A finding *matches* a label when their hours overlap and the finding names one of the label's addresses
(as source or destination) or interfaces. It is a true positive when it matches a label that expects or
accepts its detector; otherwise (nothing matched, or only benign look-alikes) it is a false positive. A
label is *found* by a detector it expects when a finding of that detector matches it. Only what starts in
the scored days counts; the history days give baselines.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from vpcflow.synthetic.scenario import Label


@dataclass(frozen=True)
class Finding:
    """A finding as scored: its id, detector, hours and the entities its rows named."""

    finding_id: str
    detector: str
    first_hour: str
    last_hour: str
    addresses: frozenset[str]
    interfaces: frozenset[str]
    alerts: int  # rows that were new or escalated: what was delivered

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]]) -> list[Finding]:
        """One Finding per finding_id from vpc_flow_findings rows (``hour`` or ``ingestdatetime``)."""
        grouped: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
        for row in rows:
            grouped[row["finding_id"]].append(row)
        out = []
        for finding_id, group in grouped.items():
            hours = sorted(r.get("hour") or r["ingestdatetime"] for r in group)
            out.append(
                cls(
                    finding_id,
                    group[0]["detector"],
                    hours[0],
                    hours[-1],
                    frozenset(a for r in group for a in (r.get("source"), r.get("destination")) if a),
                    frozenset(r["interfaceid"] for r in group if r.get("interfaceid")),
                    sum(1 for r in group if r.get("status") in ("new", "escalated")),
                )
            )
        return out


def _label_hours(label: Label) -> tuple[str, str]:
    from datetime import timedelta

    return f"{label.start:%Y-%m-%d-%H}", f"{label.end - timedelta(hours=1):%Y-%m-%d-%H}"


def matches(finding: Finding, label: Label) -> bool:
    first, last = _label_hours(label)
    if finding.last_hour < first or finding.first_hour > last:
        return False
    return bool(finding.addresses & label.addresses or finding.interfaces & label.interfaces)


@dataclass
class DetectorScore:
    findings: int = 0
    true_positives: int = 0
    expected: int = 0
    found: int = 0
    false_positives: list[str] = field(default_factory=list)  # what each one matched ("nothing" or a kind)
    missed: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float | None:
        return self.true_positives / self.findings if self.findings else None

    @property
    def recall(self) -> float | None:
        return self.found / self.expected if self.expected else None


@dataclass
class Score:
    detectors: dict[str, DetectorScore]
    alerts: int
    days: float

    @property
    def alerts_per_day(self) -> float:
        return self.alerts / self.days if self.days else 0.0


def score(findings: list[Finding], labels: list[Label], scored_from: datetime, days: float,
          detectors: Iterable[str]) -> Score:  # fmt: skip
    """Score the findings that start in the scored days against the labels."""
    start = f"{scored_from:%Y-%m-%d-%H}"
    scored = [f for f in findings if f.first_hour >= start]
    result = {d: DetectorScore() for d in detectors}
    for finding in scored:
        entry = result.setdefault(finding.detector, DetectorScore())
        entry.findings += 1
        matched = [lab for lab in labels if matches(finding, lab)]
        if any(finding.detector in (*lab.expect, *lab.accept) for lab in matched):
            entry.true_positives += 1
        else:
            kinds = sorted({lab.kind for lab in matched}) or ["nothing"]
            entry.false_positives.append(f"{finding.first_hour} {'/'.join(kinds)}")
    for label in labels:
        if label.start < scored_from:
            continue
        for detector in label.expect:
            entry = result.setdefault(detector, DetectorScore())
            entry.expected += 1
            if any(f.detector == detector and matches(f, label) for f in scored):
                entry.found += 1
            else:
                entry.missed.append(f"{label.id} ({label.note})")
    return Score(result, sum(f.alerts for f in scored), days)
