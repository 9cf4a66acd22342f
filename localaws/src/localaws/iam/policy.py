"""Identity-based policy evaluation, as IAM does it within one account: an explicit Deny wins, else an Allow
that matches grants, else the request is implicitly denied
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).

Matching follows the policy grammar: actions case-insensitively with ``*`` and ``?``; resources per ARN
segment (a wildcard never spans the colons of partition, service, region, account), the resource part as a
whole; NotAction and NotResource; conditions with the String, Arn, Bool, Null and Numeric operators, their
IfExists forms and the ForAnyValue/ForAllValues qualifiers; policy variables taken from the request context.

moto's own evaluator (``moto.iam.access_control.IAMPolicyStatement``) is not used for statements: it turns an
Allow whose condition does not hold into an explicit Deny, and matches wildcards without escaping the
pattern. What cannot be evaluated (an operator or a context key localaws does not know, a Principal in an
identity policy) raises ``CannotJudge`` as soon as a statement that matches the action and resource needs it:
such a request is refused loudly, never allowed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from enum import Enum
from functools import lru_cache
from typing import Any

from localaws.iam.calls import CannotJudge

# A context key's value: one string, several (a multivalued key), or None when the request has no such key.
Context = Mapping[str, str | list[str] | None]


class Decision(Enum):
    ALLOW = "allow"
    IMPLICIT_DENY = "implicit deny"
    EXPLICIT_DENY = "explicit deny"


def evaluate(documents: Iterable[dict[str, Any]], action: str, resource: str, context: Context) -> Decision:
    allowed = False
    for document in documents:
        statements = document.get("Statement", [])
        for statement in statements if isinstance(statements, list) else [statements]:
            if not _applies(statement, action, resource, context):
                continue
            if statement.get("Effect") == "Deny":
                return Decision.EXPLICIT_DENY
            allowed = True
    return Decision.ALLOW if allowed else Decision.IMPLICIT_DENY


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _applies(statement: dict[str, Any], action: str, resource: str, context: Context) -> bool:
    if "Action" in statement:
        if not any(_glob(p, ignore_case=True).match(action) for p in _list(statement["Action"])):
            return False
    elif any(_glob(p, ignore_case=True).match(action) for p in _list(statement.get("NotAction", []))):
        return False
    if "Resource" in statement:
        if not any(_resource_matches(p, resource, context) for p in _list(statement["Resource"])):
            return False
    elif "NotResource" in statement:
        if any(_resource_matches(p, resource, context) for p in _list(statement["NotResource"])):
            return False
    if "Principal" in statement or "NotPrincipal" in statement:
        raise CannotJudge(
            f"statement {statement.get('Sid', '')!r} names a Principal: not an identity-based policy"
        )
    return all(
        _condition(operator, key, expected, context)
        for operator, pairs in (statement.get("Condition") or {}).items()
        for key, expected in pairs.items()
    )


@lru_cache(maxsize=4096)
def _glob(pattern: str, ignore_case: bool = False) -> re.Pattern[str]:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(f"^{regex}$", (re.IGNORECASE | re.DOTALL) if ignore_case else re.DOTALL)


def _resource_matches(pattern: str, resource: str, context: Context) -> bool:
    pattern = _substitute(pattern, context)
    if pattern == "*":
        return True
    if resource == "*":  # an action without resource-level permissions is granted by "*" only
        return False
    want, have = pattern.split(":", 5), resource.split(":", 5)
    if len(want) != 6 or len(have) != 6:
        return bool(_glob(pattern).match(resource))
    return all(_glob(w).match(h) for w, h in zip(want, have, strict=True))


_VARIABLE = re.compile(r"\$\{([^}]+)\}")


def _substitute(pattern: str, context: Context) -> str:
    def value(match: re.Match[str]) -> str:
        name = match[1]
        if name in ("*", "?", "$"):
            return name
        known = _lookup(context, name)
        if not isinstance(known, str):
            raise CannotJudge(f"policy variable ${{{name}}} has no single value in this request")
        return known

    return _VARIABLE.sub(value, pattern) if "${" in pattern else pattern


def _lookup(context: Context, key: str) -> str | list[str] | None:
    lowered = key.lower()
    if lowered not in context:
        raise CannotJudge(f"condition key {key!r} is not one localaws knows the value of")
    return context[lowered]


_STRING = {
    "StringEquals": (lambda a, e: a == e, False),
    "StringNotEquals": (lambda a, e: a == e, True),
    "StringEqualsIgnoreCase": (lambda a, e: a.lower() == e.lower(), False),
    "StringNotEqualsIgnoreCase": (lambda a, e: a.lower() == e.lower(), True),
    "StringLike": (lambda a, e: bool(_glob(e).match(a)), False),
    "StringNotLike": (lambda a, e: bool(_glob(e).match(a)), True),
    "ArnEquals": (lambda a, e: a == e, False),
    "ArnNotEquals": (lambda a, e: a == e, True),
    "ArnLike": (lambda a, e: _resource_matches(e, a, {}), False),
    "ArnNotLike": (lambda a, e: _resource_matches(e, a, {}), True),
    "Bool": (lambda a, e: a.lower() == e.lower(), False),
    "NumericEquals": (lambda a, e: float(a) == float(e), False),
    "NumericNotEquals": (lambda a, e: float(a) == float(e), True),
    "NumericLessThan": (lambda a, e: float(a) < float(e), False),
    "NumericLessThanEquals": (lambda a, e: float(a) <= float(e), False),
    "NumericGreaterThan": (lambda a, e: float(a) > float(e), False),
    "NumericGreaterThanEquals": (lambda a, e: float(a) >= float(e), False),
}


def _condition(operator: str, key: str, expected: Any, context: Context) -> bool:
    qualifier, _, base = operator.rpartition(":")
    if_exists = base.endswith("IfExists")
    base = base.removesuffix("IfExists")
    actual = _lookup(context, key)
    wanted = [str(v).lower() if isinstance(v, bool) else str(v) for v in _list(expected)]
    if base == "Null":
        return (actual is None) == (wanted[0].lower() == "true")
    if base not in _STRING or qualifier not in ("", "ForAnyValue", "ForAllValues"):
        raise CannotJudge(f"condition operator {operator!r} is not one localaws evaluates")
    match, negated = _STRING[base]
    if actual is None:
        # A missing key fails a condition, but satisfies a negated one and any IfExists one (IAM User Guide,
        # reference_policies_elements_condition_operators.html).
        return if_exists or negated or qualifier == "ForAllValues"
    values = _list(actual)

    def hit(value: str) -> bool:
        found = any(match(value, w) for w in wanted)
        return not found if negated else found

    if qualifier == "ForAllValues":
        return all(hit(v) for v in values)
    if qualifier == "ForAnyValue":
        return any(hit(v) for v in values)
    if len(values) != 1:
        raise CannotJudge(
            f"condition {operator} on multivalued key {key!r} needs ForAnyValue or ForAllValues"
        )
    return hit(values[0])
