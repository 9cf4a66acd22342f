"""CreateIngestion, DescribeIngestion, ListIngestions, CancelIngestion (the queue is ingestion_queue.py)."""

from __future__ import annotations

from typing import Any

from localaws.quicksight import ingestion_queue
from localaws.quicksight.errors import QuickSightError, exists, invalid, not_found
from localaws.quicksight.ingestion_queue import TERMINAL
from localaws.quicksight.params import INGESTION_ID, check_id, page
from localaws.quicksight.routes import Call
from localaws.quicksight.store import Ingestion, Region, now

REQUEST_TYPES = {"FULL_REFRESH": "FULL_REFRESH", "INCREMENTAL_REFRESH": "INCREMENTAL_REFRESH"}


def _data_set(region: Region, call: Call) -> dict[str, Any]:
    data_set_id = call.params["DataSetId"]
    if data_set_id not in region.data_sets:
        raise not_found("DATA_SET", f"Data set {data_set_id}")
    return region.data_sets[data_set_id]


def _get(region: Region, call: Call) -> Ingestion:
    data_set = _data_set(region, call)
    key = (data_set["DataSetId"], call.params["IngestionId"])
    if key not in region.ingestions:
        raise not_found("INGESTION", f"Ingestion {key[1]} of data set {key[0]}")
    return region.ingestions[key]


def _check_daily_limit(region: Region, data_set_id: str) -> None:
    limit = region.settings.daily_refresh_limit
    if limit is None:
        return
    since = now() - 24 * 3600
    manual = [
        i
        for (owner, _), i in region.ingestions.items()
        if owner == data_set_id and i.request_type in REQUEST_TYPES and i.record["CreatedTime"] >= since
    ]
    if len(manual) >= limit:
        raise QuickSightError(
            "LimitExceededException",
            f"Data set {data_set_id} was refreshed manually {len(manual)} times in the last 24 hours; "
            f"the limit is {limit}.",
            409,
            "INGESTION",
        )


def create(region: Region, call: Call) -> tuple[int, dict[str, Any]]:
    data_set = _data_set(region, call)
    ingestion_id = check_id("IngestionId", call.params["IngestionId"], INGESTION_ID)
    request_type = call.body.get("IngestionType") or "FULL_REFRESH"
    if request_type not in REQUEST_TYPES:
        raise invalid(
            f"IngestionType {request_type!r} is not valid: use FULL_REFRESH or INCREMENTAL_REFRESH."
        )
    # An ingestion id stays taken for good, whatever became of that ingestion.
    if (data_set["DataSetId"], ingestion_id) in region.ingestions:
        raise exists("INGESTION", f"Ingestion {ingestion_id} of data set {data_set['DataSetId']}")
    _check_daily_limit(region, data_set["DataSetId"])
    ingestion = ingestion_queue.start(region, data_set["DataSetId"], ingestion_id, request_type)
    return 201, {
        "Arn": ingestion.record["Arn"],
        "IngestionId": ingestion_id,
        "IngestionStatus": "INITIALIZED",
    }


def describe(region: Region, call: Call) -> tuple[int, dict[str, Any]]:
    return 200, {"Ingestion": dict(_get(region, call).record)}


def list_(region: Region, call: Call) -> tuple[int, dict[str, Any]]:
    data_set = _data_set(region, call)
    # Newest first, as the console shows the history.
    records = [i.record for (owner, _), i in region.ingestions.items() if owner == data_set["DataSetId"]]
    records = sorted(records, key=lambda r: r["CreatedTime"], reverse=True)
    items, token = page([dict(r) for r in records], call.query)
    return 200, {"Ingestions": items, **({"NextToken": token} if token else {})}


def cancel(region: Region, call: Call) -> tuple[int, dict[str, Any]]:
    ingestion = _get(region, call)
    record = ingestion.record
    if record["IngestionStatus"] in TERMINAL:
        raise invalid(
            f"Ingestion {record['IngestionId']} is already {record['IngestionStatus']}; it cannot be cancelled."
        )
    ingestion.cancelled = True
    ingestion_queue.end(ingestion, "CANCELLED", "INGESTION_CANCELED", "Ingestion is canceled by the user.")
    return 200, {"Arn": record["Arn"], "IngestionId": record["IngestionId"]}


HANDLERS = {
    "CreateIngestion": create,
    "DescribeIngestion": describe,
    "ListIngestions": list_,
    "CancelIngestion": cancel,
}
