"""Run a dataset's query through the (local) Athena API, as QuickSight's Athena connector does.

The result is taken from the CSV Athena writes to its output location; when there is none (an Athena
that keeps results only in memory), GetQueryResults is paged into the same CSV dialect instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

TERMINAL = ("SUCCEEDED", "FAILED", "CANCELLED")
DEFAULT_CATALOG = "awsdatacatalog"


class QueryFailed(Exception):
    """The query did not succeed; ``error_type`` is an IngestionErrorType."""

    def __init__(self, error_type: str, message: str):
        super().__init__(message)
        self.error_type = error_type
        self.message = message


class QueryCancelled(Exception):
    pass


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


def _error_type(reason: str) -> str:
    lowered = reason.lower()
    if "table" in lowered and (
        "not found" in lowered or "does not exist" in lowered or "not exist" in lowered
    ):
        return "SQL_TABLE_NOT_FOUND"
    return "SQL_EXCEPTION"


def _split_s3(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


def start(athena: Any, s3: Any, sql: str, work_group: str, account_id: str, region: str) -> str:
    """StartQueryExecution in the data source's workgroup; QueryExecutionId."""
    try:
        return athena.start_query_execution(QueryString=sql, WorkGroup=work_group)["QueryExecutionId"]
    except ClientError as err:
        message = err.response.get("Error", {}).get("Message", str(err))
        if "output location" not in message.lower() and "outputlocation" not in message.lower():
            raise QueryFailed("INVALID_DATA_SOURCE_CONFIG", f"Athena refused the query: {message}") from err
    # A workgroup without an output location: QuickSight uses Athena's default results bucket.
    bucket = f"aws-athena-query-results-{account_id}-{region}"
    try:
        s3.create_bucket(Bucket=bucket)
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") not in (
            "BucketAlreadyOwnedByYou",
            "BucketAlreadyExists",
        ):
            raise
    try:
        return athena.start_query_execution(
            QueryString=sql, WorkGroup=work_group, ResultConfiguration={"OutputLocation": f"s3://{bucket}/"}
        )["QueryExecutionId"]
    except ClientError as err:
        message = err.response.get("Error", {}).get("Message", str(err))
        raise QueryFailed("INVALID_DATA_SOURCE_CONFIG", f"Athena refused the query: {message}") from err


def wait(
    athena: Any, query_id: str, cancelled: Callable[[], bool], poll_seconds: float = 0.1
) -> dict[str, Any]:
    """Poll GetQueryExecution until the query ends; its QueryExecution. Stops the query on cancel."""
    while True:
        execution = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
        state = execution["Status"]["State"]
        if state == "SUCCEEDED":
            return execution
        if state == "FAILED":
            reason = execution["Status"].get("StateChangeReason", "the Athena query failed")
            raise QueryFailed(_error_type(reason), f"Athena query {query_id} failed: {reason}")
        if state == "CANCELLED" or cancelled():
            if state != "CANCELLED":
                athena.stop_query_execution(QueryExecutionId=query_id)
            raise QueryCancelled(query_id)
        time.sleep(poll_seconds)


def download(athena: Any, s3: Any, execution: dict[str, Any], dest: Path) -> None:
    """Put the query's result CSV at ``dest``."""
    location = execution.get("ResultConfiguration", {}).get("OutputLocation")
    if location:
        bucket, key = _split_s3(location)
        try:
            s3.download_file(bucket, key, str(dest))
            return
        except ClientError as err:
            code = err.response.get("Error", {}).get("Code")
            if code not in ("404", "NoSuchKey", "NoSuchBucket"):
                raise
    _page_results(athena, execution["QueryExecutionId"], dest)


def _cell(datum: dict[str, str]) -> str:
    # Athena's CSV: every value quoted, NULL as an empty unquoted field.
    if "VarCharValue" not in datum:
        return ""
    return '"' + datum["VarCharValue"].replace('"', '""') + '"'


def _page_results(athena: Any, query_id: str, dest: Path) -> None:
    with open(dest, "w", encoding="utf-8", newline="") as out:
        for result in athena.get_paginator("get_query_results").paginate(QueryExecutionId=query_id):
            for row in result["ResultSet"].get("Rows", []):
                out.write(",".join(_cell(d) for d in row.get("Data", [])) + "\n")


def column_info(athena: Any, query_id: str) -> list[dict[str, Any]]:
    result = athena.get_query_results(QueryExecutionId=query_id, MaxResults=1)
    return result["ResultSet"].get("ResultSetMetadata", {}).get("ColumnInfo", [])
