"""An ingestion's life: started or queued per dataset, ended once, the next one started after it.

AWS runs one SPICE ingestion per dataset at a time: a later one waits as QUEUED, its QueueInfo naming
the ongoing one (QueuedIngestion) and itself (WaitingOnIngestion), as the API reference defines them.
An ingestion whose turn comes goes to ``Region.ready``, for the service's runner. Callers hold the lock.
"""

from __future__ import annotations

from collections import deque
from pathlib import Path
from typing import Any

import duckdb

from localaws.quicksight.store import Ingestion, Region, now

TERMINAL = ("COMPLETED", "FAILED", "CANCELLED")


def arn(region: Region, data_set_id: str, ingestion_id: str) -> str:
    return region.arn("dataset", f"{data_set_id}/ingestion/{ingestion_id}")


def start(region: Region, data_set_id: str, ingestion_id: str, request_type: str) -> Ingestion:
    """Record an ingestion and make it ready to run now, or queue it behind the dataset's ongoing one."""
    record: dict[str, Any] = {
        "Arn": arn(region, data_set_id, ingestion_id),
        "IngestionId": ingestion_id,
        "IngestionStatus": "INITIALIZED",
        "CreatedTime": now(),
        "RequestSource": "MANUAL",
        "RequestType": request_type,
    }
    ingestion = Ingestion(
        data_set_id=data_set_id,
        record=record,
        request_type=request_type,
        extract=region.extract_path(data_set_id),
    )
    region.ingestions[(data_set_id, ingestion_id)] = ingestion
    ongoing = region.running.get(data_set_id)
    if ongoing is None:
        region.running[data_set_id] = ingestion_id
        region.ready.append(ingestion)
    else:
        region.queued.setdefault(data_set_id, deque()).append(ingestion_id)
        record["IngestionStatus"] = "QUEUED"
        record["QueueInfo"] = {"QueuedIngestion": ongoing, "WaitingOnIngestion": ingestion_id}
    return ingestion


def finished(region: Region, data_set_id: str) -> None:
    """The dataset's ongoing ingestion ended: the next queued one becomes ready."""
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
        region.ready.append(ingestion)
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


def abandon(region: Region, data_set_id: str) -> None:
    """The dataset was deleted: its unfinished ingestions fail as AWS reports it."""
    for (owner, _), ingestion in region.ingestions.items():
        if owner == data_set_id and ingestion.record["IngestionStatus"] not in TERMINAL:
            ingestion.cancelled = True
            end(ingestion, "FAILED", "DATA_SET_DELETED", f"Data set {data_set_id} was deleted.")
    region.queued.pop(data_set_id, None)
