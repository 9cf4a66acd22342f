"""CreateWorkGroup, GetWorkGroup, ListWorkGroups, UpdateWorkGroup, DeleteWorkGroup."""

from __future__ import annotations

from typing import Any

from localaws.athena.api.paging import next_token, window
from localaws.athena.errors import invalid
from localaws.athena.store import Region


def CreateWorkGroup(region: Region, body: dict[str, Any]) -> dict[str, Any]:
    name = body.get("Name")
    if not isinstance(name, str) or not name:
        raise invalid("Name is required")
    region.workgroups.create(body)
    return {}


def GetWorkGroup(region: Region, body: dict[str, Any]) -> dict[str, Any]:
    return {"WorkGroup": region.workgroups.get(body.get("WorkGroup")).describe()}


def ListWorkGroups(region: Region, body: dict[str, Any]) -> dict[str, Any]:
    start, limit = window(body)
    groups = region.workgroups.all()
    summaries = [g.summary() for g in groups[start : start + limit]]
    return {"WorkGroups": summaries, **next_token(start, limit, len(groups))}


def UpdateWorkGroup(region: Region, body: dict[str, Any]) -> dict[str, Any]:
    region.workgroups.update(body)
    return {}


def DeleteWorkGroup(region: Region, body: dict[str, Any]) -> dict[str, Any]:
    region.workgroups.delete(body.get("WorkGroup") or "")
    return {}


ACTIONS = {
    "CreateWorkGroup": CreateWorkGroup,
    "GetWorkGroup": GetWorkGroup,
    "ListWorkGroups": ListWorkGroups,
    "UpdateWorkGroup": UpdateWorkGroup,
    "DeleteWorkGroup": DeleteWorkGroup,
}
