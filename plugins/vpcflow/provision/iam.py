"""IAM roles with one inline least-privilege policy each (documents from vpcflow.provision.iam_policies)."""

from __future__ import annotations

from typing import Any

from vpcflow.provision.common import (
    Result,
    delete_if_present,
    get_or_none,
    log,
    policy_json,
    same_policy,
)
from vpcflow.provision.iam_policies import StackArns, role_specs

INLINE_POLICY = "vpcflow-least-privilege"


def ensure_role(
    iam: Any, name: str, trust: dict[str, Any], policy: dict[str, Any], description: str = "vpcflow"
) -> Result:
    """The role with exactly this trust policy and this inline policy (other inline policies are left)."""
    role = get_or_none(lambda: iam.get_role(RoleName=name)["Role"])
    if role is None:
        role = iam.create_role(
            RoleName=name, AssumeRolePolicyDocument=policy_json(trust), Description=description
        )["Role"]
        iam.put_role_policy(RoleName=name, PolicyName=INLINE_POLICY, PolicyDocument=policy_json(policy))
        log.info("created role %s", name)
        return Result("created", role["Arn"])
    updated = False
    if not same_policy(role["AssumeRolePolicyDocument"], trust):
        iam.update_assume_role_policy(RoleName=name, PolicyDocument=policy_json(trust))
        updated = True
    current = get_or_none(
        lambda: iam.get_role_policy(RoleName=name, PolicyName=INLINE_POLICY)["PolicyDocument"]
    )
    if current is None or not same_policy(current, policy):
        iam.put_role_policy(RoleName=name, PolicyName=INLINE_POLICY, PolicyDocument=policy_json(policy))
        updated = True
    return Result("updated" if updated else "unchanged", role["Arn"])


def ensure_roles(iam: Any, arns: StackArns) -> dict[str, Result]:
    """Every role of the stack, by role name. The flow-log role only when a VPC id is configured."""
    results = {}
    for name, (trust, policy) in role_specs(arns).items():
        if name == arns.config.flow_log_role and not arns.config.vpc_id:
            continue
        results[name] = ensure_role(iam, name, trust, policy)
    return results


def delete_role(iam: Any, name: str) -> Result:
    """Detach and delete every policy, then the role. A missing role is fine."""
    if get_or_none(lambda: iam.get_role(RoleName=name)) is None:
        return Result("absent", name)
    for page in iam.get_paginator("list_role_policies").paginate(RoleName=name):
        for policy in page["PolicyNames"]:
            delete_if_present(lambda p=policy: iam.delete_role_policy(RoleName=name, PolicyName=p), policy)
    for page in iam.get_paginator("list_attached_role_policies").paginate(RoleName=name):
        for policy in page["AttachedPolicies"]:
            arn = policy["PolicyArn"]
            delete_if_present(lambda a=arn: iam.detach_role_policy(RoleName=name, PolicyArn=a), arn)
    delete_if_present(lambda: iam.delete_role(RoleName=name), name)
    return Result("deleted", name)
