"""Runs SPICE ingestions in background threads: the dataset's query through Athena, then the extract."""

from __future__ import annotations

import copy
import logging
import threading
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from localaws.quicksight import athena_query, columns, ingestion_queue, spice, transforms
from localaws.quicksight.store import Ingestion, Region, now

log = logging.getLogger("localaws.quicksight")

# Two cores on the target machine: more concurrent extracts would only queue inside DuckDB and Athena.
MAX_CONCURRENT = 2
LOOKBACK_UNITS = {"HOUR": timedelta(hours=1), "DAY": timedelta(days=1), "WEEK": timedelta(weeks=1)}


class IngestionFailed(Exception):
    def __init__(self, error_type: str, message: str):
        super().__init__(message)
        self.error_type = error_type
        self.message = message


def _lookback(data_set: dict[str, Any]) -> dict[str, Any] | None:
    properties = data_set.get("_refresh_properties") or {}
    return properties.get("RefreshConfiguration", {}).get("IncrementalRefresh", {}).get("LookbackWindow")


def _outputs(data_set: dict[str, Any], physical: list[dict[str, Any]]) -> list[transforms.Output]:
    try:
        return transforms.outputs(data_set, physical)
    except (transforms.UnsupportedTransform, transforms.UnknownColumn) as err:
        raise IngestionFailed("CUSTOMER_ERROR", f"Data set {data_set['DataSetId']}: {err}") from err


class Runner:
    def __init__(self, lock: threading.RLock, endpoint: str, work_dir: Path):
        self.lock = lock  # the service's lock over all QuickSight state
        self.endpoint = endpoint
        self.work_dir = work_dir
        self.slots = threading.Semaphore(MAX_CONCURRENT)
        self.threads: set[threading.Thread] = set()
        self._clients: dict[tuple[str, str], Any] = {}
        self._clients_lock = threading.Lock()

    def launch_ready(self, region: Region) -> None:
        """Start a thread for each ingestion whose turn has come. The caller holds the lock."""
        ready, region.ready = region.ready, []
        for ingestion in ready:
            name = f"quicksight-ingestion-{ingestion.record['IngestionId']}"
            thread = threading.Thread(target=self._run, args=(region, ingestion), name=name, daemon=True)
            self.threads.add(thread)
            thread.start()

    def stop(self, regions: Iterable[Region], timeout: float = 5.0) -> None:
        with self.lock:
            for region in regions:
                for ingestion in region.ingestions.values():
                    ingestion.cancelled = True
        for thread in list(self.threads):
            thread.join(timeout)

    def _client(self, service: str, region: str) -> Any:
        # Built once per region and shared: boto3 clients are thread-safe, but creating them from several
        # threads at once through boto3's default session is not, so creation goes through a private
        # session under a lock.
        import boto3

        with self._clients_lock:
            key = (service, region)
            if key not in self._clients:
                self._clients[key] = boto3.session.Session().client(
                    service,
                    endpoint_url=self.endpoint,
                    region_name=region,
                    aws_access_key_id="localaws",
                    aws_secret_access_key="localaws",
                )
            return self._clients[key]

    def _run(self, region: Region, ingestion: Ingestion) -> None:
        lock = self.lock
        data_set_id = ingestion.data_set_id
        try:
            with lock:
                if ingestion.cancelled:
                    return
                ingestion.record["IngestionStatus"] = "QUEUED"
            with self.slots:
                with lock:
                    if ingestion.cancelled:
                        return
                    ingestion.record["IngestionStatus"] = "RUNNING"
                    ingestion.started = now()
                    data_set = copy.deepcopy(region.data_sets.get(data_set_id))
                if data_set is None:
                    raise IngestionFailed("DATA_SET_DELETED", f"Data set {data_set_id} was deleted.")
                self._ingest(region, ingestion, data_set)
        except (IngestionFailed, athena_query.QueryFailed) as err:
            with lock:
                ingestion_queue.end(ingestion, "FAILED", err.error_type, err.message)
        except athena_query.QueryCancelled:
            with lock:
                ingestion_queue.end(
                    ingestion, "CANCELLED", "INGESTION_CANCELED", "Ingestion is canceled by the user."
                )
        except spice.SchemaMismatch as err:
            with lock:
                ingestion_queue.end(
                    ingestion, "FAILED", "SQL_SCHEMA_MISMATCH_ERROR", f"Data set {data_set_id}: {err}"
                )
        except Exception as err:  # an emulator bug must end the ingestion, not leave it RUNNING for ever
            log.exception("localaws quicksight: ingestion %s failed", ingestion.record["IngestionId"])
            with lock:
                ingestion_queue.end(
                    ingestion, "FAILED", "INTERNAL_SERVICE_ERROR", f"{type(err).__name__}: {err}"
                )
        finally:
            with lock:
                ingestion_queue.finished(region, data_set_id)
                self.launch_ready(region)
            self.threads.discard(threading.current_thread())

    def _ingest(self, region: Region, ingestion: Ingestion, data_set: dict[str, Any]) -> None:
        data_set_id = ingestion.data_set_id
        if data_set["ImportMode"] != "SPICE":
            raise IngestionFailed("DATA_SET_NOT_SPICE", f"Data set {data_set_id} is DIRECT_QUERY, not SPICE.")
        tables = list(data_set["PhysicalTableMap"].values())
        if len(tables) != 1 or not ({"RelationalTable", "CustomSql"} & set(tables[0])):
            raise IngestionFailed(
                "CUSTOMER_ERROR",
                f"localaws ingests data sets made of one RelationalTable or CustomSql; data set {data_set_id} "
                f"has {len(tables)} physical table(s) of kinds {[next(iter(t)) for t in tables]}.",
            )
        table = tables[0]
        spec = table.get("RelationalTable") or table["CustomSql"]
        with self.lock:
            source = copy.deepcopy(region.data_source_by_arn(spec["DataSourceArn"]))
        if source is None:
            raise IngestionFailed(
                "DATA_SOURCE_NOT_FOUND", f"Data source {spec['DataSourceArn']} does not exist."
            )
        if source["Type"] != "ATHENA":
            raise IngestionFailed(
                "INVALID_DATA_SOURCE_CONFIG",
                f"localaws runs ATHENA data sources only; {source['DataSourceId']} is {source['Type']}.",
            )
        work_group = source["DataSourceParameters"].get("AthenaParameters", {}).get("WorkGroup") or "primary"
        sql = athena_query.build_sql(table)
        physical = columns.physical_columns(data_set)
        lookback = None
        window = _lookback(data_set) if ingestion.request_type == "INCREMENTAL_REFRESH" else None
        if window:
            cutoff = datetime.now(UTC) - LOOKBACK_UNITS[window["SizeUnit"]] * int(window["Size"])
            lookback = (window["ColumnName"], cutoff.strftime("%Y-%m-%d %H:%M:%S"))
        if physical:
            _outputs(data_set, physical)  # a logical table localaws cannot compute fails before any query

        athena, s3 = self._client("athena", region.region), self._client("s3", region.region)
        query_id = athena_query.start(athena, s3, sql, work_group, region.account_id, region.region)
        ingestion.query_execution_id = query_id
        execution = athena_query.wait(athena, query_id, cancelled=lambda: ingestion.cancelled)
        if not physical:  # CustomSql without Columns: take them from the result, as the console does
            physical = [
                {"Name": c["Name"], "Type": columns.athena_column_type(c["Type"])}
                for c in athena_query.column_info(athena, query_id)
            ]
            with self.lock:
                live = region.data_sets.get(data_set_id)
                if live is not None and not columns.physical_columns(live):
                    live["OutputColumns"] = [
                        o.output_column() for o in transforms.outputs(live, physical, strict=False)
                    ]
        outputs = _outputs(data_set, physical)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        csv_path = self.work_dir / f"{data_set_id}.{ingestion.record['IngestionId']}.csv"
        target = region.extract_path(data_set_id)
        try:
            athena_query.download(athena, s3, execution, csv_path)
            partial, stats = spice.build_extract(
                csv_path, physical, target, outputs=outputs, lookback=lookback
            )
        finally:
            csv_path.unlink(missing_ok=True)
        with self.lock:
            if ingestion.cancelled or data_set_id not in region.data_sets:
                Path(partial).unlink(missing_ok=True)
                if data_set_id not in region.data_sets:
                    raise IngestionFailed("DATA_SET_DELETED", f"Data set {data_set_id} was deleted.")
                return
            spice.commit(partial, target)
            ingestion.record["RowInfo"] = {
                "RowsIngested": stats.rows_ingested,
                "RowsDropped": stats.rows_dropped,
                "TotalRowsInDataset": stats.total_rows,
            }
            ingestion.record["IngestionSizeInBytes"] = stats.size_bytes
            ingestion_queue.end(ingestion, "COMPLETED")
