"""What the alarm evaluator reads and writes: moto's CloudWatch backend, per account and region.

moto keeps the alarms (PutMetricAlarm, DescribeAlarms, SetAlarmState, ...) and the datapoints, but never
evaluates an alarm. A ``Region`` turns moto's alarms into evaluation rules, refusing what the evaluator
cannot do, and gives each alarm the datapoints of its metric.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from localaws.cloudwatch.errors import unsupported_alarm
from localaws.cloudwatch.evaluation import COMPARISONS, MISSING_DATA, STATISTICS, Rule, Sample


def backends(account_id: str) -> dict[str, Any]:
    """The regions where CloudWatch was used (moto creates a region's backend on first use)."""
    from moto.cloudwatch.models import cloudwatch_backends

    return dict(cloudwatch_backends[account_id].items())


def _naive_utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


class Region:
    def __init__(self, account_id: str, name: str, backend: Any):
        self.account_id = account_id
        self.name = name
        self.backend = backend

    def alarms(self, prefix: str = "") -> list[Any]:
        """Metric alarms whose name starts with ``prefix`` (composite alarms live apart in moto)."""
        return sorted(
            (a for a in list(self.backend.alarms.values()) if a.name.startswith(prefix) and not a.rule),
            key=lambda a: a.name,
        )

    def samples(self, alarm: Any) -> list[Sample]:
        """Every datapoint of the alarm's metric: same namespace and name, exactly its dimensions (a metric
        is identified by all of them), and its unit when the alarm names one."""
        want = sorted((d.name, d.value) for d in alarm.dimensions)
        found = []
        for datum in list(self.backend.get_all_metrics()):
            if datum.namespace != alarm.namespace or datum.name != alarm.metric_name:
                continue
            if sorted((d.name, d.value) for d in datum.dimensions) != want:
                continue
            if alarm.unit and datum.unit != alarm.unit:
                continue
            timestamp = _naive_utc(datum.timestamp)
            if hasattr(datum, "value"):
                found.append(Sample(timestamp, 1.0, datum.value, datum.value, datum.value))
            else:
                found.append(Sample(timestamp, datum.sample_count, datum.sum, datum.min, datum.max))
        return found

    def set_state(self, alarm: Any, state: str, reason: str, reason_data: str) -> None:
        self.backend.set_alarm_state(alarm.name, reason, reason_data, state)


def rule_of(alarm: Any) -> Rule:
    """The evaluation rule of a moto alarm; raises ``unsupported_alarm`` for what localaws cannot evaluate,
    so such an alarm is named instead of sitting in a state that means nothing."""
    problems = []
    if alarm.metric_data_queries:
        problems.append("metric math (Metrics) is not evaluated")
    if alarm.extended_statistic:
        problems.append(f"extended statistic {alarm.extended_statistic} (percentiles) is not evaluated")
    if alarm.threshold_metric_id:
        problems.append("anomaly detection bands (ThresholdMetricId) are not evaluated")
    if alarm.comparison_operator not in COMPARISONS:
        problems.append(f"comparison {alarm.comparison_operator} is not evaluated")
    if not alarm.extended_statistic and alarm.statistic not in STATISTICS:
        problems.append(f"statistic {alarm.statistic!r} is not one of {', '.join(STATISTICS)}")
    treat = alarm.treat_missing_data or "missing"
    if treat not in MISSING_DATA:
        problems.append(f"TreatMissingData {treat!r} is not one of {', '.join(MISSING_DATA)}")
    if problems:
        raise unsupported_alarm(alarm.name, problems)
    periods = int(alarm.evaluation_periods)
    return Rule(
        name=alarm.name,
        statistic=alarm.statistic,
        period=int(alarm.period),
        evaluation_periods=periods,
        datapoints_to_alarm=int(alarm.datapoints_to_alarm or periods),
        threshold=float(alarm.threshold),
        comparison=alarm.comparison_operator,
        treat_missing_data=treat,
        state=alarm.state_value,
    )
