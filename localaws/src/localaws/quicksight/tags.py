"""TagResource, UntagResource, ListTagsForResource for the resources localaws keeps (others go to moto)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from localaws.quicksight.errors import not_found
from localaws.quicksight.routes import Call
from localaws.quicksight.store import require

if TYPE_CHECKING:
    from localaws.quicksight.service import QuickSightService

KINDS = {"datasource": "data_sources", "dataset": "data_sets", "dashboard": "dashboards"}


def parse_arn(arn: str) -> tuple[str, str, str, str] | None:
    """(region, account, kind, id) of a QuickSight ARN localaws keeps, else None."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[2] != "quicksight":
        return None
    kind, _, resource_id = parts[5].partition("/")
    if kind not in KINDS or not resource_id or "/" in resource_id:
        return None
    return parts[3], parts[4], kind, resource_id


def _record(svc: QuickSightService, call: Call) -> dict[str, Any]:
    _, _, kind, resource_id = parse_arn(call.params["ResourceArn"])  # claims() made sure it parses
    record = getattr(svc.region_of(call), KINDS[kind]).get(resource_id)
    if record is None:
        raise not_found(kind.upper(), f"Resource {call.params['ResourceArn']}")
    return record


def tag(svc: QuickSightService, call: Call) -> tuple[int, dict[str, Any]]:
    require(call.body, "Tags")
    record = _record(svc, call)
    tags = {t["Key"]: t["Value"] for t in record.get("_tags", [])}
    tags.update({t["Key"]: t["Value"] for t in call.body["Tags"]})
    record["_tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    return 200, {}


def untag(svc: QuickSightService, call: Call) -> tuple[int, dict[str, Any]]:
    record = _record(svc, call)
    gone = set(call.query.getlist("keys"))
    record["_tags"] = [t for t in record.get("_tags", []) if t["Key"] not in gone]
    return 200, {}


def list_(svc: QuickSightService, call: Call) -> tuple[int, dict[str, Any]]:
    return 200, {"Tags": _record(svc, call).get("_tags", [])}


HANDLERS = {"TagResource": tag, "UntagResource": untag, "ListTagsForResource": list_}
