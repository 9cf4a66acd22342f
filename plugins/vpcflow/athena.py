"""The one way vpcflow runs an Athena statement outside an operator: submit, wait with a deadline, read
the rows, and fail with Athena's own reason.

Stdlib only, with the client passed in, so the athena_partitioner Lambda's zip carries this very module
(as ``vpcflow/athena.py``) and every caller (hourly tasks with AthenaHook's client, provisioning, reports,
the Lambda) polls, times out and reports failures the same way.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("vpcflow.athena")

SUCCEEDED = "SUCCEEDED"
FAILURE_STATES = ("FAILED", "CANCELLED")


class AthenaQueryError(RuntimeError):
    """A statement ended FAILED or CANCELLED, or did not finish in time; the message carries Athena's reason
    and the statement."""

    def __init__(self, query_id: str, state: str, reason: str, sql: str):
        super().__init__(f"Athena query {query_id} {state}: {reason}; statement: {sql[:500]}")
        self.query_id, self.state, self.reason, self.sql = query_id, state, reason, sql


@dataclass
class Athena:
    """Statements in one workgroup and database. ``time_left_ms`` bounds every wait (a Lambda passes its
    context's remaining time); otherwise ``timeout_s`` does."""

    client: Any
    database: str | None = None
    workgroup: str | None = None
    output_location: str | None = None
    timeout_s: float = 900.0
    first_poll_s: float = 0.1
    max_poll_s: float = 2.0
    time_left_ms: Callable[[], float] | None = None
    safety_margin_ms: float = 0.0
    # A caller that gives up stops what it started, so nothing keeps scanning (and billing) for nobody; an
    # idempotent DDL may as well finish (the Lambda's retry adds the partition again either way).
    stop_on_timeout: bool = True
    sleep: Callable[[float], None] | None = field(default=None, repr=False)

    @classmethod
    def for_stack(cls, client: Any, stack: Any, **options: Any) -> Athena:
        """In a vpcflow stack's database and workgroup, results under its athena-results prefix."""
        return cls(
            client,
            database=stack.database,
            workgroup=stack.workgroup,
            output_location=stack.athena_output_location,
            **options,
        )

    def submit(self, sql: str) -> str:
        request: dict[str, Any] = {"QueryString": sql}
        if self.database:
            request["QueryExecutionContext"] = {"Database": self.database}
        if self.workgroup:
            request["WorkGroup"] = self.workgroup
        if self.output_location:
            request["ResultConfiguration"] = {"OutputLocation": self.output_location}
        return self.client.start_query_execution(**request)["QueryExecutionId"]

    def wait(self, query_id: str, sql: str = "") -> dict[str, Any]:
        """The finished QueryExecution; raises AthenaQueryError unless it SUCCEEDED or when the time allowed
        runs out first."""
        left = self.time_left_ms or self._timer()
        delay = self.first_poll_s
        while True:
            execution = self.client.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
            status = execution["Status"]
            state = status["State"]
            if state == SUCCEEDED:
                stats = execution.get("Statistics", {})
                log.info(
                    "Athena query %s SUCCEEDED: %s bytes scanned, %s ms in the engine",
                    query_id,
                    stats.get("DataScannedInBytes"),
                    stats.get("EngineExecutionTimeInMillis"),
                )
                return execution
            if state in FAILURE_STATES:
                raise AthenaQueryError(
                    query_id, state, status.get("StateChangeReason") or "no reason given", sql
                )
            remaining = left()
            if remaining - delay * 1000 < self.safety_margin_ms:
                if self.stop_on_timeout:
                    self.client.stop_query_execution(QueryExecutionId=query_id)
                raise AthenaQueryError(
                    query_id, f"still {state}", f"{remaining:.0f} ms left in the time allowed", sql
                )
            (self.sleep or time.sleep)(delay)
            delay = min(self.max_poll_s, delay * 2)

    def run(self, sql: str) -> dict[str, Any]:
        """Submit and wait: the finished QueryExecution (its id, statistics, output location)."""
        return self.wait(self.submit(sql), sql)

    def rows(self, query_id: str) -> list[dict[str, str | None]]:
        """Every row of a finished query, as dicts of Athena's strings (NULL as None)."""
        rows: list[dict[str, str | None]] = []
        header: list[str] | None = None
        paginator = self.client.get_paginator("get_query_results")
        for page in paginator.paginate(QueryExecutionId=query_id):
            for row in page["ResultSet"]["Rows"]:
                values = [cell.get("VarCharValue") for cell in row["Data"]]
                if header is None:
                    header = [str(v) for v in values]
                    continue
                rows.append(dict(zip(header, values, strict=True)))
        return rows

    def query(self, sql: str) -> list[dict[str, str | None]]:
        return self.rows(self.run(sql)["QueryExecutionId"])

    def _timer(self) -> Callable[[], float]:
        deadline = time.monotonic() + self.timeout_s
        return lambda: (deadline - time.monotonic()) * 1000
