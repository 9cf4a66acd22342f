"""CreateDataSource, DescribeDataSource, ListDataSources, UpdateDataSource, DeleteDataSource and permissions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from localaws.quicksight.errors import exists, invalid, not_found
from localaws.quicksight.routes import Call
from localaws.quicksight.store import check_id, merge_permissions, now, page, public, require

if TYPE_CHECKING:
    from localaws.quicksight.service import QuickSightService

# The data source types an ingestion can run; others are stored but fail at ingestion time.
RUNNABLE_TYPES = ("ATHENA",)


def _get(svc: QuickSightService, call: Call) -> dict[str, Any]:
    region = svc.region_of(call)
    source_id = call.params["DataSourceId"]
    if source_id not in region.data_sources:
        raise not_found("DATA_SOURCE", f"Data source {source_id}")
    return region.data_sources[source_id]


def _check_parameters(body: dict[str, Any]) -> None:
    if body.get("Type") == "ATHENA":
        athena = (body.get("DataSourceParameters") or {}).get("AthenaParameters")
        if athena is None:
            raise invalid(
                "DataSourceParameters.AthenaParameters is required for a data source of Type ATHENA."
            )


def create(svc: QuickSightService, call: Call) -> tuple[int, dict[str, Any]]:
    body = call.body
    require(body, "DataSourceId", "Name", "Type")
    source_id = check_id("DataSourceId", body["DataSourceId"])
    _check_parameters(body)
    region = svc.region_of(call)
    if source_id in region.data_sources:
        raise exists("DATA_SOURCE", f"Data source {source_id}")
    created = now()
    record = {
        "Arn": region.arn("datasource", source_id),
        "DataSourceId": source_id,
        "Name": body["Name"],
        "Type": body["Type"],
        "Status": "CREATION_SUCCESSFUL",
        "CreatedTime": created,
        "LastUpdatedTime": created,
        "DataSourceParameters": body.get("DataSourceParameters", {}),
        "_permissions": body.get("Permissions", []),
        "_tags": body.get("Tags", []),
    }
    for optional in ("VpcConnectionProperties", "SslProperties"):
        if optional in body:
            record[optional] = body[optional]
    region.data_sources[source_id] = record
    # AWS answers 202 and finishes the creation asynchronously; here it is done before the answer.
    return 202, {"Arn": record["Arn"], "DataSourceId": source_id, "CreationStatus": "CREATION_IN_PROGRESS"}


def describe(svc: QuickSightService, call: Call) -> tuple[int, dict[str, Any]]:
    return 200, {"DataSource": public(_get(svc, call))}


def list_(svc: QuickSightService, call: Call) -> tuple[int, dict[str, Any]]:
    items = [public(d) for d in svc.region_of(call).data_sources.values()]
    items, token = page(items, call.query)
    return 200, {"DataSources": items, **({"NextToken": token} if token else {})}


def update(svc: QuickSightService, call: Call) -> tuple[int, dict[str, Any]]:
    record = _get(svc, call)
    require(call.body, "Name")
    _check_parameters({"Type": record["Type"], **call.body})
    record["Name"] = call.body["Name"]
    for key in ("DataSourceParameters", "VpcConnectionProperties", "SslProperties"):
        if key in call.body:
            record[key] = call.body[key]
    record["Status"] = "UPDATE_SUCCESSFUL"
    record["LastUpdatedTime"] = now()
    return 202, {
        "Arn": record["Arn"],
        "DataSourceId": record["DataSourceId"],
        "UpdateStatus": "UPDATE_IN_PROGRESS",
    }


def delete(svc: QuickSightService, call: Call) -> tuple[int, dict[str, Any]]:
    record = _get(svc, call)
    del svc.region_of(call).data_sources[record["DataSourceId"]]
    return 200, {"Arn": record["Arn"], "DataSourceId": record["DataSourceId"]}


def describe_permissions(svc: QuickSightService, call: Call) -> tuple[int, dict[str, Any]]:
    record = _get(svc, call)
    return 200, {
        "DataSourceArn": record["Arn"],
        "DataSourceId": record["DataSourceId"],
        "Permissions": record["_permissions"],
    }


def update_permissions(svc: QuickSightService, call: Call) -> tuple[int, dict[str, Any]]:
    record = _get(svc, call)
    record["_permissions"] = merge_permissions(
        record["_permissions"], call.body.get("GrantPermissions"), call.body.get("RevokePermissions")
    )
    return 200, {"DataSourceArn": record["Arn"], "DataSourceId": record["DataSourceId"]}


HANDLERS = {
    "CreateDataSource": create,
    "DescribeDataSource": describe,
    "ListDataSources": list_,
    "UpdateDataSource": update,
    "DeleteDataSource": delete,
    "DescribeDataSourcePermissions": describe_permissions,
    "UpdateDataSourcePermissions": update_permissions,
}
