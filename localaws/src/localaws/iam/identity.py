"""Who signed a request: the IAM user or assumed role whose access key it carries, with that identity's
policies, as moto's IAM and STS backends hold them (moto.iam.access_control finds the key and collects
inline, attached and group policies; its SigV4 code recomputes the signature).

localaws's own key (``localaws``, which its services use when they act as AWS: Firehose delivering to S3,
Lambda sandboxes, QuickSight's ingestions) and the root keys a LocalAWS is given act as the account's root
user: nothing is evaluated for them, as for root on AWS.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from werkzeug.wrappers import Request

from localaws.iam.calls import CannotJudge

INTERNAL_KEY = "localaws"


class Unauthenticated(Exception):
    """The key is unknown, or the signature does not match it (``reason``: invalid_key, bad_signature)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Principal:
    arn: str
    kind: str  # Account (root), User, AssumedRole
    name: str = ""
    policies: tuple[dict[str, Any], ...] = field(default=(), repr=False)

    @property
    def is_root(self) -> bool:
        return self.kind == "Account"

    def context(self, region: str) -> dict[str, str | list[str] | None]:
        """The global condition keys localaws can state for this principal's requests; any other key makes a
        condition unevaluable. Keys set to None are known to be absent: a direct call over HTTPS, not through
        another service, from no VPC endpoint."""
        account = self.arn.split(":")[4]
        return {
            "aws:principalarn": self.arn,
            "aws:principalaccount": account,
            "aws:principaltype": self.kind,
            "aws:username": self.name if self.kind == "User" else None,
            "aws:requestedregion": region,
            "aws:securetransport": "true",
            "aws:viaawsservice": "false",
            "aws:calledvia": None,
            "aws:calledviafirst": None,
            "aws:calledvialast": None,
            "aws:sourcevpc": None,
            "aws:sourcevpce": None,
            "kms:viaservice": None,
            "iam:passedtoservice": None,
        }


def root(account: str, partition: str = "aws") -> Principal:
    return Principal(f"arn:{partition}:iam::{account}:root", "Account")


def principal(access_key: str, account: str, partition: str, headers: Mapping[str, str]) -> Principal:
    from moto.iam.access_control import (
        AssumedRoleAccessKey,
        CreateAccessKeyFailure,
        IAMPolicy,
        create_access_key,
    )

    try:
        key = create_access_key(account, partition, access_key, headers)
    except CreateAccessKeyFailure:
        raise Unauthenticated("invalid_key") from None
    policies = tuple(IAMPolicy(p)._policy_json for p in key.collect_policies())
    if isinstance(key, AssumedRoleAccessKey):
        _refuse_what_moto_skips(access_key, account, partition)
        role, session = key.arn.split("/")[-2:]
        return Principal(key.arn, "AssumedRole", f"{role}/{session}", policies)
    return Principal(key.arn, "User", key.arn.rsplit("/", 1)[-1], policies)


def _refuse_what_moto_skips(access_key: str, account: str, partition: str) -> None:
    """A role's permissions boundary and a session policy narrow what its policies grant; localaws does not
    evaluate them, so such a session is refused rather than given more than AWS would give it."""
    from moto.iam.models import iam_backends
    from moto.sts.models import sts_backends

    for session in sts_backends[account][partition].assumed_roles:
        if session.access_key_id != access_key:
            continue
        if session.policy:
            raise CannotJudge(f"session {session.session_name} has a session policy")
        role = iam_backends[account][partition].get_role_by_arn(session.role_arn)
        if role.permissions_boundary_arn:
            raise CannotJudge(f"role {role.name} has a permissions boundary")


def verify_signature(
    request: Request, access_key: str, account: str, partition: str, body: bytes, service: str
) -> None:
    """Recompute the request's SigV4 signature with the key's secret (moto's code), as AWS does."""
    from moto.iam.access_control import IAMRequest, S3IAMRequest

    cls = S3IAMRequest if service == "s3" else IAMRequest
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.full_path
    headers = dict(request.headers.items())
    try:
        check = cls(account, request.method, raw, {}, body, headers, service)
        expected = check._calculate_signature()
    except Exception as err:  # moto raises its own HTTP errors for keys it cannot use
        raise Unauthenticated("invalid_key") from err
    given = request.headers.get("Authorization", "").partition("Signature=")[2].partition(",")[0]
    if given != expected:
        raise Unauthenticated("bad_signature")
