"""Checks of QuickSight request parameters, and the shapes shared by many calls: pages, permissions."""

from __future__ import annotations

import re
from typing import Any

from localaws.quicksight.errors import QuickSightError, invalid

ACCOUNT_ID = re.compile(r"^[0-9]{12}$")
RESOURCE_ID = re.compile(r"^[\w\-]{1,512}$")
INGESTION_ID = re.compile(r"^[a-zA-Z0-9-_]{1,128}$")


def check_account(account_id: str) -> None:
    if not ACCOUNT_ID.match(account_id):
        raise invalid(f"AwsAccountId {account_id!r} is not a 12-digit AWS account id.")


def check_id(kind: str, value: str, pattern: re.Pattern[str] = RESOURCE_ID) -> str:
    if not isinstance(value, str) or not pattern.match(value):
        raise invalid(f"{kind} {value!r} is not valid: it must match {pattern.pattern}.")
    return value


def require(body: dict[str, Any], *names: str) -> None:
    missing = [name for name in names if body.get(name) in (None, "", {}, [])]
    if missing:
        raise invalid(f"Missing required parameter(s): {', '.join(missing)}.")


def page(items: list[Any], query: dict[str, str], default_max: int = 100) -> tuple[list[Any], str | None]:
    """One page of a list call: NextToken is the offset of the next item."""
    try:
        start = int(query.get("next-token") or 0)
        size = int(query.get("max-results") or default_max)
    except ValueError as err:
        raise QuickSightError(
            "InvalidNextTokenException", f"Invalid NextToken or MaxResults: {err}."
        ) from err
    if start < 0 or start > len(items) or size < 1:
        raise QuickSightError("InvalidNextTokenException", f"NextToken {start} is not valid for this list.")
    end = start + size
    return items[start:end], (str(end) if end < len(items) else None)


def merge_permissions(
    current: list[dict[str, Any]], grant: list[dict[str, Any]] | None, revoke: list[dict[str, Any]] | None
) -> list[dict[str, Any]]:
    """Grant adds actions per principal, revoke removes them; a principal left with none disappears."""
    actions: dict[str, list[str]] = {p["Principal"]: list(p.get("Actions", [])) for p in current}
    for permission in grant or []:
        have = actions.setdefault(permission["Principal"], [])
        have.extend(a for a in permission.get("Actions", []) if a not in have)
    for permission in revoke or []:
        if permission["Principal"] in actions:
            gone = set(permission.get("Actions", []))
            actions[permission["Principal"]] = [a for a in actions[permission["Principal"]] if a not in gone]
    return [{"Principal": p, "Actions": a} for p, a in actions.items() if a]
