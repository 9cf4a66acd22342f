"""IAM checks that tests/vpcflow/test_iam_policies.py does not make: no negated elements anywhere, Allow
statements only in the stack's account and region, no object grant on a whole bucket whatever the
prefixes, a bucket policy that allows nothing; the same rules for the policies of Airflow's own identity
(vpcflow.provision.airflow_policies), which fit AWS's size limit, pass each role to its own service only, and
are what docs/aws-permissions.md shows."""

from __future__ import annotations

import json
import re

import pytest
from vpcflow.model.config import StackConfig
from vpcflow.provision.airflow_policies import (
    MANAGED_POLICY_MAX_CHARS,
    NEEDED_BY,
    POLICIES,
    UNSCOPED,
    airflow_policies,
)
from vpcflow.provision.iam_policies import StackArns, bucket_policy, role_specs
from vpcflow.provision.policy_docs import documented, placeholder_policies

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
# Resource patterns the docs explain: the Glue catalog (one per account), DescribeLogGroups' account-wide
# pattern, the flow-log ids CreateFlowLogs creates and DeleteFlowLogs deletes (with the one VPC), and Security
# Hub's account-level resources: the account's own "default" product its findings are imported under, and
# its hub.
SCOPE_EXCEPTIONS = {"catalog", "log-group:*", "vpc-flow-log/*", f"product/{ACCOUNT}/default", "hub/default"}


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


# -- Airflow's own policies (vpcflow.provision.airflow_policies) and docs/aws-permissions.md -----------------


def _airflow_documents(config: StackConfig):
    yield from airflow_policies(StackArns(config, ACCOUNT, REGION)).items()


def _names_of(config: StackConfig) -> list[str]:
    """What a resource of the stack is named by: one of these appears in every ARN an Airflow policy grants."""
    c = config
    return [c.stack_name, c.bucket, c.delivery_stream, c.workgroup, c.database, c.log_group, c.alerts_topic,
            c.quicksight_data_source_id, c.quicksight_dataset_id, c.quicksight_dashboard_id, c.vpc_id or "vpc/",
            f"/aws/lambda/{c.stack_name}-", c.firehose_error_log_group]  # fmt: skip


@pytest.mark.parametrize("config", CONFIGS.values(), ids=CONFIGS)
def test_airflows_policies_name_actions_and_the_stacks_resources(config):
    for name, document in _airflow_documents(config):
        for statement in document["Statement"]:
            where = (name, statement["Sid"])
            assert statement["Effect"] == "Allow" and not set(NEGATED) & set(statement), where
            actions = _list(statement["Action"])
            assert all("*" not in a and a.count(":") == 1 for a in actions), where
            for resource in _list(statement["Resource"]):
                if resource == "*":
                    # Only actions AWS authorizes on no resource, each with the page that says so.
                    assert set(actions) <= set(UNSCOPED), where
                    continue
                if resource == config.kms_key_arn:
                    continue
                service, region, account, rest = resource.split(":", 5)[2:]
                if service in ("s3", "iam"):
                    assert region == "" and account in ("", ACCOUNT), where
                else:
                    assert (region, account) == (REGION, ACCOUNT), (where, resource)
                assert rest in SCOPE_EXCEPTIONS or any(n in rest for n in _names_of(config)), (
                    where,
                    resource,
                )


@pytest.mark.parametrize("config", CONFIGS.values(), ids=CONFIGS)
def test_roles_are_passed_by_name_each_to_its_own_service_only(config):
    arns = StackArns(config, ACCOUNT, REGION)
    expected = {
        arns.role(config.firehose_role): "firehose.amazonaws.com",
        arns.role(config.forwarder_role): "lambda.amazonaws.com",
        arns.role(config.partitioner_role): "lambda.amazonaws.com",
        arns.role(config.flow_log_role): "vpc-flow-logs.amazonaws.com",
    }
    passed = {}
    for name, document in _airflow_documents(config):
        for statement in document["Statement"]:
            if "iam:PassRole" in statement["Action"]:
                assert name == "vpcflow_provision" and statement["Action"] == ["iam:PassRole"], statement
                service = statement["Condition"]["StringEquals"]["iam:PassedToService"]
                passed |= {role: service for role in statement["Resource"]}
    assert passed == expected


def test_each_policy_fits_in_a_managed_policy_even_with_the_longest_names():
    longest = StackConfig(stack_name="s" * 32, bucket="b" * 63, log_group="/" + "l" * 200, delivery_stream="d" * 64,
                          workgroup="w" * 64, database="x" * 64, vpc_id="vpc-0123456789abcdef0", kms_key_arn=KMS,
                          quicksight_data_source_id="q" * 64, quicksight_dataset_id="q" * 64,
                          quicksight_dashboard_id="q" * 64)  # fmt: skip
    for name, document in _airflow_documents(longest):
        size = len(re.sub(r"\s", "", json.dumps(document)))
        assert size <= MANAGED_POLICY_MAX_CHARS, (name, size)


# DAGs whose policy is still to be written, and why: named here so that any other new DAG fails this test.
POLICY_PENDING: dict[str, str] = {}  # a DAG whose policy is still to be written: why


def test_every_dag_has_its_policies():
    dags = {path.stem for path in (REPO / "dags").glob("vpcflow_*.py")}
    assert dags - set(POLICY_PENDING) <= set(NEEDED_BY), "a DAG without a generated policy"
    assert set(NEEDED_BY) <= dags | {"vpcflow replay"}
    assert {p for names in NEEDED_BY.values() for p in names} == set(POLICIES)


def test_the_doc_shows_exactly_what_the_code_generates():
    """docs/aws-permissions.md is regenerated by `python -m vpcflow.provision.policy_docs --write ...`."""
    text = (REPO / "docs" / "aws-permissions.md").read_text()
    shown = documented(text)
    assert shown == placeholder_policies(), "docs/aws-permissions.md is stale: regenerate its policy blocks"
    for body in shown.values():
        json.loads(body)
    assert "*:*" not in text and "FullAccess" not in text


# botocore's service name -> IAM's action prefix, where they differ.
IAM_PREFIX = {"monitoring": "cloudwatch"}


def test_the_generated_policies_grant_every_call_of_the_failure_handling_steps():
    """Least privilege that still works, without Airflow: each call provision_failure_handling and
    teardown_failure_handling make is an action of vpcflow_provision or vpcflow_teardown, on a resource named
    after the stack (the enforced localaws test proves the same for every step, with resources)."""
    from moto import mock_aws
    from vpcflow.provision.common import CallRecorder, Clients
    from vpcflow.provision.functions import ensure_lambda_function
    from vpcflow.provision.iam import ensure_roles
    from vpcflow.provision.stack import provision_failure_handling
    from vpcflow.provision.teardown import teardown_failure_handling

    from tests.vpcflow.provision_fixtures import SESSION, tiny_zip

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
    granted: dict[str, list[str]] = {}
    for name in (*NEEDED_BY["vpcflow_provision"], *NEEDED_BY["vpcflow_teardown"]):
        for statement in POLICIES[name](arns)["Statement"]:
            for action in _list(statement["Action"]):
                granted.setdefault(action, []).extend(_list(statement["Resource"]))
    assert {("sqs", "CreateQueue"), ("sns", "CreateTopic"), ("cloudwatch", "PutMetricAlarm")} <= calls
    for prefix, operation in sorted(calls - {("sts", "GetCallerIdentity")}):  # needs no permission
        action = f"{prefix}:{operation}"
        assert action in granted, f"no generated policy grants {action}"
        assert all(config.stack_name in r for r in granted[action]), (action, granted[action])
