"""Run one Athena SELECT on localaws and return its rows (the enrichment tests' only engine)."""

from __future__ import annotations

import time
from typing import Any


def select(aws_client: Any, sql: str, bucket: str) -> list[list[str | None]]:
    """Rows of ``sql`` (header dropped); fails with Athena's reason when the query does not succeed."""
    athena = aws_client("athena")
    qid = athena.start_query_execution(
        QueryString=sql, ResultConfiguration={"OutputLocation": f"s3://{bucket}/results/"}
    )["QueryExecutionId"]
    while True:
        execution = athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]
        if execution["Status"]["State"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
            break
        time.sleep(0.02)
    assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"].get("StateChangeReason")
    rows = []
    for page in athena.get_paginator("get_query_results").paginate(QueryExecutionId=qid):
        rows += [[d.get("VarCharValue") for d in r["Data"]] for r in page["ResultSet"]["Rows"]]
    return rows[1:]
