"""Athena's list paging: MaxResults checked against each action's limit, NextToken an opaque offset."""

from __future__ import annotations

import base64
from typing import Any

from localaws.athena.errors import invalid


def token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()


def offset(value: str | None) -> int:
    if not value:
        return 0
    try:
        kind, _, number = base64.urlsafe_b64decode(value.encode()).decode().partition(":")
        if kind != "o":
            raise ValueError(value)
        return int(number)
    except Exception as err:
        raise invalid(f"Invalid NextToken: {value!r}") from err


def max_results(body: dict[str, Any], key: str, default: int, top: int) -> int:
    value = body.get(key, default)
    if not isinstance(value, int) or value < 1 or value > top:
        raise invalid(f"{key} must be between 1 and {top}, got {value!r}")
    return value


def window(body: dict[str, Any], top: int = 50) -> tuple[int, int]:
    """(start, limit) of the page a list call asks for: MaxResults (checked first, as Athena does), NextToken."""
    limit = max_results(body, "MaxResults", top, top)
    return offset(body.get("NextToken")), limit


def next_token(start: int, limit: int, total: int) -> dict[str, str]:
    """``{"NextToken": ...}`` when items follow the page, else nothing."""
    return {"NextToken": token(start + limit)} if start + limit < total else {}
