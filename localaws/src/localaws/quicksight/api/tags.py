"""TagResource, UntagResource, ListTagsForResource for the resources localaws keeps (others go to moto)."""

from __future__ import annotations

from typing import Any

from localaws.quicksight.errors import not_found
from localaws.quicksight.params import require
from localaws.quicksight.routes import Call, parse_arn
from localaws.quicksight.store import Region


def _record(region: Region, call: Call) -> dict[str, Any]:
    _, _, kind, resource_id = parse_arn(call.params["ResourceArn"])  # claims() made sure it parses
    record = region.resources(kind).get(resource_id)
    if record is None:
        raise not_found(kind.upper(), f"Resource {call.params['ResourceArn']}")
    return record


def tag(region: Region, call: Call) -> tuple[int, dict[str, Any]]:
    require(call.body, "Tags")
    record = _record(region, call)
    tags = {t["Key"]: t["Value"] for t in record.get("_tags", [])}
    tags.update({t["Key"]: t["Value"] for t in call.body["Tags"]})
    record["_tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    return 200, {}


def untag(region: Region, call: Call) -> tuple[int, dict[str, Any]]:
    record = _record(region, call)
    gone = set(call.query.getlist("keys"))
    record["_tags"] = [t for t in record.get("_tags", []) if t["Key"] not in gone]
    return 200, {}


def list_(region: Region, call: Call) -> tuple[int, dict[str, Any]]:
    return 200, {"Tags": _record(region, call).get("_tags", [])}


HANDLERS = {"TagResource": tag, "UntagResource": untag, "ListTagsForResource": list_}
