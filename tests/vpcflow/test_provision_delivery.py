"""Log groups, the subscription filter, the Firehose stream and the VPC flow log against moto."""

from __future__ import annotations

import dataclasses

from vpcflow.model.formats import DEFAULT_LOG_FORMAT
from vpcflow.provision.delivery import (
    delete_flow_log,
    ensure_delivery_stream,
    ensure_flow_log,
    ensure_log_group,
    ensure_subscription_filter,
)
from vpcflow.provision.functions import ensure_lambda_function
from vpcflow.provision.iam import ensure_roles
from vpcflow.provision.storage import ensure_bucket

from tests.vpcflow.provision_fixtures import moto, tiny_zip  # noqa: F401  (fixture)

ROLE = "arn:aws:iam::123456789012:role/vpcflow-firehose-delivery"


def test_log_group_retention(moto):  # noqa: F811
    logs = moto.clients("logs")
    created = ensure_log_group(logs, "/vpcflow/test", 14)
    assert created == ("created", "arn:aws:logs:us-east-1:123456789012:log-group:/vpcflow/test")
    moto.reset()
    assert ensure_log_group(logs, "/vpcflow/test", 14).action == "unchanged"
    assert moto.writes() == []
    logs.delete_retention_policy(logGroupName="/vpcflow/test")
    assert ensure_log_group(logs, "/vpcflow/test", 14).action == "updated"
    assert (
        logs.describe_log_groups(logGroupNamePrefix="/vpcflow/test")["logGroups"][0]["retentionInDays"] == 14
    )


def test_delivery_stream_created_unchanged_and_updated(moto):  # noqa: F811
    firehose = moto.clients("firehose")
    ensure_bucket(moto.clients("s3"), moto.config, moto.arns)
    result = ensure_delivery_stream(firehose, moto.config, moto.arns, ROLE)
    assert result == ("created", "arn:aws:firehose:us-east-1:123456789012:deliverystream/vpcflow-delivery")
    described = firehose.describe_delivery_stream(DeliveryStreamName="vpcflow-delivery")[
        "DeliveryStreamDescription"
    ]
    destination = described["Destinations"][0]["ExtendedS3DestinationDescription"]
    assert destination["Prefix"] == "raw/"
    assert destination["ErrorOutputPrefix"] == "errors/!{firehose:error-output-type}/"
    assert destination["CompressionFormat"] == "GZIP"
    assert destination["BufferingHints"] == {"SizeInMBs": 5, "IntervalInSeconds": 300}

    moto.reset()
    assert ensure_delivery_stream(firehose, moto.config, moto.arns, ROLE).action == "unchanged"
    assert moto.writes() == []

    faster = dataclasses.replace(moto.config, buffer_interval_s=60, buffer_size_mb=1)
    assert ensure_delivery_stream(firehose, faster, moto.arns, ROLE).action == "updated"
    assert [op for _, op in moto.writes()] == ["UpdateDestination"]
    described = firehose.describe_delivery_stream(DeliveryStreamName="vpcflow-delivery")[
        "DeliveryStreamDescription"
    ]
    hints = described["Destinations"][0]["ExtendedS3DestinationDescription"]["BufferingHints"]
    assert hints == {"SizeInMBs": 1, "IntervalInSeconds": 60}
    moto.reset()
    assert ensure_delivery_stream(firehose, faster, moto.arns, ROLE).action == "unchanged"
    assert moto.writes() == []


def test_deleted_subscription_filter_is_repaired(moto):  # noqa: F811
    logs = moto.clients("logs")
    ensure_roles(moto.clients("iam"), moto.arns)
    function = ensure_lambda_function(
        moto.clients("lambda"),
        "fwd",
        moto.arns.role(moto.config.forwarder_role),
        tiny_zip(),
        "handler.handler",
        "python3.12",
    ).id
    ensure_log_group(logs, moto.config.log_group, 14)
    args = (logs, moto.config.log_group, "to-firehose", "", function)
    assert ensure_subscription_filter(*args).action == "created"
    moto.reset()
    assert ensure_subscription_filter(*args).action == "unchanged"
    assert moto.writes() == []
    logs.delete_subscription_filter(logGroupName=moto.config.log_group, filterName="to-firehose")
    assert ensure_subscription_filter(*args).action == "created"
    pattern = (
        "[version, account, eni, source, destination, srcport, destport, protocol, packets, bytes, "
        "windowstart, windowend, action=REJECT, flowlogstatus]"
    )
    assert (
        ensure_subscription_filter(logs, moto.config.log_group, "to-firehose", pattern, function).action
        == "updated"
    )


def test_flow_log_created_unchanged_and_replaced_on_format_change(moto):  # noqa: F811
    ec2 = moto.clients("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    config = dataclasses.replace(moto.config, vpc_id=vpc)
    role = "arn:aws:iam::123456789012:role/vpcflow-flow-log-delivery"
    ensure_log_group(moto.clients("logs"), config.log_group, 14)

    first = ensure_flow_log(ec2, config, role)
    assert first.action == "created"
    (flow_log,) = ec2.describe_flow_logs()["FlowLogs"]
    assert flow_log["LogFormat"] == DEFAULT_LOG_FORMAT and flow_log["LogGroupName"] == config.log_group
    moto.reset()
    assert ensure_flow_log(ec2, config, role) == ("unchanged", first.id)
    assert moto.writes() == []

    v5 = dataclasses.replace(
        config, flow_log_format="${version} ${vpc-id} ${srcaddr} ${dstaddr} ${action} ${log-status}"
    )
    replaced = ensure_flow_log(ec2, v5, role)
    assert replaced.action == "updated" and replaced.id != first.id
    (flow_log,) = ec2.describe_flow_logs()["FlowLogs"]
    assert flow_log["LogFormat"] == v5.flow_log_format

    assert delete_flow_log(ec2, v5).action == "deleted"
    assert delete_flow_log(ec2, v5).action == "absent"
    assert ensure_flow_log(ec2, moto.config, role).action == "skipped"  # no VPC id configured
