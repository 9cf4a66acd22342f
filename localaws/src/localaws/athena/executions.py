"""Query executions and their state machine: QUEUED -> RUNNING -> SUCCEEDED | FAILED | CANCELLED.

Queries run on a small worker pool, so a client polling GetQueryExecution (waiters, AthenaOperator,
PyAthena) sees the same transitions it sees on AWS.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from localaws.athena.engine import Engine
from localaws.athena.errors import QueryFailed
from localaws.athena.faults import Faults
from localaws.athena.results import ResultSet
from localaws.athena.statements import statement_type

log = logging.getLogger("localaws.athena")

WORKERS = 2
TERMINAL = ("SUCCEEDED", "FAILED", "CANCELLED")
# Results stay in memory for GetQueryResults; only the latest ones, so a long-lived localaws stays small
# (older queries keep their metadata, and their result files in S3).
KEEP_RESULTS = 1000


@dataclass
class Execution:
    id: str
    query: str
    database: str
    catalog: str
    workgroup: str
    output_dir: str  # s3://bucket/prefix/
    region: str
    statement_type: str
    cutoff: int | None
    token: str | None = None
    executed: str = ""  # the query with ExecutionParameters bound
    parameters: list[str] | None = None
    state: str = "QUEUED"
    reason: str | None = None
    error: dict[str, Any] | None = None
    submitted: float = field(default_factory=time.time)
    started: float | None = None
    completed: float | None = None
    engine_ms: int = 0
    planning_ms: int = 0
    writing_ms: int = 0
    bytes_scanned: int = 0
    result: ResultSet | None = None
    connection: Any = None
    cancel_requested: bool = False
    results_expired: bool = False
    wrote_manifest: bool = False
    failure: QueryFailed | None = None  # known before it runs (EXECUTE of a statement that does not exist)

    @property
    def manifest_location(self) -> str:
        return f"{self.output_dir}{self.id}-manifest.csv"

    @property
    def output_location(self) -> str:
        suffix = "csv" if self.statement_type == "DML" else "txt"
        return f"{self.output_dir}{self.id}.{suffix}"

    def describe(self) -> dict[str, Any]:
        status: dict[str, Any] = {"State": self.state, "SubmissionDateTime": self.submitted}
        if self.completed is not None:
            status["CompletionDateTime"] = self.completed
        if self.reason:
            status["StateChangeReason"] = self.reason
        if self.error:
            status["AthenaError"] = self.error
        now = self.completed or time.time()
        queue_ms = int(((self.started or now) - self.submitted) * 1000)
        stats: dict[str, Any] = {
            "EngineExecutionTimeInMillis": self.engine_ms,
            "DataScannedInBytes": self.bytes_scanned,
            "TotalExecutionTimeInMillis": int((now - self.submitted) * 1000),
            "QueryQueueTimeInMillis": queue_ms,
            "ServicePreProcessingTimeInMillis": 0,
            "QueryPlanningTimeInMillis": self.planning_ms,
            "ServiceProcessingTimeInMillis": self.writing_ms,
            "ResultReuseInformation": {"ReusedPreviousResult": False},
        }
        if self.wrote_manifest:
            # CTAS, INSERT and UNLOAD list the files they wrote; awswrangler's ctas_approach reads them
            # (docs.aws.amazon.com/athena/latest/APIReference/API_QueryExecutionStatistics.html)
            stats["DataManifestLocation"] = self.manifest_location
        out = {
            "QueryExecutionId": self.id,
            "Query": self.query,
            "StatementType": self.statement_type,
            "ResultConfiguration": {"OutputLocation": self.output_location},
            "ResultReuseConfiguration": {"ResultReuseByAgeConfiguration": {"Enabled": False}},
            "QueryExecutionContext": {"Database": self.database, "Catalog": self.catalog},
            "Status": status,
            "Statistics": stats,
            "WorkGroup": self.workgroup,
            "EngineVersion": {
                "SelectedEngineVersion": "AUTO",
                "EffectiveEngineVersion": "Athena engine version 3",
            },
            "SubstatementType": self.query.split(None, 1)[0].upper() if self.query.split() else "",
        }
        if self.parameters:
            out["ExecutionParameters"] = list(self.parameters)
        return out


class Executions:
    def __init__(self, account_id: str, tmp_root: Any):
        self.account_id = account_id
        self.tmp_root = tmp_root
        self._lock = threading.Lock()
        self._by_id: dict[str, Execution] = {}
        self._order: list[str] = []
        self._tokens: dict[str, str] = {}
        self._pool: ThreadPoolExecutor | None = None
        self._engines: dict[str, Engine] = {}
        self.faults = Faults()  # test faults (faults.py): a query may end FAILED or wait, as armed

    def start(self) -> None:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="localaws-athena")

    def stop(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            with self._lock:
                running = [e for e in self._by_id.values() if e.state == "RUNNING"]
            for e in running:
                self.cancel(e.id)
            self.clear_faults()  # nothing armed survives a stop; held queries were cancelled above
            pool.shutdown(wait=True, cancel_futures=True)

    def engine(self, region: str) -> Engine:
        with self._lock:
            if region not in self._engines:
                self._engines[region] = Engine(self.account_id, region, self.tmp_root)
            return self._engines[region]

    def by_token(self, token: str | None) -> Execution | None:
        if not token:
            return None
        with self._lock:
            qid = self._tokens.get(token)
            return self._by_id.get(qid) if qid else None

    def submit(
        self,
        *,
        query: str,
        executed: str | None = None,
        parameters: list[str] | None = None,
        database: str,
        catalog: str,
        workgroup: str,
        output_dir: str,
        region: str,
        cutoff: int | None,
        token: str | None,
        failure: QueryFailed | None = None,
    ) -> Execution:
        self.start()
        execution = Execution(
            id=str(uuid.uuid4()),
            query=query,
            database=database,
            catalog=catalog,
            workgroup=workgroup,
            output_dir=output_dir,
            region=region,
            statement_type=statement_type(query),
            cutoff=cutoff,
            token=token,
            executed=executed or query,
            parameters=list(parameters) if parameters else None,
            failure=failure,
        )
        with self._lock:
            self._by_id[execution.id] = execution
            self._order.append(execution.id)
            if token:
                self._tokens[token] = execution.id
        assert self._pool is not None
        self._pool.submit(self._run, execution)
        return execution

    def get(self, qid: str) -> Execution | None:
        with self._lock:
            return self._by_id.get(qid)

    def ids(self, workgroup: str) -> list[str]:
        with self._lock:
            return [q for q in reversed(self._order) if self._by_id[q].workgroup == workgroup]

    def cancel(self, qid: str) -> None:
        execution = self.get(qid)
        if execution is None or execution.state in TERMINAL:
            return
        with self._lock:
            execution.cancel_requested = True
            if execution.state == "QUEUED":
                self._finish(execution, "CANCELLED", None)
                return
            con = execution.connection
            if self.faults.unhold(execution.id):
                self._finish(execution, "CANCELLED", None)
                return
        if con is not None:
            try:
                con.interrupt()
            except Exception:  # the connection may be closing; the flag still ends it CANCELLED
                pass

    def _forget_old_results(self) -> None:
        """Drops the rows of all but the latest KEEP_RESULTS executions (called with the lock held)."""
        if len(self._order) <= KEEP_RESULTS:
            return
        for qid in self._order[: len(self._order) - KEEP_RESULTS]:
            old = self._by_id[qid]
            if old.result is not None:
                old.result = None
                old.results_expired = True

    def _finish(
        self, execution: Execution, state: str, reason: str | None, error: dict[str, Any] | None = None
    ) -> None:
        execution.state = state
        execution.reason = reason
        execution.error = error
        execution.completed = time.time()

    def _fail(self, execution: Execution, reason: str, category: int = 3, error_type: int = 1) -> None:
        """FAILED with Athena's AthenaError (ErrorCategory 1 system, 2 user, 3 other); caller holds the lock."""
        self._finish(
            execution,
            "FAILED",
            reason,
            {"ErrorCategory": category, "ErrorType": error_type, "Retryable": False, "ErrorMessage": reason},
        )

    def _run(self, execution: Execution) -> None:
        with self._lock:
            if execution.state != "QUEUED":
                return
            execution.state = "RUNNING"
            execution.started = time.time()
        fault = self.faults.for_query(execution)
        if fault is not None and fault.hold:
            return  # stays RUNNING; clear_faults() runs it
        if fault is not None and fault.after:
            # It runs, and its writes stay, as a query failing late leaves them on AWS; then it ends FAILED.
            self._execute(execution, late_failure=fault.fail)
            return
        if fault is not None:
            with self._lock:
                self._fail(execution, fault.fail)
            return
        self._execute(execution)

    def clear_faults(self) -> None:
        """Disarm every test fault and run the queries a ``hold`` fault kept."""
        for execution in self.faults.clear():
            if self._pool is None:
                with self._lock:
                    self._finish(execution, "CANCELLED", None)
            else:
                self._pool.submit(self._execute, execution)

    def _execute(self, execution: Execution, late_failure: str | None = None) -> None:
        def on_connect(con: Any) -> None:
            execution.connection = con

        engine = self.engine(execution.region)
        t0 = time.perf_counter()
        try:
            if execution.failure is not None:
                raise execution.failure
            if execution.catalog.lower() != "awsdatacatalog":
                raise QueryFailed(
                    "CATALOG_NOT_FOUND", f"Catalog '{execution.catalog.lower()}' does not exist"
                )
            result, scanned = engine.run(
                execution.id,
                execution.executed,
                execution.database,
                execution.output_dir,
                execution.cutoff,
                on_connect,
            )
            execution.bytes_scanned = scanned
            execution.engine_ms = int((time.perf_counter() - t0) * 1000)
            t1 = time.perf_counter()
            self._write(engine, execution, result)
            execution.writing_ms = int((time.perf_counter() - t1) * 1000)
            with self._lock:
                if execution.cancel_requested:
                    self._finish(execution, "CANCELLED", None)
                elif late_failure:
                    self._fail(execution, late_failure)
                else:
                    execution.result = result
                    self._finish(execution, "SUCCEEDED", None)
                    self._forget_old_results()
        except QueryFailed as err:
            execution.bytes_scanned = getattr(err, "bytes_scanned", execution.bytes_scanned)
            execution.engine_ms = int((time.perf_counter() - t0) * 1000)
            with self._lock:
                if execution.cancel_requested:
                    self._finish(execution, "CANCELLED", None)
                else:
                    self._fail(execution, err.reason, err.category, err.error_type)
        except Exception as err:
            execution.engine_ms = int((time.perf_counter() - t0) * 1000)
            with self._lock:
                if execution.cancel_requested or type(err).__name__ == "InterruptException":
                    self._finish(execution, "CANCELLED", None)
                else:
                    log.exception("localaws athena: query %s failed unexpectedly", execution.id)
                    reason = f"GENERIC_INTERNAL_ERROR: {type(err).__name__}: {err}"
                    self._fail(execution, reason, category=1)
        finally:
            execution.connection = None

    def _write(self, engine: Engine, execution: Execution, result: ResultSet) -> None:
        s3 = engine.s3
        if result.written is not None:
            body = "".join(f"{uri}\n" for uri in result.written).encode()
            s3.put(execution.manifest_location, body)
            execution.wrote_manifest = True
        if execution.statement_type == "DML":
            s3.put(execution.output_location, result.csv_bytes())
            s3.put(execution.output_location + ".metadata", result.metadata_bytes())
        else:
            s3.put(execution.output_location, result.txt_bytes())
