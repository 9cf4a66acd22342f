"""Runs SPICE ingestions in background threads: the dataset's query through Athena, then the extract."""

from __future__ import annotations

import copy
import logging
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from localaws.quicksight import athena_query, ingestions, spice, transforms
from localaws.quicksight.store import Ingestion, Region, now

if TYPE_CHECKING:
    from localaws.quicksight.service import QuickSightService

log = logging.getLogger("localaws.quicksight")

# Two cores on the target machine: more concurrent extracts would only queue inside DuckDB and Athena.
MAX_CONCURRENT = 2
LOOKBACK_UNITS = {"HOUR": timedelta(hours=1), "DAY": timedelta(days=1), "WEEK": timedelta(weeks=1)}
DEFAULT_CATALOG = "awsdatacatalog"


class IngestionFailed(Exception):
    def __init__(self, error_type: str, message: str):
        super().__init__(message)
        self.error_type = error_type
        self.message = message


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def build_sql(table: dict[str, Any]) -> str:
    """The statement QuickSight sends to Athena for a physical table."""
    if "CustomSql" in table:
        return table["CustomSql"]["SqlQuery"]
    relational = table["RelationalTable"]
    columns = ", ".join(_quote(c["Name"]) for c in relational["InputColumns"])
    # "AwsDataCatalog" is Athena's default catalog, so the two-part name means the same table.
    parts = [relational.get("Catalog"), relational.get("Schema"), relational["Name"]]
    if parts[0] and parts[0].lower() == DEFAULT_CATALOG:
        parts[0] = None
    return f"SELECT {columns} FROM {'.'.join(_quote(p) for p in parts if p)}"


def _lookback(data_set: dict[str, Any]) -> dict[str, Any] | None:
    properties = data_set.get("_refresh_properties") or {}
    return properties.get("RefreshConfiguration", {}).get("IncrementalRefresh", {}).get("LookbackWindow")


def _outputs(data_set: dict[str, Any], columns: list[dict[str, Any]]) -> list[transforms.Output]:
    try:
        return transforms.outputs(data_set, columns)
    except (transforms.UnsupportedTransform, transforms.UnknownColumn) as err:
        raise IngestionFailed("CUSTOMER_ERROR", f"Data set {data_set['DataSetId']}: {err}") from err


class Runner:
    def __init__(self, svc: QuickSightService):
        self.svc = svc
        self.slots = threading.Semaphore(MAX_CONCURRENT)
        self.threads: set[threading.Thread] = set()
        self.work_dir = svc.ctx.state_dir / "quicksight" / "work"
        self._clients: dict[tuple[str, str], Any] = {}
        self._clients_lock = threading.Lock()

    def launch(self, region: Region, ingestion: Ingestion) -> None:
        name = f"quicksight-ingestion-{ingestion.record['IngestionId']}"
        thread = threading.Thread(target=self._run, args=(region, ingestion), name=name, daemon=True)
        self.threads.add(thread)
        thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        with self.svc.lock:
            for region in self.svc.regions.values():
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
                    endpoint_url=self.svc.ctx.endpoint,
                    region_name=region,
                    aws_access_key_id="localaws",
                    aws_secret_access_key="localaws",
                )
            return self._clients[key]

    def _run(self, region: Region, ingestion: Ingestion) -> None:
        lock = self.svc.lock
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
        except IngestionFailed as err:
            with lock:
                ingestions.end(ingestion, "FAILED", err.error_type, err.message)
        except athena_query.QueryFailed as err:
            with lock:
                ingestions.end(ingestion, "FAILED", err.error_type, err.message)
        except athena_query.QueryCancelled:
            with lock:
                ingestions.end(
                    ingestion, "CANCELLED", "INGESTION_CANCELED", "Ingestion is canceled by the user."
                )
        except spice.SchemaMismatch as err:
            with lock:
                ingestions.end(
                    ingestion, "FAILED", "SQL_SCHEMA_MISMATCH_ERROR", f"Data set {data_set_id}: {err}"
                )
        except Exception as err:  # an emulator bug must end the ingestion, not leave it RUNNING for ever
            log.exception("localaws quicksight: ingestion %s failed", ingestion.record["IngestionId"])
            with lock:
                ingestions.end(ingestion, "FAILED", "INTERNAL_SERVICE_ERROR", f"{type(err).__name__}: {err}")
        finally:
            with lock:
                ingestions.finished(self.svc, region, data_set_id)
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
        with self.svc.lock:
            source = region.data_source_by_arn(spec["DataSourceArn"])
            source = copy.deepcopy(source)
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
        sql = build_sql(table)
        columns = spice.physical_columns(data_set)
        lookback = None
        window = _lookback(data_set) if ingestion.request_type == "INCREMENTAL_REFRESH" else None
        if window:
            cutoff = datetime.now(UTC) - LOOKBACK_UNITS[window["SizeUnit"]] * int(window["Size"])
            lookback = (window["ColumnName"], cutoff.strftime("%Y-%m-%d %H:%M:%S"))
        if columns:
            _outputs(data_set, columns)  # a logical table localaws cannot compute fails before any query

        athena, s3 = self._client("athena", region.region), self._client("s3", region.region)
        query_id = athena_query.start(athena, s3, sql, work_group, region.account_id, region.region)
        ingestion.query_execution_id = query_id
        execution = athena_query.wait(athena, query_id, cancelled=lambda: ingestion.cancelled)
        if not columns:  # CustomSql without Columns: take them from the result, as the console does
            columns = [
                {"Name": c["Name"], "Type": spice.athena_column_type(c["Type"])}
                for c in athena_query.column_info(athena, query_id)
            ]
            with self.svc.lock:
                live = region.data_sets.get(data_set_id)
                if live is not None and not spice.physical_columns(live):
                    live["OutputColumns"] = [
                        o.output_column() for o in transforms.outputs(live, columns, strict=False)
                    ]
        outputs = _outputs(data_set, columns)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        csv_path = self.work_dir / f"{data_set_id}.{ingestion.record['IngestionId']}.csv"
        target = self.svc.spice_path(data_set_id)
        try:
            athena_query.download(athena, s3, execution, csv_path)
            partial, stats = spice.build_extract(
                csv_path, columns, target, outputs=outputs, lookback=lookback
            )
        finally:
            csv_path.unlink(missing_ok=True)
        with self.svc.lock:
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
            ingestions.end(ingestion, "COMPLETED")
