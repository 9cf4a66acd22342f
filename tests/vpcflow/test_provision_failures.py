"""provision_failure_handling / teardown_failure_handling against moto: the forwarder's failure queue and
asynchronous invocation config, the alerts topic and the alarms; created, left alone, repaired, removed."""

from __future__ import annotations

import dataclasses
import json

import pytest
from vpcflow.provision import alerts, failures
from vpcflow.provision.functions import ensure_lambda_function
from vpcflow.provision.iam import ensure_roles
from vpcflow.provision.stack import provision_failure_handling
from vpcflow.provision.teardown import teardown_failure_handling

from tests.vpcflow.provision_fixtures import moto, tiny_zip  # noqa: F401  (fixture)

KMS = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.fixture
def stack(moto):  # noqa: F811
    ensure_roles(moto.clients("iam"), moto.arns)
    ensure_lambda_function(
        moto.clients("lambda"),
        moto.config.forwarder_function,
        moto.arns.role(moto.config.forwarder_role),
        tiny_zip(),
        "handler.handler",
        "python3.12",
    )
    moto.reset()
    return moto


def queue(stack):
    sqs = stack.clients("sqs")
    url = sqs.get_queue_url(QueueName=stack.config.forwarder_failure_queue)["QueueUrl"]
    return sqs, url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]


def alarms(stack):
    found = stack.clients("cloudwatch").describe_alarms(AlarmNamePrefix=stack.config.alarm_prefix)
    return {a["AlarmName"]: a for a in found["MetricAlarms"]}


def test_created_then_left_alone(stack):
    config, arns = stack.config, stack.arns
    # WHEN the step runs on an account without them
    first = provision_failure_handling(stack.clients, config)
    # THEN everything is created
    assert {r.action for r in first.values()} == {"created"}, first
    _, _, attributes = queue(stack)
    assert attributes["MessageRetentionPeriod"] == "1209600" and attributes["SqsManagedSseEnabled"] == "true"
    assert "KmsMasterKeyId" not in attributes
    invoke = stack.clients("lambda").get_function_event_invoke_config(FunctionName=config.forwarder_function)
    assert (invoke["MaximumRetryAttempts"], invoke["MaximumEventAgeInSeconds"]) == (2, 21600)
    assert invoke["DestinationConfig"]["OnFailure"]["Destination"] == arns.queue(
        config.forwarder_failure_queue
    )
    topic = arns.topic(config.alerts_topic)
    assert stack.clients("sns").get_topic_attributes(TopicArn=topic)["Attributes"]["TopicArn"] == topic
    found = alarms(stack)
    assert sorted(name.removeprefix(config.alarm_prefix) for name in found) == [
        "delivery-stale",
        "forwarder-errors",
        "forwarder-events-dropped",
        "forwarder-failures-waiting",
        "forwarder-throttles",
    ]
    assert {tuple(a["AlarmActions"]) for a in found.values()} == {(topic,)}
    assert {(a["ComparisonOperator"], a["TreatMissingData"]) for a in found.values()} == {
        ("GreaterThanThreshold", "notBreaching")
    }
    stale = found[f"{config.alarm_prefix}delivery-stale"]
    assert stale["Threshold"] == config.buffer_interval_s + 900 and stale["Statistic"] == "Maximum"
    waiting = found[f"{config.alarm_prefix}forwarder-failures-waiting"]
    assert waiting["Dimensions"] == [{"Name": "QueueName", "Value": config.forwarder_failure_queue}]
    # WHEN it runs again
    stack.reset()
    second = provision_failure_handling(stack.clients, config)
    # THEN nothing changes and no write call is made
    assert {r.action for r in second.values()} == {"unchanged"}, second
    assert stack.writes() == []


def test_drift_is_repaired_with_one_write_each(stack):
    config = stack.config
    provision_failure_handling(stack.clients, config)
    # GIVEN retention shortened, the invocation config (destination included) deleted by hand, one alarm
    # deleted and another's threshold raised
    sqs, url, _ = queue(stack)
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"MessageRetentionPeriod": "60"})
    stack.clients("lambda").delete_function_event_invoke_config(FunctionName=config.forwarder_function)
    cloudwatch = stack.clients("cloudwatch")
    cloudwatch.delete_alarms(AlarmNames=[f"{config.alarm_prefix}forwarder-throttles"])
    errors = alerts.alarm_specs(config)[1]
    cloudwatch.put_metric_alarm(
        **{**errors.put_kwargs(stack.arns.topic(config.alerts_topic)), "Threshold": 10.0}
    )
    stack.reset()
    # WHEN the step runs
    results = provision_failure_handling(stack.clients, config)
    # THEN exactly what drifted is written again
    changed = {k: v.action for k, v in results.items() if v.action != "unchanged"}
    assert changed == {
        "failure_queue": "updated",
        "event_invoke_config": "created",
        f"alarm:{config.alarm_prefix}forwarder-throttles": "created",
        f"alarm:{config.alarm_prefix}forwarder-errors": "updated",
    }
    assert sorted(op for _, op in stack.writes()) == [
        "PutFunctionEventInvokeConfig",
        "PutMetricAlarm",
        "PutMetricAlarm",
        "SetQueueAttributes",
    ]
    assert queue(stack)[2]["MessageRetentionPeriod"] == "1209600"
    assert alarms(stack)[f"{config.alarm_prefix}forwarder-errors"]["Threshold"] == 0.0
    assert provision_failure_handling(stack.clients, config)["event_invoke_config"].action == "unchanged"


def test_with_a_kms_key_the_queue_and_topic_use_it(stack):
    # GIVEN a stack with a customer managed key
    config = dataclasses.replace(stack.config, kms_key_arn=KMS)
    # WHEN the step runs
    provision_failure_handling(stack.clients, config)
    # THEN the queue is SSE-KMS with it, and so is the topic (CloudWatch may be granted a customer key)
    sqs = stack.clients("sqs")
    url = sqs.get_queue_url(QueueName=config.forwarder_failure_queue)["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["KmsMasterKeyId"] == KMS
    topic = stack.clients("sns").get_topic_attributes(TopicArn=stack.arns.topic(config.alerts_topic))
    assert topic["Attributes"]["KmsMasterKeyId"] == KMS
    assert failures.queue_attributes(config) == {
        "MessageRetentionPeriod": "1209600",
        "KmsMasterKeyId": KMS,
        "KmsDataKeyReusePeriodSeconds": "300",
    }


def test_teardown_keeps_a_queue_that_still_holds_failed_events(stack):
    config = stack.config
    provision_failure_handling(stack.clients, config)
    sqs, url, _ = queue(stack)
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"requestPayload": {"awslogs": {"data": "x"}}}))
    # WHEN the stack is torn down without delete_data
    kept = teardown_failure_handling(stack.clients, config)
    # THEN alarms, topic and invocation config go, the queue and its event stay
    assert kept["failure_queue"].action == "skipped"
    assert {v.action for k, v in kept.items() if k != "failure_queue"} == {"deleted"}
    assert alarms(stack) == {}
    assert stack.clients("sns").list_topics()["Topics"] == []
    assert failures.waiting_messages(sqs, url) == 1
    # WHEN delete_data is given
    gone = teardown_failure_handling(stack.clients, config, delete_data=True)
    # THEN the queue goes too, and a further teardown finds nothing
    assert gone["failure_queue"].action == "deleted"
    assert stack.clients("sqs").list_queues().get("QueueUrls", []) == []
    again = teardown_failure_handling(stack.clients, config, delete_data=True)
    assert {v.action for v in again.values()} == {"absent"}, again
