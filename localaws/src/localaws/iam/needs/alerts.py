"""Where failures and alarms go: SQS, SNS, CloudWatch alarms and metrics (metric actions have no
resource-level permissions). A batch call is authorized by its single-message action."""

from __future__ import annotations

from localaws.iam.needs.base import Arns, Params, Resolver, Rule, indexed, on, ops, unscoped


def _queue(p: Params, a: Arns, r: Resolver) -> list[str]:
    if p.get("QueueUrl"):
        account, name = p["QueueUrl"].rstrip("/").split("/")[-2:]
        return [a("sqs", name, account=account)]
    return [a("sqs", p["QueueName"], account=p.get("QueueOwnerAWSAccountId"))]


SQS: dict[str, Rule] = {
    op: on("sqs", _queue)
    for op in ops("""
        GetQueueUrl CreateQueue DeleteQueue GetQueueAttributes SetQueueAttributes SendMessage ReceiveMessage
        DeleteMessage ChangeMessageVisibility PurgeQueue ListQueueTags TagQueue
    """)
}
SQS |= {
    f"{op}Batch": on("sqs", _queue, op) for op in ops("SendMessage DeleteMessage ChangeMessageVisibility")
}
SQS["ListQueues"] = unscoped("sqs")


def _topic(p: Params, a: Arns, r: Resolver) -> list[str]:
    # Publish names its topic (or a mobile endpoint) as TopicArn or TargetArn; an SMS names no resource.
    if p.get("TopicArn") or p.get("TargetArn"):
        return [p.get("TopicArn") or p["TargetArn"]]
    if p.get("PhoneNumber"):
        return ["*"]
    if p.get("SubscriptionArn"):
        return [p["SubscriptionArn"].rsplit(":", 1)[0]]
    return [a("sns", p["Name"])]


SNS: dict[str, Rule] = {
    op: on("sns", _topic)
    for op in ops("""
        CreateTopic DeleteTopic GetTopicAttributes SetTopicAttributes Publish Subscribe Unsubscribe
        ListSubscriptionsByTopic
    """)
}
SNS["PublishBatch"] = on("sns", _topic, "Publish")
SNS["ListTopics"] = unscoped("sns")


def _alarms(p: Params, a: Arns, r: Resolver) -> list[str]:
    names = (
        p.get("AlarmNames")
        or indexed(p, "AlarmNames.member")
        or ([p["AlarmName"]] if "AlarmName" in p else [])
    )
    # Without names the call reaches every alarm of the account.
    return [a("cloudwatch", f"alarm:{n}") for n in names] or [a("cloudwatch", "alarm:*")]


CLOUDWATCH: dict[str, Rule] = {
    op: on("cloudwatch", _alarms)
    for op in ops("""
        DescribeAlarms PutMetricAlarm DeleteAlarms SetAlarmState EnableAlarmActions DisableAlarmActions
        DescribeAlarmHistory
    """)
}
CLOUDWATCH |= {
    op: unscoped("cloudwatch")
    for op in ops("PutMetricData GetMetricData GetMetricStatistics ListMetrics DescribeAlarmsForMetric")
}
