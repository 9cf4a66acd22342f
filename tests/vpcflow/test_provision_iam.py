"""ensure_role / ensure_roles against moto."""

from __future__ import annotations

import dataclasses

from vpcflow.provision.iam import INLINE_POLICY, delete_role, ensure_roles

from tests.vpcflow.provision_fixtures import moto  # noqa: F401  (fixture)


def test_roles_created_then_unchanged(moto):  # noqa: F811
    iam = moto.clients("iam")
    results = ensure_roles(iam, moto.arns)
    assert {r.action for r in results.values()} == {"created"}
    assert set(results) == {
        "vpcflow-firehose-delivery",
        "vpcflow-cloudwatch-to-firehose",
        "vpcflow-athena-partitioner",
    }  # no flow-log role without a VPC id
    moto.reset()
    assert {r.action for r in ensure_roles(iam, moto.arns).values()} == {"unchanged"}
    assert moto.writes() == []
    assert iam.list_attached_role_policies(RoleName="vpcflow-firehose-delivery")["AttachedPolicies"] == []


def test_edited_policy_and_trust_are_restored(moto):  # noqa: F811
    iam = moto.clients("iam")
    ensure_roles(iam, moto.arns)
    iam.put_role_policy(
        RoleName="vpcflow-cloudwatch-to-firehose",
        PolicyName=INLINE_POLICY,
        PolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
        '"Action":"firehose:*","Resource":"*"}]}',
    )
    iam.update_assume_role_policy(
        RoleName="vpcflow-athena-partitioner",
        PolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
        '"Principal":{"Service":"ec2.amazonaws.com"},'
        '"Action":"sts:AssumeRole"}]}',
    )
    moto.reset()
    results = ensure_roles(iam, moto.arns)
    assert results["vpcflow-cloudwatch-to-firehose"].action == "updated"
    assert results["vpcflow-athena-partitioner"].action == "updated"
    assert sorted(op for _, op in moto.writes()) == ["PutRolePolicy", "UpdateAssumeRolePolicy"]
    policy = iam.get_role_policy(RoleName="vpcflow-cloudwatch-to-firehose", PolicyName=INLINE_POLICY)
    actions = [a for s in policy["PolicyDocument"]["Statement"] for a in s["Action"]]
    assert "firehose:*" not in actions and "firehose:PutRecordBatch" in actions


def test_flow_log_role_with_a_vpc(moto):  # noqa: F811
    config = dataclasses.replace(moto.config, vpc_id="vpc-0123456789abcdef0")
    arns = dataclasses.replace(moto.arns, config=config)
    assert ensure_roles(moto.clients("iam"), arns)["vpcflow-flow-log-delivery"].action == "created"


def test_delete_role_is_idempotent(moto):  # noqa: F811
    iam = moto.clients("iam")
    ensure_roles(iam, moto.arns)
    managed = iam.create_policy(
        PolicyName="extra",
        PolicyDocument='{"Version":"2012-10-17","Statement":'
        '[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}',
    )
    iam.attach_role_policy(RoleName="vpcflow-firehose-delivery", PolicyArn=managed["Policy"]["Arn"])
    assert delete_role(iam, "vpcflow-firehose-delivery").action == "deleted"
    assert delete_role(iam, "vpcflow-firehose-delivery").action == "absent"
