"""IAM checks that tests/vpcflow/test_iam_policies.py does not make: no negated elements anywhere, Allow
statements only in the stack's account and region, no object grant on a whole bucket whatever the
prefixes, a bucket policy that allows nothing; and the same rules for the policy Airflow's own role is
documented to need (docs/aws-permissions.md)."""

from __future__ import annotations

import json
import re

import pytest
from vpcflow.model.config import StackConfig
from vpcflow.provision.iam_policies import StackArns, bucket_policy, role_specs

from tests.conftest import REPO

ACCOUNT, REGION = "123456789012", "eu-west-1"
KMS = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
CONFIGS = {
    "defaults": StackConfig(),
    "custom": StackConfig(stack_name="sec", bucket="sec.flow-logs", raw_prefix="a/raw/", error_prefix="a/err/",
                          parquet_prefix="b/", athena_results_prefix="c/q/", kms_key_arn=KMS,
                          vpc_id="vpc-0123456789abcdef0", log_group="/sec/flows", database="sec_db"),
}  # fmt: skip
NEGATED = ("NotAction", "NotResource", "NotPrincipal")
# Actions AWS only accepts with "Resource": "*" (no resource-level permissions).
NO_RESOURCE_LEVEL = {"sts:GetCallerIdentity", "ec2:DescribeFlowLogs"}
# Placeholders of docs/aws-permissions.md that stand for the stack's own resources.
STACK_NAMES = r"BUCKET|STACK|STREAM|WORKGROUP|DATABASE|LOG_GROUP|VPC_ID|vpcflow-"
# Resource patterns the docs explain: the Glue catalog (one per account), DescribeLogGroups' account-wide
# pattern, and the flow-log ids CreateFlowLogs creates (allowed together with the one VPC).
SCOPE_EXCEPTIONS = {"catalog", "log-group:*", "vpc-flow-log/*"}


def _list(value):
    return value if isinstance(value, list) else [value]


def _documents(config: StackConfig):
    arns = StackArns(config, ACCOUNT, REGION)
    yield "bucket policy", bucket_policy(arns)
    for role, (trust, policy) in role_specs(arns).items():
        yield f"{role} trust", trust
        yield f"{role} policy", policy


@pytest.mark.parametrize("config", CONFIGS.values(), ids=CONFIGS)
def test_no_negated_policy_elements(config):
    for name, document in _documents(config):
        for statement in document["Statement"]:
            assert not set(NEGATED) & set(statement), (name, statement)


@pytest.mark.parametrize("config", CONFIGS.values(), ids=CONFIGS)
def test_allowed_resources_stay_in_the_stacks_account_and_region(config):
    for role, (_, policy) in role_specs(StackArns(config, ACCOUNT, REGION)).items():
        for statement in policy["Statement"]:
            for resource in _list(statement["Resource"]):
                service, region, account = resource.split(":")[2:5]
                if service in ("s3", "iam"):  # global ARNs: no region, and S3 no account either
                    assert region == "", resource
                    continue
                assert (region, account) == (REGION, ACCOUNT), (role, resource)


@pytest.mark.parametrize("config", CONFIGS.values(), ids=CONFIGS)
def test_no_object_grant_covers_a_whole_bucket(config):
    whole = f"arn:aws:s3:::{config.bucket}/*"
    for role, (_, policy) in role_specs(StackArns(config, ACCOUNT, REGION)).items():
        for statement in policy["Statement"]:
            assert whole not in _list(statement["Resource"]), (role, statement["Sid"])
            for resource in _list(statement["Resource"]):
                if resource.startswith(f"arn:aws:s3:::{config.bucket}/"):
                    prefix = resource.removeprefix(f"arn:aws:s3:::{config.bucket}/").removesuffix("*")
                    assert prefix in (config.raw_prefix, config.error_prefix, config.parquet_prefix,
                                      config.athena_results_prefix), (role, resource)  # fmt: skip


@pytest.mark.parametrize("config", CONFIGS.values(), ids=CONFIGS)
def test_the_bucket_policy_allows_nothing_and_denies_plain_http_everywhere(config):
    (statement,) = bucket_policy(StackArns(config, ACCOUNT, REGION))["Statement"]
    assert statement["Effect"] == "Deny" and statement["Action"] == "s3:*"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert sorted(statement["Resource"]) == [
        f"arn:aws:s3:::{config.bucket}",
        f"arn:aws:s3:::{config.bucket}/*",
    ]


def _airflow_policy() -> dict:
    text = (REPO / "docs" / "aws-permissions.md").read_text()
    (block,) = re.findall(r"```json\n(.*?)```", text, flags=re.S)
    return json.loads(block)


def test_airflows_documented_policy_is_scoped():
    statements = _airflow_policy()["Statement"]
    assert statements
    for statement in statements:
        assert statement["Effect"] == "Allow" and not set(NEGATED) & set(statement), statement
        actions = _list(statement["Action"])
        for action in actions:
            assert "*" not in action and action.count(":") == 1, action
        for resource in _list(statement["Resource"]):
            if resource == "*":
                assert set(actions) <= NO_RESOURCE_LEVEL, statement["Sid"]
                continue
            # Every other resource names the stack's own resources (placeholders), in one account.
            if resource == "KMS_KEY_ARN":
                continue
            assert resource.startswith("arn:aws:"), resource
            name = resource.split(":", 5)[5]
            assert name in SCOPE_EXCEPTIONS or re.search(STACK_NAMES, name), (statement["Sid"], resource)
    (pass_role,) = [s for s in statements if "iam:PassRole" in s["Action"]]
    assert pass_role["Resource"] == "arn:aws:iam::ACCOUNT:role/STACK-*"
    assert sorted(pass_role["Condition"]["StringEquals"]["iam:PassedToService"]) == [
        "firehose.amazonaws.com", "lambda.amazonaws.com", "vpc-flow-logs.amazonaws.com"
    ]  # fmt: skip


# botocore's service name -> IAM's action prefix, where they differ.
IAM_PREFIX = {"monitoring": "cloudwatch"}


def test_the_documented_policy_grants_every_call_of_the_failure_handling_steps():
    """Least privilege that still works: each call provision_failure_handling and teardown_failure_handling
    make is an action of the documented policy, on a resource named after the stack."""
    from moto import mock_aws
    from vpcflow.provision.common import CallRecorder, Clients
    from vpcflow.provision.functions import ensure_lambda_function
    from vpcflow.provision.iam import ensure_roles
    from vpcflow.provision.stack import provision_failure_handling
    from vpcflow.provision.teardown import teardown_failure_handling

    from tests.vpcflow.provision_fixtures import SESSION, tiny_zip

    granted: dict[str, list[str]] = {}
    for statement in _airflow_policy()["Statement"]:
        for action in _list(statement["Action"]):
            granted.setdefault(action, []).extend(_list(statement["Resource"]))
    with mock_aws():
        recorder = CallRecorder()
        clients = Clients(SESSION, region="us-east-1", recorder=recorder)
        config = StackConfig(bucket="vpcflow-test-bucket", quicksight=False)
        arns = StackArns(config, clients.account, clients.region)
        ensure_roles(clients("iam"), arns)
        ensure_lambda_function(
            clients("lambda"), config.forwarder_function, arns.role(config.forwarder_role), tiny_zip(),
            "handler.handler", "python3.12",
        )  # fmt: skip
        recorder.clear()
        provision_failure_handling(clients, config)
        teardown_failure_handling(clients, config)
        calls = {(IAM_PREFIX.get(service, service), operation) for service, operation in recorder.calls}
    assert {("sqs", "CreateQueue"), ("sns", "CreateTopic"), ("cloudwatch", "PutMetricAlarm")} <= calls
    for prefix, operation in sorted(calls):
        action = f"{prefix}:{operation}"
        assert action in granted, f"docs/aws-permissions.md does not grant {action}"
        if action != "sts:GetCallerIdentity":
            assert all("STACK" in r for r in granted[action]), (action, granted[action])
