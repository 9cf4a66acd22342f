"""IAM and STS. IAM's ARNs have no region; a role's ARN carries its path."""

from __future__ import annotations

from localaws.iam.needs.base import Arns, Params, Resolver, Rule, free, on, ops


def _role(p: Params, a: Arns, r: Resolver) -> list[str]:
    if "Path" in p:  # CreateRole: the path the role will have
        return [a("iam", f"role{p['Path']}{p['RoleName']}", region="")]
    return [r.role_arn(a.account, p["RoleName"])]


IAM: dict[str, Rule] = {
    op: on("iam", _role)
    for op in ops("""
        GetRole CreateRole DeleteRole UpdateRole UpdateAssumeRolePolicy GetRolePolicy PutRolePolicy
        DeleteRolePolicy ListRolePolicies ListAttachedRolePolicies AttachRolePolicy DetachRolePolicy TagRole
        UntagRole ListRoleTags
    """)
}

STS: dict[str, Rule] = {
    "GetCallerIdentity": free,
    "AssumeRole": on("sts", lambda p, a, r: [p["RoleArn"]]),
}
