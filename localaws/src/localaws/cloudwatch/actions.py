"""An alarm's actions when its state changes: the notification CloudWatch publishes to an SNS topic.

The message is CloudWatch's JSON (AlarmName, NewStateValue, NewStateReason, StateChangeTime, Trigger, ...),
as in the alarm notifications Lambda's event samples carry (aws/aws-lambda-go
events/testdata/cloudwatch-alarm-sns-payload-single-metric.json); the subject is
``ALARM: "name" in US East (N. Virginia)``. Only SNS actions are emulated: an Auto Scaling, EC2, Systems
Manager or Lambda action is reported as not run, never silently skipped.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

log = logging.getLogger("localaws.cloudwatch")

REGION_NAMES = {
    "us-east-1": "US East (N. Virginia)",
    "us-east-2": "US East (Ohio)",
    "us-west-1": "US West (N. California)",
    "us-west-2": "US West (Oregon)",
    "ca-central-1": "Canada (Central)",
    "eu-west-1": "EU (Ireland)",
    "eu-west-2": "EU (London)",
    "eu-west-3": "EU (Paris)",
    "eu-central-1": "EU (Frankfurt)",
    "eu-north-1": "EU (Stockholm)",
    "ap-northeast-1": "Asia Pacific (Tokyo)",
    "ap-southeast-1": "Asia Pacific (Singapore)",
    "ap-southeast-2": "Asia Pacific (Sydney)",
    "ap-south-1": "Asia Pacific (Mumbai)",
    "sa-east-1": "South America (Sao Paulo)",
}
SUBJECT_MAX = 100  # SNS Publish: a subject is at most 100 characters


def _time(value: datetime) -> str:
    return f"{value:%Y-%m-%dT%H:%M:%S.%f}"[:-3] + "+0000"


def notification(alarm: Any, account_id: str, region: str, old_state: str) -> tuple[str, str]:
    """(subject, message) for the alarm's current state, as CloudWatch publishes them to SNS."""
    place = REGION_NAMES.get(region, region)
    subject = f'{alarm.state_value}: "{alarm.name}" in {place}'
    if len(subject) > SUBJECT_MAX:
        subject = subject[: SUBJECT_MAX - 3] + "..."
    message = {
        "AlarmName": alarm.name,
        "AlarmDescription": alarm.description or None,
        "AWSAccountId": account_id,
        "AlarmConfigurationUpdatedTimestamp": _time(alarm.configuration_updated_timestamp),
        "NewStateValue": alarm.state_value,
        "NewStateReason": alarm.state_reason,
        "StateChangeTime": _time(alarm.state_updated_timestamp),
        "Region": place,
        "AlarmArn": alarm.alarm_arn,
        "OldStateValue": old_state,
        "OKActions": list(alarm.ok_actions),
        "AlarmActions": list(alarm.alarm_actions),
        "InsufficientDataActions": list(alarm.insufficient_data_actions),
        "Trigger": {
            "MetricName": alarm.metric_name,
            "Namespace": alarm.namespace,
            "StatisticType": "Statistic",
            "Statistic": (alarm.statistic or "").upper(),
            "Unit": alarm.unit,
            "Dimensions": [{"value": d.value, "name": d.name} for d in alarm.dimensions],
            "Period": int(alarm.period),
            "EvaluationPeriods": int(alarm.evaluation_periods),
            "DatapointsToAlarm": int(alarm.datapoints_to_alarm or alarm.evaluation_periods),
            "ComparisonOperator": alarm.comparison_operator,
            "Threshold": float(alarm.threshold),
            "TreatMissingData": alarm.treat_missing_data or "missing",
            "EvaluateLowSampleCountPercentile": alarm.evaluate_low_sample_count_percentile or "",
        },
    }
    return subject, json.dumps(message)


def actions_for(alarm: Any) -> list[str]:
    if alarm.state_value == "ALARM":
        return list(alarm.alarm_actions)
    if alarm.state_value == "OK":
        return list(alarm.ok_actions)
    return list(alarm.insufficient_data_actions)


def run(
    alarm: Any, account_id: str, region: str, old_state: str, client: Callable[[str, str], Any]
) -> tuple[list[str], list[str]]:
    """Run the actions of the alarm's new state; returns (ARNs notified, problems). Nothing runs when the
    alarm's actions are disabled, as on AWS."""
    if not alarm.actions_enabled:
        return [], []
    done, problems = [], []
    for arn in actions_for(alarm):
        service = arn.split(":")[2] if arn.count(":") >= 5 else ""
        if service != "sns":
            problems.append(
                f"alarm {alarm.name!r}: action {arn} is not emulated by localaws (only SNS topics)"
            )
            continue
        subject, message = notification(alarm, account_id, region, old_state)
        try:
            client("sns", arn.split(":")[3]).publish(TopicArn=arn, Subject=subject, Message=message)
        except Exception as err:  # CloudWatch records a failed action in the alarm's history; we name it
            problems.append(f"alarm {alarm.name!r}: could not publish to {arn}: {err}")
            continue
        done.append(arn)
    for problem in problems:
        log.error("cloudwatch: %s", problem)
    return done, problems
