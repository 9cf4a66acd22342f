"""Log groups, the subscription filter, the Firehose delivery stream and the VPC flow log."""

from __future__ import annotations

import time
from typing import Any

from vpcflow.model.config import StackConfig
from vpcflow.model.formats import DEFAULT_LOG_FORMAT
from vpcflow.provision.common import (
    Result,
    delete_if_present,
    get_or_none,
    log,
    retry_propagation,
)
from vpcflow.provision.iam_policies import StackArns

FIREHOSE_ERROR_LOG_STREAM = "DestinationDelivery"
FLOW_LOG_AGGREGATION_S = 60  # the shorter interval: records reach the hourly DAG sooner


# -- CloudWatch Logs ------------------------------------------------------------------------------------


def ensure_log_group(logs: Any, name: str, retention_days: int) -> Result:
    group = _find_log_group(logs, name)
    if group is None:
        logs.create_log_group(logGroupName=name)
        logs.put_retention_policy(logGroupName=name, retentionInDays=retention_days)
        log.info("created log group %s", name)
        group = _find_log_group(logs, name) or {}
        return Result("created", _group_arn(group, name))
    if group.get("retentionInDays") != retention_days:
        logs.put_retention_policy(logGroupName=name, retentionInDays=retention_days)
        return Result("updated", _group_arn(group, name))
    return Result("unchanged", _group_arn(group, name))


def _find_log_group(logs: Any, name: str) -> dict[str, Any] | None:
    for page in logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=name):
        for group in page["logGroups"]:
            if group["logGroupName"] == name:
                return group
    return None


def _group_arn(group: dict[str, Any], name: str) -> str:
    # DescribeLogGroups reports "arn:...:log-group:NAME:*"; subscriptions and permissions want it without ":*".
    arn = group.get("arn", name)
    return arn[:-2] if arn.endswith(":*") else arn


def ensure_log_stream(logs: Any, group: str, stream: str) -> Result:
    found = logs.describe_log_streams(logGroupName=group, logStreamNamePrefix=stream).get("logStreams", [])
    if any(s["logStreamName"] == stream for s in found):
        return Result("unchanged", stream)
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    return Result("created", stream)


def ensure_subscription_filter(
    logs: Any, group: str, name: str, pattern: str, destination_arn: str
) -> Result:
    """The filter forwarding ``group`` to ``destination_arn`` (a Lambda function: no role needed)."""
    found = logs.describe_subscription_filters(logGroupName=group, filterNamePrefix=name)[
        "subscriptionFilters"
    ]
    current = next((f for f in found if f["filterName"] == name), None)
    if (
        current
        and current.get("filterPattern", "") == pattern
        and current["destinationArn"] == destination_arn
    ):
        return Result("unchanged", name)
    # PutSubscriptionFilter replaces a filter of the same name.
    retry_propagation(
        lambda: logs.put_subscription_filter(
            logGroupName=group, filterName=name, filterPattern=pattern, destinationArn=destination_arn
        )
    )
    return Result("updated" if current else "created", name)


def delete_subscription_filter(logs: Any, group: str, name: str) -> Result:
    return delete_if_present(
        lambda: logs.delete_subscription_filter(logGroupName=group, filterName=name), name
    )


def delete_log_group(logs: Any, name: str) -> Result:
    return delete_if_present(lambda: logs.delete_log_group(logGroupName=name), name)


# -- Firehose -------------------------------------------------------------------------------------------


def delivery_destination(config: StackConfig, arns: StackArns, role_arn: str) -> dict[str, Any]:
    return {
        "RoleARN": role_arn,
        "BucketARN": arns.bucket,
        # No expression in Prefix: Firehose appends YYYY/MM/DD/HH/ (UTC), the layout the tables expect.
        "Prefix": config.raw_prefix,
        "ErrorOutputPrefix": config.firehose_error_output_prefix,
        "BufferingHints": {"SizeInMBs": config.buffer_size_mb, "IntervalInSeconds": config.buffer_interval_s},
        "CompressionFormat": "GZIP",
        "CloudWatchLoggingOptions": {
            "Enabled": True,
            "LogGroupName": config.firehose_error_log_group,
            "LogStreamName": FIREHOSE_ERROR_LOG_STREAM,
        },
    }


def ensure_delivery_stream(firehose: Any, config: StackConfig, arns: StackArns, role_arn: str) -> Result:
    """The DirectPut stream to S3; an existing stream's destination is updated in place when it differs."""
    want = delivery_destination(config, arns, role_arn)
    name = config.delivery_stream
    description = get_or_none(
        lambda: firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
    )
    if description is None:
        retry_propagation(
            lambda: firehose.create_delivery_stream(
                DeliveryStreamName=name,
                DeliveryStreamType="DirectPut",
                ExtendedS3DestinationConfiguration=want,
            )
        )
        _wait_active(firehose, name)
        log.info("created delivery stream %s", name)
        return Result("created", arns.delivery_stream)
    if description.get("DeliveryStreamStatus") not in (None, "ACTIVE"):
        _wait_active(firehose, name)
        description = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
    destination = description["Destinations"][0]
    current = destination.get("ExtendedS3DestinationDescription") or destination.get(
        "S3DestinationDescription", {}
    )
    if _destination_matches(current, want):
        return Result("unchanged", description["DeliveryStreamARN"])
    retry_propagation(
        lambda: firehose.update_destination(
            DeliveryStreamName=name,
            CurrentDeliveryStreamVersionId=description["VersionId"],
            DestinationId=destination["DestinationId"],
            ExtendedS3DestinationUpdate=want,
        )
    )
    return Result("updated", description["DeliveryStreamARN"])


def _destination_matches(current: dict[str, Any], want: dict[str, Any]) -> bool:
    for key, value in want.items():
        have = current.get(key)
        if isinstance(value, dict):
            if not isinstance(have, dict) or any(have.get(k) != v for k, v in value.items()):
                return False
        elif have != value:
            return False
    return True


def _wait_active(firehose: Any, name: str, delay: float = 5, attempts: int = 60) -> None:
    # boto3 has no Firehose waiters; creating a stream takes about a minute on AWS.
    for _ in range(attempts):
        description = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
        status = description["DeliveryStreamStatus"]
        if status == "ACTIVE":
            return
        if status.endswith("FAILED"):
            raise RuntimeError(
                f"delivery stream {name!r} is {status}: {description.get('FailureDescription')}"
            )
        time.sleep(delay)
    raise TimeoutError(f"delivery stream {name!r} not ACTIVE after {delay * attempts:.0f} s")


def wait_deleted(firehose: Any, name: str, delay: float = 5, attempts: int = 60) -> None:
    for _ in range(attempts):
        if get_or_none(lambda: firehose.describe_delivery_stream(DeliveryStreamName=name)) is None:
            return
        time.sleep(delay)
    raise TimeoutError(f"delivery stream {name!r} still exists after {delay * attempts:.0f} s")


def delete_delivery_stream(firehose: Any, name: str) -> Result:
    return delete_if_present(
        lambda: firehose.delete_delivery_stream(DeliveryStreamName=name, AllowForceDelete=True), name
    )


# -- VPC flow log ---------------------------------------------------------------------------------------


def _find_flow_log(ec2: Any, config: StackConfig) -> dict[str, Any] | None:
    found = ec2.describe_flow_logs(
        Filters=[
            {"Name": "resource-id", "Values": [config.vpc_id]},
            {"Name": "log-group-name", "Values": [config.log_group]},
        ]
    )
    return next(iter(found.get("FlowLogs", [])), None)


def ensure_flow_log(ec2: Any, config: StackConfig, role_arn: str) -> Result:
    """The VPC's flow log into the log group. Flow logs cannot be modified: a drifted one is replaced."""
    if not config.vpc_id:
        return Result("skipped", None)
    want_format = config.flow_log_format or DEFAULT_LOG_FORMAT
    current = _find_flow_log(ec2, config)
    if current is not None:
        if (
            current.get("LogFormat", DEFAULT_LOG_FORMAT) == want_format
            and current.get("DeliverLogsPermissionArn") == role_arn
            and current.get("TrafficType") == "ALL"
            and current.get("MaxAggregationInterval", FLOW_LOG_AGGREGATION_S) == FLOW_LOG_AGGREGATION_S
        ):
            return Result("unchanged", current["FlowLogId"])
        ec2.delete_flow_logs(FlowLogIds=[current["FlowLogId"]])
    answer = retry_propagation(
        lambda: ec2.create_flow_logs(
            ResourceIds=[config.vpc_id],
            ResourceType="VPC",
            TrafficType="ALL",
            LogDestinationType="cloud-watch-logs",
            LogGroupName=config.log_group,
            DeliverLogsPermissionArn=role_arn,
            LogFormat=want_format,
            MaxAggregationInterval=FLOW_LOG_AGGREGATION_S,
        )
    )
    if answer.get("Unsuccessful"):
        error = answer["Unsuccessful"][0].get("Error", {})
        raise RuntimeError(
            f"create_flow_logs for vpc_id={config.vpc_id!r} failed: {error.get('Message', error)}"
        )
    return Result("updated" if current else "created", answer["FlowLogIds"][0])


def delete_flow_log(ec2: Any, config: StackConfig) -> Result:
    if not config.vpc_id:
        return Result("skipped", None)
    current = get_or_none(lambda: _find_flow_log(ec2, config))
    if current is None:
        return Result("absent", None)
    return delete_if_present(
        lambda: ec2.delete_flow_logs(FlowLogIds=[current["FlowLogId"]]), current["FlowLogId"]
    )
