"""How a metric alarm's state follows from its datapoints: pure rules, no moto, no clock of their own.

CloudWatch's rules (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
and https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html): the statistic is taken
per period over the last EvaluationPeriods periods; the alarm goes to ALARM when at least DatapointsToAlarm
of them breach the threshold, to OK otherwise; periods without data count as TreatMissingData says
(``missing``: ignored, and INSUFFICIENT_DATA when every period lacks data; ``notBreaching``: good;
``breaching``: bad; ``ignore``: the state stays when no period has data).

One simplification: the periods end at the evaluation time rather than on period boundaries, so a
datapoint counts as soon as it is published instead of after its period closes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
COMPARISONS = {
    "GreaterThanThreshold": (lambda v, t: v > t, "greater than"),
    "GreaterThanOrEqualToThreshold": (lambda v, t: v >= t, "greater than or equal to"),
    "LessThanThreshold": (lambda v, t: v < t, "less than"),
    "LessThanOrEqualToThreshold": (lambda v, t: v <= t, "less than or equal to"),
}
MISSING_DATA = ("missing", "notBreaching", "breaching", "ignore")


class Sample(NamedTuple):
    """One datapoint as CloudWatch keeps it: a single value is (1, v, v, v); StatisticValues as given."""

    timestamp: datetime  # naive UTC
    count: float
    total: float
    minimum: float
    maximum: float


@dataclass(frozen=True)
class Rule:
    """What evaluation needs from an alarm."""

    name: str
    statistic: str
    period: int
    evaluation_periods: int
    datapoints_to_alarm: int
    threshold: float
    comparison: str
    treat_missing_data: str
    state: str


@dataclass(frozen=True)
class Verdict:
    state: str
    reason: str
    reason_data: str


def statistic(name: str, samples: list[Sample]) -> float:
    count = sum(s.count for s in samples)
    if name == "SampleCount":
        return count
    if name == "Sum":
        return sum(s.total for s in samples)
    if name == "Minimum":
        return min(s.minimum for s in samples)
    if name == "Maximum":
        return max(s.maximum for s in samples)
    return sum(s.total for s in samples) / count if count else 0.0


def windows(rule: Rule, now: datetime) -> list[tuple[datetime, datetime]]:
    """The evaluation range, oldest period first."""
    period = timedelta(seconds=rule.period)
    return [(now - period * (k + 1), now - period * k) for k in reversed(range(rule.evaluation_periods))]


def evaluate(rule: Rule, samples: list[Sample], now: datetime) -> Verdict:
    breaches, threshold_text = COMPARISONS[rule.comparison]
    values: list[tuple[datetime, float | None]] = []
    for start, end in windows(rule, now):
        inside = [s for s in samples if start <= s.timestamp < end]
        values.append((start, statistic(rule.statistic, inside) if inside else None))
    present = [(start, v) for start, v in values if v is not None]
    missing = len(values) - len(present)
    data = _reason_data(rule, now, present)

    if not present and rule.treat_missing_data in ("missing", "ignore"):
        if rule.treat_missing_data == "ignore":
            return Verdict(rule.state, "Unchanged: no datapoints, and missing data is ignored", data)
        return Verdict(
            "INSUFFICIENT_DATA",
            f"Insufficient Data: {len(values)} datapoint{'s were' if len(values) > 1 else ' was'} unknown.",
            data,
        )
    breaching = sum(1 for _, v in present if breaches(v, rule.threshold))
    if rule.treat_missing_data == "breaching":
        breaching += missing
    shown = ", ".join(f"{v} ({start:%d/%m/%y %H:%M:%S})" for start, v in reversed(present))
    over = f"the last {len(values)} datapoint{'s' if len(values) > 1 else ''}"
    missing_text = (
        f" ({missing} missing datapoint{'s' if missing > 1 else ''} treated as "
        f"[{'Breaching' if rule.treat_missing_data == 'breaching' else 'NonBreaching'}])"
        if missing and rule.treat_missing_data in ("breaching", "notBreaching")
        else ""
    )
    if breaching >= rule.datapoints_to_alarm:
        return Verdict(
            "ALARM",
            f"Threshold Crossed: {breaching} out of {over} [{shown}] was {threshold_text} the threshold "
            f"({rule.threshold}){missing_text} (minimum {rule.datapoints_to_alarm} datapoint"
            f"{'s' if rule.datapoints_to_alarm > 1 else ''} for OK -> ALARM transition).",
            data,
        )
    return Verdict(
        "OK",
        f"Threshold Crossed: {breaching} out of {over} [{shown or 'no datapoints'}] breached the threshold "
        f"({rule.threshold}){missing_text} (minimum {rule.datapoints_to_alarm} for ALARM).",
        data,
    )


def _reason_data(rule: Rule, now: datetime, present: list[tuple[datetime, float]]) -> str:
    start = now - timedelta(seconds=rule.period * rule.evaluation_periods)
    return json.dumps(
        {
            "version": "1.0",
            "queryDate": f"{now:%Y-%m-%dT%H:%M:%S.%f}"[:-3] + "+0000",
            "startDate": f"{start:%Y-%m-%dT%H:%M:%S.%f}"[:-3] + "+0000",
            "statistic": rule.statistic,
            "period": rule.period,
            "recentDatapoints": [v for _, v in reversed(present)],
            "threshold": rule.threshold,
            "evaluatedDatapoints": [
                {"timestamp": f"{t:%Y-%m-%dT%H:%M:%S}.000+0000", "value": v} for t, v in reversed(present)
            ],
        }
    )
