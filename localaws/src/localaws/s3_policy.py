"""Bucket policies with conditions, evaluated as S3 evaluates them for a request over HTTPS.

moto skips condition operators it does not know (Bool among them), so a bucket policy that denies
non-TLS access (``"Bool": {"aws:SecureTransport": "false"}``) becomes an unconditional deny of every
object request. localaws stands for S3's HTTPS endpoint, so requests carry ``aws:SecureTransport=true``;
a statement whose condition does not hold for the request does not apply, and a condition on a key the
request context lacks does not hold (unless its operator ends in ``IfExists``), as in IAM.
"""

from __future__ import annotations

import json
from typing import Any

REQUEST_CONTEXT = {"aws:securetransport": "true"}


def _holds(operator: str, key: str, expected: Any) -> bool:
    base = operator.removesuffix("IfExists")
    actual = REQUEST_CONTEXT.get(key.lower())
    if base == "Null":
        return (actual is None) == (str(expected).lower() == "true")
    if actual is None:
        return operator.endswith("IfExists")
    wanted = [str(v) for v in (expected if isinstance(expected, list) else [expected])]
    if base == "Bool":
        return actual.lower() in (w.lower() for w in wanted)
    if base == "StringEquals":
        return actual in wanted
    if base == "StringNotEquals":
        return actual not in wanted
    return False


def applies(statement: dict[str, Any]) -> bool:
    conditions = statement.get("Condition") or {}
    return all(_holds(op, key, value) for op, pairs in conditions.items() for key, value in pairs.items())


def effective_policy(policy: bytes | str) -> str | None:
    """The policy with only the statements that apply to this request, conditions resolved."""
    document = json.loads(policy)
    statements = document.get("Statement", [])
    statements = statements if isinstance(statements, list) else [statements]
    kept = [{k: v for k, v in s.items() if k != "Condition"} for s in statements if applies(s)]
    return json.dumps({**document, "Statement": kept}) if kept else None


def install() -> None:
    """Make moto's buckets judge their policy with conditions resolved (idempotent)."""
    from moto.iam.access_control import IAMPolicy, PermissionResult
    from moto.s3.models import FakeBucket

    if getattr(FakeBucket.get_permission, "_localaws", False):
        return

    def get_permission(self: FakeBucket, action: str, resource: str) -> Any:
        if self.policy is None:
            return PermissionResult.NEUTRAL
        policy = effective_policy(self.policy)
        if policy is None:
            return PermissionResult.NEUTRAL
        return IAMPolicy(policy).is_action_permitted(action, resource)

    get_permission._localaws = True  # type: ignore[attr-defined]
    FakeBucket.get_permission = get_permission
