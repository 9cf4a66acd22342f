"""CreateDataSource, DescribeDataSource, ListDataSources, UpdateDataSource, DeleteDataSource and permissions."""

from __future__ import annotations

from typing import Any

from localaws.quicksight.errors import exists, invalid, not_found
from localaws.quicksight.params import check_id, merge_permissions, page, require
from localaws.quicksight.routes import Call
from localaws.quicksight.store import Region, now, public

# The data source types an ingestion can run; others are stored but fail at ingestion time.
RUNNABLE_TYPES = ("ATHENA",)


def _get(region: Region, call: Call) -> dict[str, Any]:
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


def create(region: Region, call: Call) -> tuple[int, dict[str, Any]]:
    body = call.body
    require(body, "DataSourceId", "Name", "Type")
    source_id = check_id("DataSourceId", body["DataSourceId"])
    _check_parameters(body)
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


def describe(region: Region, call: Call) -> tuple[int, dict[str, Any]]:
    return 200, {"DataSource": public(_get(region, call))}


def list_(region: Region, call: Call) -> tuple[int, dict[str, Any]]:
    items = [public(d) for d in region.data_sources.values()]
    items, token = page(items, call.query)
    return 200, {"DataSources": items, **({"NextToken": token} if token else {})}


def update(region: Region, call: Call) -> tuple[int, dict[str, Any]]:
    record = _get(region, call)
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


def delete(region: Region, call: Call) -> tuple[int, dict[str, Any]]:
    record = _get(region, call)
    del region.data_sources[record["DataSourceId"]]
    return 200, {"Arn": record["Arn"], "DataSourceId": record["DataSourceId"]}


def describe_permissions(region: Region, call: Call) -> tuple[int, dict[str, Any]]:
    record = _get(region, call)
    return 200, {
        "DataSourceArn": record["Arn"],
        "DataSourceId": record["DataSourceId"],
        "Permissions": record["_permissions"],
    }


def update_permissions(region: Region, call: Call) -> tuple[int, dict[str, Any]]:
    record = _get(region, call)
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
