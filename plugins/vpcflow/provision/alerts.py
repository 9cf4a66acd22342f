"""The stack's alarms and the SNS topic they notify: what tells an operator that flow logs are not reaching S3.

| alarm | metric | fires when |
|---|---|---|
| `<stack>-forwarder-failures-waiting` | AWS/SQS ApproximateNumberOfMessagesVisible (failure queue) | an event failed every attempt and waits for `vpcflow replay` |
| `<stack>-forwarder-errors` | AWS/Lambda Errors (forwarder) | an invocation failed (Lambda retries it) |
| `<stack>-forwarder-throttles` | AWS/Lambda Throttles (forwarder) | invocations were throttled (Lambda requeues them) |
| `<stack>-forwarder-events-dropped` | AWS/Lambda AsyncEventsDropped (forwarder) | Lambda gave an event up (after sending it to the failure queue) |
| `<stack>-delivery-stale` | AWS/Firehose DeliveryToS3.DataFreshness (stream) | the oldest record waiting in Firehose is older than the buffer interval + 15 min |

Metric meanings: https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html (AsyncEventsDropped:
"events dropped without successfully executing the function. If you configure a dead-letter queue or
OnFailure target, events are sent there before being dropped"),
https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html,
https://docs.aws.amazon.com/firehose/latest/dev/firehose-cloudwatch-metrics-best-practices.html (alarm on
DataFreshness above the buffering limit).

The topic is encrypted with the stack's KMS key when one is configured. CloudWatch can publish to an
encrypted topic only when its key is a customer managed key whose policy lets cloudwatch.amazonaws.com use
it (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services); the
AWS managed key alias/aws/sns cannot be granted, and alarms would then notify nobody. So without
``kms_key_arn`` the topic has no server-side encryption: its messages are alarm state changes (names,
metric values), not flow logs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vpcflow.model.config import StackConfig
from vpcflow.provision.common import Result, delete_if_present, get_or_none, log

# How far past its buffer interval Firehose may hold a record before the stream counts as stale.
FRESHNESS_GRACE_S = 900


@dataclass(frozen=True)
class AlarmSpec:
    name: str
    description: str
    namespace: str
    metric: str
    dimension: tuple[str, str]
    statistic: str
    period: int
    threshold: float
    evaluation_periods: int = 1

    def put_kwargs(self, topic_arn: str) -> dict[str, Any]:
        """PutMetricAlarm's arguments; every field is compared on the next run, so drift is repaired."""
        return {
            "AlarmName": self.name,
            "AlarmDescription": self.description,
            "ActionsEnabled": True,
            "AlarmActions": [topic_arn],
            "OKActions": [],
            "InsufficientDataActions": [],
            "Namespace": self.namespace,
            "MetricName": self.metric,
            "Dimensions": [{"Name": self.dimension[0], "Value": self.dimension[1]}],
            "Statistic": self.statistic,
            "Period": self.period,
            "EvaluationPeriods": self.evaluation_periods,
            "DatapointsToAlarm": self.evaluation_periods,
            "Threshold": float(self.threshold),
            "ComparisonOperator": "GreaterThanThreshold",
            # No datapoint means no invocation, no queue activity or no buffered record: nothing wrong.
            "TreatMissingData": "notBreaching",
        }


def alarm_specs(config: StackConfig) -> list[AlarmSpec]:
    c, prefix = config, config.alarm_prefix
    function = ("FunctionName", c.forwarder_function)
    return [
        AlarmSpec(
            f"{prefix}forwarder-failures-waiting",
            f"Flow-log events the forwarder could not deliver after every retry wait in SQS queue "
            f"{c.forwarder_failure_queue} (kept 14 days). Fix the cause (Firehose, IAM, KMS), then run "
            "`vpcflow replay`.",
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            ("QueueName", c.forwarder_failure_queue),
            "Maximum",
            300,
            0,
        ),
        AlarmSpec(
            f"{prefix}forwarder-errors",
            f"Lambda {c.forwarder_function} failed an invocation; Lambda retries it twice, then sends it to "
            f"{c.forwarder_failure_queue}. See /aws/lambda/{c.forwarder_function}.",
            "AWS/Lambda",
            "Errors",
            function,
            "Sum",
            60,
            0,
        ),
        AlarmSpec(
            f"{prefix}forwarder-throttles",
            f"Lambda {c.forwarder_function} was throttled; Lambda requeues throttled events for up to 6 hours. "
            "Check the account's concurrency.",
            "AWS/Lambda",
            "Throttles",
            function,
            "Sum",
            60,
            0,
        ),
        AlarmSpec(
            f"{prefix}forwarder-events-dropped",
            f"Lambda gave up events of {c.forwarder_function} (retries exhausted or older than 6 hours); they "
            f"went to {c.forwarder_failure_queue} unless that delivery failed too (DestinationDeliveryFailures).",
            "AWS/Lambda",
            "AsyncEventsDropped",
            function,
            "Sum",
            60,
            0,
        ),
        AlarmSpec(
            f"{prefix}delivery-stale",
            f"Firehose stream {c.delivery_stream} holds a record older than its buffer interval "
            f"({c.buffer_interval_s} s) + {FRESHNESS_GRACE_S} s: delivery to s3://{c.bucket}/{c.raw_prefix} is "
            f"failing. See /aws/kinesisfirehose/{c.delivery_stream}.",
            "AWS/Firehose",
            "DeliveryToS3.DataFreshness",
            ("DeliveryStreamName", c.delivery_stream),
            "Maximum",
            300,
            c.buffer_interval_s + FRESHNESS_GRACE_S,
        ),
    ]


# -- the topic -----------------------------------------------------------------------------------------


def ensure_alerts_topic(sns: Any, config: StackConfig, topic_arn: str) -> Result:
    """The standard topic, encrypted with the stack's KMS key when there is one (see the module docstring)."""
    want_key = config.kms_key_arn
    attributes = get_or_none(lambda: sns.get_topic_attributes(TopicArn=topic_arn)["Attributes"])
    if attributes is None:
        sns.create_topic(
            Name=config.alerts_topic, Attributes={"KmsMasterKeyId": want_key} if want_key else {}
        )
        log.info("created topic %s", config.alerts_topic)
        return Result("created", topic_arn)
    if attributes.get("KmsMasterKeyId", "") == want_key:
        return Result("unchanged", topic_arn)
    # An empty KmsMasterKeyId turns server-side encryption off.
    sns.set_topic_attributes(TopicArn=topic_arn, AttributeName="KmsMasterKeyId", AttributeValue=want_key)
    return Result("updated", topic_arn)


def delete_alerts_topic(sns: Any, config: StackConfig, topic_arn: str) -> Result:
    # DeleteTopic succeeds for a topic that does not exist, so look first to tell "absent" from "deleted".
    if get_or_none(lambda: sns.get_topic_attributes(TopicArn=topic_arn)) is None:
        return Result("absent", config.alerts_topic)
    return delete_if_present(lambda: sns.delete_topic(TopicArn=topic_arn), config.alerts_topic)


# -- the alarms ----------------------------------------------------------------------------------------


def _comparable(alarm: dict[str, Any], keys: list[str]) -> dict[str, Any]:
    out = {}
    for key in keys:
        value = alarm.get(key)
        if key == "Dimensions":
            value = sorted((d["Name"], d["Value"]) for d in value or [])
        elif key.endswith("Actions"):
            value = sorted(value or [])
        elif key == "Threshold" and value is not None:
            value = float(value)
        out[key] = value
    return out


def _current_alarms(cloudwatch: Any, names: list[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    paginator = cloudwatch.get_paginator("describe_alarms")
    for page in paginator.paginate(AlarmNames=names, AlarmTypes=["MetricAlarm"]):
        found |= {alarm["AlarmName"]: alarm for alarm in page.get("MetricAlarms", [])}
    return found


def ensure_alarms(cloudwatch: Any, config: StackConfig, topic_arn: str) -> dict[str, Result]:
    """Every alarm of ``alarm_specs``, created or put again when a field differs (PutMetricAlarm replaces
    the whole configuration and leaves the alarm's state as it is)."""
    specs = alarm_specs(config)
    current = _current_alarms(cloudwatch, [s.name for s in specs])
    results = {}
    for spec in specs:
        want = spec.put_kwargs(topic_arn)
        have = current.get(spec.name)
        if have is not None and _comparable(have, list(want)) == _comparable(want, list(want)):
            results[spec.name] = Result("unchanged", have.get("AlarmArn", spec.name))
            continue
        cloudwatch.put_metric_alarm(**want)
        results[spec.name] = Result("updated" if have else "created", spec.name)
    return results


def delete_alarms(cloudwatch: Any, config: StackConfig) -> dict[str, Result]:
    names = [s.name for s in alarm_specs(config)]
    present = _current_alarms(cloudwatch, names)
    if present:
        cloudwatch.delete_alarms(AlarmNames=sorted(present))
    return {name: Result("deleted" if name in present else "absent", name) for name in names}
