"""Run one Athena statement and wait for it, within the invocation's remaining time."""

from __future__ import annotations

import time
from collections.abc import Callable

SUCCEEDED = "SUCCEEDED"
FAILURE_STATES = ("FAILED", "CANCELLED")


class QueryFailedError(RuntimeError):
    """The statement ended FAILED or CANCELLED, or did not finish in time."""


def run_query(
    client,
    sql: str,
    database: str,
    remaining_ms: Callable[[], int],
    workgroup: str | None = None,
    output_location: str | None = None,
    safety_margin_ms: int = 2_000,
    first_delay_s: float = 0.1,
    max_delay_s: float = 2.0,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """Start ``sql`` and poll GetQueryExecution with growing pauses; return the query id on SUCCEEDED."""
    request: dict = {"QueryString": sql, "QueryExecutionContext": {"Database": database}}
    if workgroup:
        request["WorkGroup"] = workgroup
    if output_location:
        request["ResultConfiguration"] = {"OutputLocation": output_location}
    query_id = client.start_query_execution(**request)["QueryExecutionId"]
    delay = first_delay_s
    while True:
        status = client.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"]
        state = status["State"]
        if state == SUCCEEDED:
            return query_id
        if state in FAILURE_STATES:
            reason = status.get("StateChangeReason") or "no reason given"
            raise QueryFailedError(f"Athena query {query_id} {state}: {reason}; statement: {sql}")
        left = remaining_ms()
        if left - delay * 1000 < safety_margin_ms:
            raise QueryFailedError(
                f"Athena query {query_id} still {state} with {left} ms left in the invocation; raising so "
                f"Lambda retries (the statement is idempotent); statement: {sql}"
            )
        sleep(delay)
        delay = min(max_delay_s, delay * 2)
