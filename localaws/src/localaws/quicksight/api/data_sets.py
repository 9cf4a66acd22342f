"""CreateDataSet, DescribeDataSet, ListDataSets, UpdateDataSet, DeleteDataSet, permissions, refresh properties."""

from __future__ import annotations

import uuid
from typing import Any

from localaws.quicksight import ingestion_queue, transforms
from localaws.quicksight.columns import INPUT_TYPES, physical_columns
from localaws.quicksight.errors import exists, invalid, not_found
from localaws.quicksight.params import check_id, merge_permissions, page, require
from localaws.quicksight.routes import Call
from localaws.quicksight.store import Region, now, public

DEFINITION_FIELDS = (
    "Name",
    "PhysicalTableMap",
    "LogicalTableMap",
    "ImportMode",
    "ColumnGroups",
    "FieldFolders",
    "RowLevelPermissionDataSet",
    "RowLevelPermissionTagConfiguration",
    "ColumnLevelPermissionRules",
    "DataSetUsageConfiguration",
    "DatasetParameters",
    "PerformanceConfiguration",
    "DataPrepConfiguration",
    "SemanticModelConfiguration",
)


def get(region: Region, call: Call) -> dict[str, Any]:
    data_set_id = call.params["DataSetId"]
    if data_set_id not in region.data_sets:
        raise not_found("DATA_SET", f"Data set {data_set_id}")
    return region.data_sets[data_set_id]


def _check_definition(region: Region, body: dict[str, Any]) -> None:
    require(body, "Name", "PhysicalTableMap", "ImportMode")
    if body["ImportMode"] not in ("SPICE", "DIRECT_QUERY"):
        raise invalid(f"ImportMode {body['ImportMode']!r} is not valid: use SPICE or DIRECT_QUERY.")
    for table_id, table in body["PhysicalTableMap"].items():
        kinds = [kind for kind in table if table[kind]]
        if len(kinds) != 1:
            raise invalid(f"PhysicalTableMap[{table_id}] must hold exactly one table kind, not {kinds}.")
        kind = kinds[0]
        spec = table[kind]
        if kind == "RelationalTable":
            require(spec, "DataSourceArn", "Name", "InputColumns")
            columns = spec["InputColumns"]
        elif kind == "CustomSql":
            require(spec, "DataSourceArn", "Name", "SqlQuery")
            columns = spec.get("Columns", [])
        else:
            columns = spec.get("InputColumns", [])
        for column in columns:
            if column.get("Type") not in INPUT_TYPES:
                raise invalid(
                    f"PhysicalTableMap[{table_id}].{kind} column {column.get('Name')!r} has Type "
                    f"{column.get('Type')!r}; valid types are {', '.join(INPUT_TYPES)}."
                )
        arn = spec.get("DataSourceArn")
        if arn and region.data_source_by_arn(arn) is None:
            raise not_found("DATA_SOURCE", f"Data source {arn} (PhysicalTableMap[{table_id}])")


def _apply(record: dict[str, Any], body: dict[str, Any]) -> None:
    for key in DEFINITION_FIELDS:
        if key in body:
            record[key] = body[key]
    try:
        # Not strict: a data set with transforms localaws cannot run is stored; its ingestions say why.
        outputs = transforms.outputs(record, physical_columns(record), strict=False)
    except transforms.UnknownColumn as err:
        raise invalid(f"LogicalTableMap: {err}") from err
    record["OutputColumns"] = [o.output_column() for o in outputs]


def _ingestion_fields(region: Region, data_set_id: str, ingestion_id: str | None) -> dict[str, str]:
    if ingestion_id is None:
        return {}
    return {
        "IngestionArn": ingestion_queue.arn(region, data_set_id, ingestion_id),
        "IngestionId": ingestion_id,
    }


def create(region: Region, call: Call) -> tuple[int, dict[str, Any]]:
    body = call.body
    require(body, "DataSetId")
    data_set_id = check_id("DataSetId", body["DataSetId"])
    if data_set_id in region.data_sets:
        raise exists("DATA_SET", f"Data set {data_set_id}")
    _check_definition(region, body)
    created = now()
    record: dict[str, Any] = {
        "Arn": region.arn("dataset", data_set_id),
        "DataSetId": data_set_id,
        "CreatedTime": created,
        "LastUpdatedTime": created,
        "_permissions": body.get("Permissions", []),
        "_tags": body.get("Tags", []),
    }
    _apply(record, body)
    region.data_sets[data_set_id] = record
    # A SPICE dataset is filled at once, as AWS does: its answer names that first ingestion.
    ingestion_id = None
    if record["ImportMode"] == "SPICE":
        ingestion_id = str(uuid.uuid4())
        ingestion_queue.start(region, data_set_id, ingestion_id, "INITIAL_INGESTION")
    return 201, {
        "Arn": record["Arn"],
        "DataSetId": data_set_id,
        **_ingestion_fields(region, data_set_id, ingestion_id),
    }


def describe(region: Region, call: Call) -> tuple[int, dict[str, Any]]:
    record = get(region, call)
    data_set = public(record)
    extract = region.extract(record["DataSetId"])
    data_set["ConsumedSpiceCapacityInBytes"] = extract.stat().st_size if extract else 0
    return 200, {"DataSet": data_set}


def list_(region: Region, call: Call) -> tuple[int, dict[str, Any]]:
    summaries = [
        {
            "Arn": d["Arn"],
            "DataSetId": d["DataSetId"],
            "Name": d["Name"],
            "CreatedTime": d["CreatedTime"],
            "LastUpdatedTime": d["LastUpdatedTime"],
            "ImportMode": d["ImportMode"],
            "RowLevelPermissionTagConfigurationApplied": False,
            "ColumnLevelPermissionRulesApplied": False,
        }
        for d in region.data_sets.values()
    ]
    summaries, token = page(summaries, call.query)
    return 200, {"DataSetSummaries": summaries, **({"NextToken": token} if token else {})}


def update(region: Region, call: Call) -> tuple[int, dict[str, Any]]:
    record = get(region, call)
    _check_definition(region, call.body)
    edited = dict(record)
    _apply(edited, call.body)  # on a copy: an invalid update leaves the data set as it was
    record.update(edited, LastUpdatedTime=now())
    ingestion_id = None
    if record["ImportMode"] == "SPICE":
        ingestion_id = str(uuid.uuid4())
        ingestion_queue.start(region, record["DataSetId"], ingestion_id, "EDIT")
    return 200, {
        "Arn": record["Arn"],
        "DataSetId": record["DataSetId"],
        **_ingestion_fields(region, record["DataSetId"], ingestion_id),
    }


def delete(region: Region, call: Call) -> tuple[int, dict[str, Any]]:
    record = get(region, call)
    del region.data_sets[record["DataSetId"]]
    ingestion_queue.abandon(region, record["DataSetId"])
    region.extract_path(record["DataSetId"]).unlink(missing_ok=True)
    return 200, {"Arn": record["Arn"], "DataSetId": record["DataSetId"]}


def describe_permissions(region: Region, call: Call) -> tuple[int, dict[str, Any]]:
    record = get(region, call)
    return 200, {
        "DataSetArn": record["Arn"],
        "DataSetId": record["DataSetId"],
        "Permissions": record["_permissions"],
    }


def update_permissions(region: Region, call: Call) -> tuple[int, dict[str, Any]]:
    record = get(region, call)
    record["_permissions"] = merge_permissions(
        record["_permissions"], call.body.get("GrantPermissions"), call.body.get("RevokePermissions")
    )
    return 200, {"DataSetArn": record["Arn"], "DataSetId": record["DataSetId"]}


def put_refresh_properties(region: Region, call: Call) -> tuple[int, dict[str, Any]]:
    record = get(region, call)
    require(call.body, "DataSetRefreshProperties")
    window = (
        call.body["DataSetRefreshProperties"]
        .get("RefreshConfiguration", {})
        .get("IncrementalRefresh", {})
        .get("LookbackWindow")
    )
    if window is not None:
        require(window, "ColumnName", "Size", "SizeUnit")
        names = [c["Name"] for c in record["OutputColumns"] if c["Type"] == "DATETIME"]
        if window["ColumnName"] not in names:
            raise invalid(
                f"LookbackWindow.ColumnName {window['ColumnName']!r} is not a DATETIME column of data set "
                f"{record['DataSetId']} (DATETIME columns: {names})."
            )
        if window["SizeUnit"] not in ("HOUR", "DAY", "WEEK"):
            raise invalid(f"LookbackWindow.SizeUnit {window['SizeUnit']!r} is not HOUR, DAY or WEEK.")
    record["_refresh_properties"] = call.body["DataSetRefreshProperties"]
    return 200, {}


def describe_refresh_properties(region: Region, call: Call) -> tuple[int, dict[str, Any]]:
    record = get(region, call)
    if "_refresh_properties" not in record:
        raise not_found("DATA_SET", f"Refresh properties of data set {record['DataSetId']}")
    return 200, {"DataSetRefreshProperties": record["_refresh_properties"]}


def delete_refresh_properties(region: Region, call: Call) -> tuple[int, dict[str, Any]]:
    record = get(region, call)
    if record.pop("_refresh_properties", None) is None:
        raise not_found("DATA_SET", f"Refresh properties of data set {record['DataSetId']}")
    return 200, {}


HANDLERS = {
    "CreateDataSet": create,
    "DescribeDataSet": describe,
    "ListDataSets": list_,
    "UpdateDataSet": update,
    "DeleteDataSet": delete,
    "DescribeDataSetPermissions": describe_permissions,
    "UpdateDataSetPermissions": update_permissions,
    "PutDataSetRefreshProperties": put_refresh_properties,
    "DescribeDataSetRefreshProperties": describe_refresh_properties,
    "DeleteDataSetRefreshProperties": delete_refresh_properties,
}
