"""What every rule is made of: a permission (``Need``), the ARNs of the caller's account and region, and the
few server-side lookups a rule may need (``Resolver``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from localaws.iam.calls import Call


@dataclass(frozen=True)
class Need:
    action: str
    resource: str  # "*" for an action without resource-level permissions
    # Request context keys this permission is evaluated with (iam:PassedToService for iam:PassRole).
    context: tuple[tuple[str, str], ...] = ()


class Resolver(Protocol):
    """What only the server knows: the workgroup an execution or a saved query belongs to, a role's path."""

    def execution_workgroup(self, query_execution_id: str) -> str | None: ...

    def named_query_workgroup(self, named_query_id: str) -> str | None: ...

    def role_arn(self, account: str, name: str) -> str: ...


@dataclass(frozen=True)
class Arns:
    partition: str
    region: str
    account: str

    def __call__(
        self, service: str, resource: str, region: str | None = None, account: str | None = None
    ) -> str:
        region = self.region if region is None else region
        account = account or self.account
        return f"arn:{self.partition}:{service}:{region}:{account}:{resource}"


Params = dict[str, Any]
Rule = Callable[[Call, Arns, Resolver], Iterable[Need]]
Resources = Callable[[Params, Arns, Resolver], Iterable[str]]


def ops(names: str) -> list[str]:
    """Operation names written as one whitespace-separated string, so tables stay readable."""
    return names.split()


def on(prefix: str, resources: Resources, action: str | None = None) -> Rule:
    """``prefix:<operation>`` (or ``prefix:action``) on each resource ``resources`` names."""

    def rule(call: Call, arns: Arns, resolver: Resolver) -> Iterable[Need]:
        name = f"{prefix}:{action or call.operation}"
        return [Need(name, r) for r in resources(call.params, arns, resolver)]

    return rule


def unscoped(prefix: str, action: str | None = None) -> Rule:
    """An action with no resource-level permissions: AWS evaluates it against "*"."""
    return on(prefix, lambda p, a, r: ["*"], action)


def free(call: Call, arns: Arns, resolver: Resolver) -> Iterable[Need]:
    """No permission at all (sts:GetCallerIdentity: "No permissions are required to perform this operation",
    https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html)."""
    return []


def plus(rule: Rule, extra: Rule) -> Rule:
    """A rule and the dependent actions the same call needs."""

    def combined(call: Call, arns: Arns, resolver: Resolver) -> Iterable[Need]:
        return [*rule(call, arns, resolver), *extra(call, arns, resolver)]

    return combined


def pass_role(role_arn: str | None, service: str) -> list[Need]:
    """Handing a role to a service needs iam:PassRole on it, evaluated with iam:PassedToService
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html)."""
    if not role_arn:
        return []
    return [Need("iam:PassRole", role_arn, (("iam:passedtoservice", service),))]


def values(params: Any, key: str) -> list[str]:
    """Every value of ``key`` anywhere in a nested request (RoleARN in a destination, DataSourceArn...)."""
    found: list[str] = []
    if isinstance(params, dict):
        for k, v in params.items():
            if k == key and isinstance(v, str):
                found.append(v)
            else:
                found += values(v, key)
    elif isinstance(params, list):
        for item in params:
            found += values(item, key)
    return found


def indexed(params: Params, name: str) -> list[str]:
    """The members of a query-protocol list: ``Name.1``, ``Name.2``... or ``Name.member.1``..."""
    members = [
        (k, v) for k, v in params.items() if k.startswith(f"{name}.") and k.rsplit(".", 1)[-1].isdigit()
    ]
    return [v for _, v in sorted(members, key=lambda kv: int(kv[0].rsplit(".", 1)[-1]))]
