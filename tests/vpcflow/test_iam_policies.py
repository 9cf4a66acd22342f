"""The generated IAM documents: explicit actions, named resources, scoped trust, TLS-only bucket."""

from __future__ import annotations

import pytest
from vpcflow.model.config import StackConfig
from vpcflow.provision.iam_policies import (
    WILDCARD_EXCEPTIONS,
    StackArns,
    bucket_policy,
    firehose_delivery_policy,
    forwarder_policy,
    partitioner_policy,
    role_specs,
)

ACCOUNT = "123456789012"
KMS = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def arns(**overrides) -> StackArns:
    return StackArns(StackConfig(bucket="flow-bucket", **overrides), ACCOUNT, "eu-west-1")


def as_list(value):
    return value if isinstance(value, list) else [value]


def role_statements(stack: StackArns):
    for role, (_trust, policy) in role_specs(stack).items():
        for statement in policy["Statement"]:
            yield role, statement


@pytest.mark.parametrize("stack", [arns(), arns(kms_key_arn=KMS)], ids=["sse-s3", "kms"])
def test_every_action_is_explicit(stack):
    for role, statement in role_statements(stack):
        assert statement["Effect"] == "Allow", role
        for action in as_list(statement["Action"]):
            assert "*" not in action, f"{role}: wildcard action {action}"
            assert action.count(":") == 1 and action.split(":")[1][0].isupper(), action


@pytest.mark.parametrize("stack", [arns(), arns(kms_key_arn=KMS)], ids=["sse-s3", "kms"])
def test_every_resource_is_an_arn_of_a_named_resource(stack):
    c = stack.config
    named = [
        "flow-bucket",
        c.delivery_stream,
        c.forwarder_function,
        c.partitioner_function,
        c.workgroup,
        f"database/{c.database}",
        f"table/{c.database}/{c.raw_table}",
        c.log_group,
        c.forwarder_failure_queue,
        KMS,
    ]
    for role, statement in role_statements(stack):
        for resource in as_list(statement["Resource"]):
            assert resource != "*", f"{role}: bare '*' resource in {statement['Sid']}"
            assert resource.startswith("arn:aws:"), resource
            if set(as_list(statement["Action"])) <= set(WILDCARD_EXCEPTIONS):
                assert resource.endswith(":log-group:*") and ACCOUNT in resource
                continue
            assert resource.endswith(":catalog") or any(n in resource for n in named), (role, resource)


def test_object_grants_are_limited_to_their_prefixes():
    stack = arns()
    put = [s for s in firehose_delivery_policy(stack)["Statement"] if "s3:PutObject" in s["Action"]]
    assert put[0]["Resource"] == ["arn:aws:s3:::flow-bucket/raw/*", "arn:aws:s3:::flow-bucket/errors/*"]
    reads = [s for s in partitioner_policy(stack)["Statement"] if s["Sid"] == "ReadRawData"]
    assert reads[0]["Resource"] == ["arn:aws:s3:::flow-bucket/raw/*"] and reads[0]["Action"] == [
        "s3:GetObject"
    ]


def test_forwarder_may_only_put_to_its_stream():
    statement = forwarder_policy(arns())["Statement"][0]
    assert statement["Action"] == ["firehose:PutRecord", "firehose:PutRecordBatch"]
    assert statement["Resource"] == [
        "arn:aws:firehose:eu-west-1:123456789012:deliverystream/vpcflow-delivery"
    ]


@pytest.mark.parametrize("stack", [arns(), arns(kms_key_arn=KMS)], ids=["sse-sqs", "kms"])
def test_forwarder_may_only_send_to_its_failure_queue(stack):
    # Lambda delivers the on-failure record with the function's execution role.
    statements = {s["Sid"]: s for s in forwarder_policy(stack)["Statement"]}
    assert statements["SendFailedEvents"]["Action"] == ["sqs:SendMessage"]
    assert statements["SendFailedEvents"]["Resource"] == [
        f"arn:aws:sqs:eu-west-1:{ACCOUNT}:{stack.config.forwarder_failure_queue}"
    ]
    sqs_actions = {a for s in statements.values() for a in as_list(s["Action"]) if a.startswith("sqs:")}
    assert sqs_actions == {"sqs:SendMessage"}
    key = statements.get("UseFailureQueueKey")
    if stack.config.kms_key_arn:
        assert key["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"] and key["Resource"] == [KMS]
        assert key["Condition"] == {"StringEquals": {"kms:ViaService": "sqs.eu-west-1.amazonaws.com"}}
    else:
        assert key is None


def test_partitioner_touches_its_workgroup_and_table():
    by_sid = {s["Sid"]: s for s in partitioner_policy(arns())["Statement"]}
    assert by_sid["RunQueries"]["Resource"] == ["arn:aws:athena:eu-west-1:123456789012:workgroup/vpcflow"]
    assert by_sid["RegisterPartitions"]["Resource"] == [
        "arn:aws:glue:eu-west-1:123456789012:catalog",
        "arn:aws:glue:eu-west-1:123456789012:database/vpcflow",
        "arn:aws:glue:eu-west-1:123456789012:table/vpcflow/vpc_flow_logs",
    ]
    assert "glue:BatchCreatePartition" in by_sid["RegisterPartitions"]["Action"]


def test_kms_grant_only_through_s3():
    kms = [
        s for s in firehose_delivery_policy(arns(kms_key_arn=KMS))["Statement"] if s["Sid"] == "UseBucketKey"
    ]
    assert kms[0]["Resource"] == [KMS]
    assert kms[0]["Condition"] == {"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}}
    assert not [s for s in firehose_delivery_policy(arns())["Statement"] if s["Sid"] == "UseBucketKey"]


def test_trust_policies_name_one_service_and_scope_the_account():
    specs = role_specs(arns())
    principals = {}
    for role, (trust, _) in specs.items():
        (statement,) = trust["Statement"]
        assert statement["Action"] == "sts:AssumeRole"
        principals[role] = statement["Principal"]["Service"]
        if principals[role] == "firehose.amazonaws.com":
            assert statement["Condition"] == {"StringEquals": {"sts:ExternalId": ACCOUNT}}
        if principals[role] == "vpc-flow-logs.amazonaws.com":
            assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
            assert statement["Condition"]["ArnLike"]["aws:SourceArn"].startswith(
                "arn:aws:ec2:eu-west-1:123456789012:vpc-flow-log/"
            )
    assert sorted(principals.values()) == [
        "firehose.amazonaws.com",
        "lambda.amazonaws.com",
        "lambda.amazonaws.com",
        "vpc-flow-logs.amazonaws.com",
    ]


def test_bucket_policy_denies_non_tls():
    (statement,) = bucket_policy(arns())["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Principal"] == "*"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert statement["Resource"] == ["arn:aws:s3:::flow-bucket", "arn:aws:s3:::flow-bucket/*"]


def test_no_full_access_policies_anywhere():
    for _, statement in role_statements(arns(kms_key_arn=KMS)):
        assert not any(a.endswith(":*") or a == "*" for a in as_list(statement["Action"]))
