"""IAM and STS. IAM's ARNs have no region; a role's ARN carries its path."""

from __future__ import annotations

from localaws.iam.calls import CannotJudge
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


def _user(p: Params, a: Arns, r: Resolver) -> list[str]:
    if "UserName" not in p:  # the caller's own user, which the rules are not told
        raise CannotJudge("an IAM user call without UserName")
    return [a("iam", f"user{p.get('Path', '/')}{p['UserName']}", region="")]


IAM |= {
    op: on("iam", _user)
    for op in ops("""
        GetUser CreateUser DeleteUser CreateAccessKey ListAccessKeys DeleteAccessKey PutUserPolicy
        GetUserPolicy DeleteUserPolicy ListUserPolicies AttachUserPolicy DetachUserPolicy
        ListAttachedUserPolicies
    """)
}
IAM |= {
    op: on("iam", lambda p, a, r: [p["PolicyArn"]])
    for op in ops(
        "GetPolicy GetPolicyVersion CreatePolicyVersion DeletePolicyVersion ListPolicyVersions DeletePolicy"
    )
}
IAM["CreatePolicy"] = on(
    "iam", lambda p, a, r: [a("iam", f"policy{p.get('Path', '/')}{p['PolicyName']}", region="")]
)

STS: dict[str, Rule] = {
    "GetCallerIdentity": free,
    "AssumeRole": on("sts", lambda p, a, r: [p["RoleArn"]]),
}
