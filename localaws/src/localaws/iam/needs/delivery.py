"""The delivery path: CloudWatch Logs, Firehose, Lambda, and EC2's flow logs.

CloudWatch Logs evaluates a group's actions on ``log-group:NAME:log-stream:`` (hence the ``:*`` that log
group grants end with) and DescribeLogGroups on ``log-group::log-stream:`` whatever the prefix asked for
(https://github.com/hashicorp/terraform-provider-aws/issues/8804).
"""

from __future__ import annotations

from localaws.iam.calls import Call, CannotJudge
from localaws.iam.needs.base import (
    Arns,
    Need,
    Params,
    Resolver,
    Rule,
    indexed,
    on,
    ops,
    pass_role,
    plus,
    unscoped,
    values,
)


def _group(p: Params) -> str:
    name = p.get("logGroupName") or p.get("logGroupIdentifier") or ""
    if name.startswith("arn:"):
        name = name.split(":log-group:", 1)[1].removesuffix(":*")
    return name


def _log_group(p: Params, a: Arns, r: Resolver) -> list[str]:
    return [a("logs", f"log-group:{_group(p)}:log-stream:")]


def _log_stream(p: Params, a: Arns, r: Resolver) -> list[str]:
    return [a("logs", f"log-group:{_group(p)}:log-stream:{p.get('logStreamName', '')}")]


LOGS: dict[str, Rule] = {
    op: on("logs", _log_group)
    for op in ops("""
        CreateLogGroup DeleteLogGroup PutRetentionPolicy DeleteRetentionPolicy DescribeLogStreams
        DescribeSubscriptionFilters DeleteSubscriptionFilter FilterLogEvents DescribeMetricFilters
        PutMetricFilter DeleteMetricFilter
    """)
}
LOGS |= {op: on("logs", _log_stream) for op in ops("CreateLogStream PutLogEvents GetLogEvents")}
LOGS["DescribeLogGroups"] = on("logs", lambda p, a, r: [a("logs", "log-group::log-stream:")])
LOGS["PutSubscriptionFilter"] = plus(
    on("logs", _log_group), lambda c, a, r: pass_role(c.params.get("roleArn"), "logs.amazonaws.com")
)


def _stream(p: Params, a: Arns, r: Resolver) -> list[str]:
    return [a("firehose", f"deliverystream/{p['DeliveryStreamName']}")]


def _destination_roles(call: Call, arns: Arns, resolver: Resolver) -> list[Need]:
    return [n for role in values(call.params, "RoleARN") for n in pass_role(role, "firehose.amazonaws.com")]


FIREHOSE: dict[str, Rule] = {
    op: on("firehose", _stream)
    for op in ops("""
        DescribeDeliveryStream DeleteDeliveryStream PutRecord PutRecordBatch ListTagsForDeliveryStream
        TagDeliveryStream
    """)
}
FIREHOSE |= {
    op: plus(on("firehose", _stream), _destination_roles)
    for op in ops("CreateDeliveryStream UpdateDestination")
}
FIREHOSE["ListDeliveryStreams"] = unscoped("firehose")


def _function(p: Params, a: Arns, r: Resolver) -> list[str]:
    name = p["FunctionName"]
    if name.startswith("arn:"):
        arn = name
    elif ":function:" in name:  # a partial ARN: ACCOUNT:function:NAME
        account, _, rest = name.partition(":function:")
        arn = a("lambda", f"function:{rest}", account=account)
    else:
        arn = a("lambda", f"function:{name}")
    qualifier = p.get("Qualifier")
    return [f"{arn}:{qualifier}" if qualifier and arn.count(":") == 6 else arn]


LAMBDA: dict[str, Rule] = {
    op: on("lambda", _function)
    for op in ops("""
        GetFunction GetFunctionConfiguration DeleteFunction UpdateFunctionCode GetPolicy AddPermission
        RemovePermission GetFunctionEventInvokeConfig PutFunctionEventInvokeConfig
        UpdateFunctionEventInvokeConfig DeleteFunctionEventInvokeConfig ListVersionsByFunction PublishVersion
        GetFunctionConcurrency PutFunctionConcurrency
    """)
}
LAMBDA |= {
    op: plus(on("lambda", _function), lambda c, a, r: pass_role(c.params.get("Role"), "lambda.amazonaws.com"))
    for op in ops("CreateFunction UpdateFunctionConfiguration")
}
LAMBDA["Invoke"] = on("lambda", _function, "InvokeFunction")
LAMBDA["ListFunctions"] = unscoped("lambda")


def _create_flow_logs(call: Call, arns: Arns, resolver: Resolver) -> list[Need]:
    p = call.params
    kind = {"VPC": "vpc", "Subnet": "subnet", "NetworkInterface": "network-interface"}.get(
        p.get("ResourceType", "")
    )
    if kind is None:
        raise CannotJudge(f"ec2:CreateFlowLogs for resource type {p.get('ResourceType')!r}")
    targets = [arns("ec2", f"{kind}/{rid}") for rid in indexed(p, "ResourceId")]
    return [
        *(Need("ec2:CreateFlowLogs", t) for t in [*targets, arns("ec2", "vpc-flow-log/*")]),
        *pass_role(p.get("DeliverLogsPermissionArn"), "vpc-flow-logs.amazonaws.com"),
    ]


EC2: dict[str, Rule] = {
    "CreateFlowLogs": _create_flow_logs,
    "DeleteFlowLogs": on(
        "ec2", lambda p, a, r: [a("ec2", f"vpc-flow-log/{i}") for i in indexed(p, "FlowLogId")]
    ),
    # EC2's Describe* actions have no resource-level permissions.
    "DescribeFlowLogs": unscoped("ec2"),
    "DescribeVpcs": unscoped("ec2"),
    "DescribeNetworkInterfaces": unscoped("ec2"),  # vpcflow_hourly's interface inventory
}
