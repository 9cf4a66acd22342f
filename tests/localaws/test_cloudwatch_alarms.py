"""localaws's alarm evaluator: the rules (pure, table-driven), and through boto3: a metric alarm moves to
ALARM and notifies its SNS topic in CloudWatch's JSON, queue depths and Firehose freshness are sampled as
AWS publishes them, and what localaws cannot evaluate is refused by name."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import requests
from localaws.cloudwatch.evaluation import Rule, Sample, evaluate

NOW = datetime(2026, 11, 30, 12, 0, 0)


def rule(**overrides) -> Rule:
    values = dict(
        name="a",
        statistic="Sum",
        period=60,
        evaluation_periods=1,
        datapoints_to_alarm=1,
        threshold=0.0,
        comparison="GreaterThanThreshold",
        treat_missing_data="missing",
        state="OK",
    )
    return Rule(**(values | overrides))


def at(seconds_ago: float, value: float) -> Sample:
    return Sample(NOW - timedelta(seconds=seconds_ago), 1.0, value, value, value)


# (rule overrides, datapoints as (seconds ago, value), expected state)
CASES = [
    ({}, [(10, 1)], "ALARM"),
    ({}, [(10, 0)], "OK"),
    ({}, [(70, 5)], "INSUFFICIENT_DATA"),  # outside the one period: no data
    ({"treat_missing_data": "notBreaching"}, [], "OK"),
    ({"treat_missing_data": "breaching"}, [], "ALARM"),
    ({"treat_missing_data": "ignore", "state": "ALARM"}, [], "ALARM"),
    ({"statistic": "Maximum", "threshold": 4}, [(5, 1), (6, 5)], "ALARM"),
    ({"statistic": "Average", "threshold": 4}, [(5, 1), (6, 5)], "OK"),
    ({"statistic": "SampleCount", "threshold": 1}, [(5, 1), (6, 5)], "ALARM"),
    ({"statistic": "Minimum", "comparison": "LessThanThreshold", "threshold": 2}, [(5, 1), (6, 5)], "ALARM"),
    ({"comparison": "GreaterThanOrEqualToThreshold", "threshold": 3}, [(5, 3)], "ALARM"),
    # 2 of 3 periods must breach: one breaching period is not enough, two are
    ({"evaluation_periods": 3, "datapoints_to_alarm": 2}, [(10, 1), (70, 0), (130, 0)], "OK"),
    ({"evaluation_periods": 3, "datapoints_to_alarm": 2}, [(10, 1), (130, 1)], "ALARM"),
    (
        {"evaluation_periods": 3, "datapoints_to_alarm": 2, "treat_missing_data": "breaching"},
        [(10, 1)],
        "ALARM",
    ),
]


@pytest.mark.parametrize(("overrides", "points", "state"), CASES)
def test_evaluation_rules(overrides, points, state):
    verdict = evaluate(rule(**overrides), [at(s, v) for s, v in points], NOW)
    assert verdict.state == state, verdict.reason


def test_an_alarm_reason_reads_like_cloudwatchs():
    verdict = evaluate(rule(), [at(10, 3.0)], NOW)
    assert verdict.reason.startswith("Threshold Crossed: 1 out of the last 1 datapoint [3.0 (30/11/26 11:59:")
    assert "was greater than the threshold (0.0)" in verdict.reason
    assert json.loads(verdict.reason_data)["recentDatapoints"] == [3.0]


# -- through localaws ----------------------------------------------------------------------------------


def evaluate_now(localaws, prefix: str) -> requests.Response:
    return requests.post(
        f"{localaws.endpoint}/_localaws/cloudwatch/evaluate", params={"prefix": prefix}, timeout=60
    )


@pytest.fixture
def inbox(aws_client, unique):
    """A topic and an SQS queue subscribed to it: (topic ARN, a function that drains the notifications)."""
    sqs, sns = aws_client("sqs"), aws_client("sns")
    topic = sns.create_topic(Name=f"alerts-{unique}")["TopicArn"]
    url = sqs.create_queue(QueueName=f"inbox-{unique}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)

    def drain() -> list[dict]:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
            "Messages", []
        )
        for message in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return [json.loads(m["Body"]) for m in messages]

    return topic, drain


def alarm(aws_client, name: str, topic: str, **overrides) -> None:
    kwargs = dict(
        AlarmName=name,
        AlarmDescription="too many widgets",
        Namespace="Test/Widgets",
        MetricName="Broken",
        Dimensions=[{"Name": "Line", "Value": name}],
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=5.0,
        ComparisonOperator="GreaterThanThreshold",
        TreatMissingData="notBreaching",
        AlarmActions=[topic],
    )
    # An override of None leaves the setting out (a metric math alarm names no single metric).
    aws_client("cloudwatch").put_metric_alarm(
        **{k: v for k, v in (kwargs | overrides).items() if v is not None}
    )


def put(aws_client, name: str, value: float) -> None:
    aws_client("cloudwatch").put_metric_data(
        Namespace="Test/Widgets",
        MetricData=[
            {"MetricName": "Broken", "Dimensions": [{"Name": "Line", "Value": name}], "Value": value}
        ],
    )


def state(aws_client, name: str) -> dict:
    (found,) = aws_client("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"]
    return found


def test_a_breaching_metric_moves_the_alarm_and_notifies_its_topic_once(localaws, aws_client, unique, inbox):
    topic, drain = inbox
    name = f"widgets-{unique}"
    alarm(aws_client, name, topic)
    # GIVEN 3 broken widgets in the last minute: not more than 5
    put(aws_client, name, 3)
    evaluate_now(localaws, name).raise_for_status()
    assert state(aws_client, name)["StateValue"] == "OK"
    assert drain() == []  # OK -> OK is no change, and the alarm has no OKActions anyway
    # WHEN 4 more break
    put(aws_client, name, 4)
    answer = evaluate_now(localaws, name)
    answer.raise_for_status()
    # THEN the alarm is in ALARM, and its topic got CloudWatch's notification
    (outcome,) = answer.json()["alarms"]
    assert (outcome["old_state"], outcome["state"], outcome["notified"]) == ("OK", "ALARM", [topic])
    found = state(aws_client, name)
    assert found["StateValue"] == "ALARM" and found["StateReason"].startswith("Threshold Crossed: 1 out of")
    (note,) = drain()
    assert note["Subject"] == f'ALARM: "{name}" in US East (N. Virginia)'
    message = json.loads(note["Message"])
    assert {k: message[k] for k in ("AlarmName", "AlarmDescription", "NewStateValue", "OldStateValue")} == {
        "AlarmName": name,
        "AlarmDescription": "too many widgets",
        "NewStateValue": "ALARM",
        "OldStateValue": "OK",
    }
    assert message["AWSAccountId"] == "123456789012" and message["Region"] == "US East (N. Virginia)"
    assert message["Trigger"] | {"Dimensions": None} == {
        "MetricName": "Broken",
        "Namespace": "Test/Widgets",
        "StatisticType": "Statistic",
        "Statistic": "SUM",
        "Unit": None,
        "Dimensions": None,
        "Period": 60,
        "EvaluationPeriods": 1,
        "DatapointsToAlarm": 1,
        "ComparisonOperator": "GreaterThanThreshold",
        "Threshold": 5.0,
        "TreatMissingData": "notBreaching",
        "EvaluateLowSampleCountPercentile": "",
    }
    assert message["Trigger"]["Dimensions"] == [{"value": name, "name": "Line"}]
    # AND evaluating again changes nothing and notifies nobody
    assert evaluate_now(localaws, name).json()["alarms"][0]["changed"] is False
    assert drain() == []


def test_queue_depth_and_firehose_freshness_are_sampled_as_aws_publishes_them(
    localaws, aws_client, unique, inbox
):
    # GIVEN a queue holding two messages, a stream buffering one record, and an alarm on each
    topic, _ = inbox
    sqs = aws_client("sqs")
    url = sqs.create_queue(QueueName=f"depth-{unique}")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="a")
    sqs.send_message(QueueUrl=url, MessageBody="b")
    stream = f"fresh-{unique}"
    aws_client("s3").create_bucket(Bucket=stream)
    aws_client("firehose").create_delivery_stream(
        DeliveryStreamName=stream,
        ExtendedS3DestinationConfiguration={
            "RoleARN": "arn:aws:iam::123456789012:role/firehose",
            "BucketARN": f"arn:aws:s3:::{stream}",
            "BufferingHints": {"SizeInMBs": 5, "IntervalInSeconds": 900},
        },
    )
    aws_client("firehose").put_record(DeliveryStreamName=stream, Record={"Data": b"a record\n"})
    depth, fresh = f"{unique}-depth", f"{unique}-fresh"
    alarm(aws_client, depth, topic, Namespace="AWS/SQS", MetricName="ApproximateNumberOfMessagesVisible",
          Dimensions=[{"Name": "QueueName", "Value": f"depth-{unique}"}], Statistic="Maximum", Threshold=1.0)  # fmt: skip
    alarm(aws_client, fresh, topic, Namespace="AWS/Firehose", MetricName="DeliveryToS3.DataFreshness",
          Dimensions=[{"Name": "DeliveryStreamName", "Value": stream}], Statistic="Maximum", Threshold=0.0)  # fmt: skip
    # WHEN the alarms are evaluated: 2 messages wait, and a record waits in Firehose's buffer
    answer = evaluate_now(localaws, unique)
    answer.raise_for_status()
    # THEN both breach, and the samples are ordinary datapoints
    assert {a["alarm"]: a["state"] for a in answer.json()["alarms"]} == {depth: "ALARM", fresh: "ALARM"}
    stats = aws_client("cloudwatch").get_metric_statistics(
        Namespace="AWS/SQS",
        MetricName="ApproximateNumberOfMessagesVisible",
        Dimensions=[{"Name": "QueueName", "Value": f"depth-{unique}"}],
        StartTime=datetime.now(UTC) - timedelta(minutes=5),
        EndTime=datetime.now(UTC) + timedelta(minutes=1),
        Period=60,
        Statistics=["Maximum"],
    )
    assert max(p["Maximum"] for p in stats["Datapoints"]) == 2.0
    localaws.services["firehose"].flush(stream)


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        (
            {
                "Metrics": [
                    {"Id": "m", "MetricStat": {"Metric": {"Namespace": "Test/Widgets", "MetricName": "Broken"},
                                               "Period": 60, "Stat": "Sum"}, "ReturnData": False},
                    {"Id": "e", "Expression": "m * 2", "ReturnData": True},
                ]
            },
            "metric math (Metrics) is not evaluated",
        ),
        ({"Statistic": None, "ExtendedStatistic": "p99"}, "extended statistic p99"),
    ],
    ids=["metric-math", "percentile"],
)  # fmt: skip
def test_what_localaws_cannot_evaluate_is_refused_by_name(
    localaws, aws_client, unique, inbox, overrides, problem
):
    topic, _ = inbox
    # GIVEN an alarm on metric math or on a percentile
    name = f"odd-{unique}"
    if "Metrics" in overrides:
        overrides = overrides | dict.fromkeys(
            ("Namespace", "MetricName", "Dimensions", "Statistic", "Period")
        )
    alarm(aws_client, name, topic, **overrides)
    # WHEN it is evaluated
    answer = evaluate_now(localaws, name)
    # THEN the answer is an error naming the alarm and the feature, and the alarm says so too
    assert answer.status_code == 501, answer.text
    assert answer.json()["__type"] == "UnsupportedOperation"
    assert name in answer.json()["message"] and problem in answer.json()["message"]
    found = state(aws_client, name)
    assert found["StateValue"] == "INSUFFICIENT_DATA" and problem in found["StateReason"]


def test_an_action_that_is_not_an_sns_topic_is_refused_by_name(localaws, aws_client, unique):
    # GIVEN a breaching alarm whose action would stop an EC2 instance
    name = f"ec2-{unique}"
    alarm(aws_client, name, "arn:aws:automate:us-east-1:ec2:stop")
    put(aws_client, name, 10)
    # WHEN it is evaluated
    answer = evaluate_now(localaws, name)
    # THEN the action is named as not run
    assert answer.status_code == 501
    assert "arn:aws:automate:us-east-1:ec2:stop is not emulated" in answer.json()["message"]
    assert state(aws_client, name)["StateValue"] == "ALARM"  # the state moved; only the action did not run
