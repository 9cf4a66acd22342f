"""CreateIngestion, DescribeIngestion, ListIngestions, CancelIngestion, and the per-dataset queue.

AWS runs one SPICE ingestion per dataset at a time: a later one waits as QUEUED, its QueueInfo naming
the ongoing one (QueuedIngestion) and itself (WaitingOnIngestion), as the API reference defines them.
"""

from __future__ import annotations

from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from localaws.quicksight.errors import QuickSightError, exists, invalid, not_found
from localaws.quicksight.routes import Call
from localaws.quicksight.store import INGESTION_ID, Ingestion, Region, check_id, now, page

if TYPE_CHECKING:
    from localaws.quicksight.service import QuickSightService

TERMINAL = ("COMPLETED", "FAILED", "CANCELLED")
REQUEST_TYPES = {"FULL_REFRESH": "FULL_REFRESH", "INCREMENTAL_REFRESH": "INCREMENTAL_REFRESH"}


def arn(region: Region, data_set_id: str, ingestion_id: str) -> str:
    return region.arn("dataset", f"{data_set_id}/ingestion/{ingestion_id}")


def start(
    svc: QuickSightService, region: Region, data_set_id: str, ingestion_id: str, request_type: str
) -> Ingestion:
    """Record an ingestion and run it now, or queue it behind the dataset's ongoing one. Caller holds svc.lock."""
    record: dict[str, Any] = {
        "Arn": arn(region, data_set_id, ingestion_id),
        "IngestionId": ingestion_id,
        "IngestionStatus": "INITIALIZED",
        "CreatedTime": now(),
        "RequestSource": "MANUAL",
        "RequestType": request_type,
    }
    ingestion = Ingestion(
        data_set_id=data_set_id, record=record, request_type=request_type, extract=svc.spice_path(data_set_id)
    )
    region.ingestions[(data_set_id, ingestion_id)] = ingestion
    ongoing = region.running.get(data_set_id)
    if ongoing is None:
        region.running[data_set_id] = ingestion_id
        svc.runner.launch(region, ingestion)
    else:
        region.queued.setdefault(data_set_id, deque()).append(ingestion_id)
        record["IngestionStatus"] = "QUEUED"
        record["QueueInfo"] = {"QueuedIngestion": ongoing, "WaitingOnIngestion": ingestion_id}
    return ingestion


def finished(svc: QuickSightService, region: Region, data_set_id: str) -> None:
    """The dataset's ongoing ingestion ended: start the next queued one. Caller holds svc.lock."""
    region.running.pop(data_set_id, None)
    waiting = region.queued.get(data_set_id)
    while waiting:
        ingestion = region.ingestions[(data_set_id, waiting.popleft())]
        if ingestion.record["IngestionStatus"] in TERMINAL:
            continue
        ingestion.record.pop("QueueInfo", None)
        region.running[data_set_id] = ingestion.record["IngestionId"]
        for later in waiting:
            region.ingestions[(data_set_id, later)].record["QueueInfo"]["QueuedIngestion"] = ingestion.record[
                "IngestionId"
            ]
        svc.runner.launch(region, ingestion)
        return


def end(ingestion: Ingestion, status: str, error_type: str | None = None, message: str | None = None) -> None:
    """Put an ingestion in a terminal state (once: a cancelled ingestion stays cancelled)."""
    record = ingestion.record
    if record["IngestionStatus"] in TERMINAL:
        return
    record["IngestionStatus"] = status
    record.pop("QueueInfo", None)
    if error_type:
        record["ErrorInfo"] = {"Type": error_type, "Message": message or error_type}
    if "RowInfo" not in record:  # nothing ingested; the dataset keeps the rows it had
        record["RowInfo"] = {
            "RowsIngested": 0,
            "RowsDropped": 0,
            "TotalRowsInDataset": _rows(ingestion.extract),
        }
    if ingestion.started:
        record["IngestionTimeInSeconds"] = max(0, round(now() - ingestion.started))


def _rows(extract: Path | None) -> int:
    if extract is None or not extract.exists():
        return 0
    # Parquet keeps its row count in the footer: this reads no data.
    path = str(extract).replace("'", "''")
    with duckdb.connect() as con:  # a connection of its own: DuckDB's default one is not for many threads
        return con.execute(f"SELECT count(*) FROM read_parquet('{path}')").fetchall()[0][0]


def abandon(svc: QuickSightService, region: Region, data_set_id: str) -> None:
    """The dataset was deleted: its unfinished ingestions fail as AWS reports it. Caller holds svc.lock."""
    for (owner, _), ingestion in region.ingestions.items():
        if owner == data_set_id and ingestion.record["IngestionStatus"] not in TERMINAL:
            ingestion.cancelled = True
            end(ingestion, "FAILED", "DATA_SET_DELETED", f"Data set {data_set_id} was deleted.")
    region.queued.pop(data_set_id, None)


def _data_set(svc: QuickSightService, call: Call) -> tuple[Region, dict[str, Any]]:
    region = svc.region_of(call)
    data_set_id = call.params["DataSetId"]
    if data_set_id not in region.data_sets:
        raise not_found("DATA_SET", f"Data set {data_set_id}")
    return region, region.data_sets[data_set_id]


def _get(svc: QuickSightService, call: Call) -> Ingestion:
    region, data_set = _data_set(svc, call)
    key = (data_set["DataSetId"], call.params["IngestionId"])
    if key not in region.ingestions:
        raise not_found("INGESTION", f"Ingestion {key[1]} of data set {key[0]}")
    return region.ingestions[key]


def _check_daily_limit(svc: QuickSightService, region: Region, data_set_id: str) -> None:
    limit = svc.daily_refresh_limit
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


def create(svc: QuickSightService, call: Call) -> tuple[int, dict[str, Any]]:
    region, data_set = _data_set(svc, call)
    ingestion_id = check_id("IngestionId", call.params["IngestionId"], INGESTION_ID)
    request_type = call.body.get("IngestionType") or "FULL_REFRESH"
    if request_type not in REQUEST_TYPES:
        raise invalid(
            f"IngestionType {request_type!r} is not valid: use FULL_REFRESH or INCREMENTAL_REFRESH."
        )
    # An ingestion id stays taken for good, whatever became of that ingestion.
    if (data_set["DataSetId"], ingestion_id) in region.ingestions:
        raise exists("INGESTION", f"Ingestion {ingestion_id} of data set {data_set['DataSetId']}")
    _check_daily_limit(svc, region, data_set["DataSetId"])
    ingestion = start(svc, region, data_set["DataSetId"], ingestion_id, request_type)
    return 201, {
        "Arn": ingestion.record["Arn"],
        "IngestionId": ingestion_id,
        "IngestionStatus": "INITIALIZED",
    }


def describe(svc: QuickSightService, call: Call) -> tuple[int, dict[str, Any]]:
    return 200, {"Ingestion": dict(_get(svc, call).record)}


def list_(svc: QuickSightService, call: Call) -> tuple[int, dict[str, Any]]:
    region, data_set = _data_set(svc, call)
    # Newest first, as the console shows the history.
    records = [i.record for (owner, _), i in region.ingestions.items() if owner == data_set["DataSetId"]]
    records = sorted(records, key=lambda r: r["CreatedTime"], reverse=True)
    items, token = page([dict(r) for r in records], call.query)
    return 200, {"Ingestions": items, **({"NextToken": token} if token else {})}


def cancel(svc: QuickSightService, call: Call) -> tuple[int, dict[str, Any]]:
    ingestion = _get(svc, call)
    record = ingestion.record
    if record["IngestionStatus"] in TERMINAL:
        raise invalid(
            f"Ingestion {record['IngestionId']} is already {record['IngestionStatus']}; it cannot be cancelled."
        )
    ingestion.cancelled = True
    end(ingestion, "CANCELLED", "INGESTION_CANCELED", "Ingestion is canceled by the user.")
    return 200, {"Arn": record["Arn"], "IngestionId": record["IngestionId"]}


HANDLERS = {
    "CreateIngestion": create,
    "DescribeIngestion": describe,
    "ListIngestions": list_,
    "CancelIngestion": cancel,
}
