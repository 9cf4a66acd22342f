"""StartQueryExecution, GetQueryExecution, BatchGetQueryExecution, ListQueryExecutions,
StopQueryExecution, GetQueryResults."""

from __future__ import annotations

from typing import Any

from localaws.athena.api import prepared_statements
from localaws.athena.api.paging import max_results, next_token, offset, token, window
from localaws.athena.errors import invalid
from localaws.athena.executions import TERMINAL, Execution
from localaws.athena.results import MAX_PAGE
from localaws.athena.s3 import as_dir, split_uri
from localaws.athena.statements import strip_comments
from localaws.athena.store import Region

MAX_QUERY = 262144


def StartQueryExecution(region: Region, body: dict[str, Any]) -> dict[str, Any]:
    query = body.get("QueryString")
    if not isinstance(query, str) or not query.strip():
        raise invalid("QueryString must be a non-empty string")
    if len(query) > MAX_QUERY:
        raise invalid(f"QueryString is longer than {MAX_QUERY} characters")
    client_token = body.get("ClientRequestToken")
    if client_token is not None and not (32 <= len(client_token) <= 128):
        raise invalid("ClientRequestToken must be 32 to 128 characters long")
    previous = region.executions.by_token(client_token)
    group = region.workgroups.get(body.get("WorkGroup"))
    if previous is not None:
        if previous.query != query or previous.workgroup != group.name:
            raise invalid(
                "Idempotent parameters do not match: the ClientRequestToken was used for a different "
                "query or workgroup"
            )
        return {"QueryExecutionId": previous.id}
    if group.state != "ENABLED":
        raise invalid(f"WorkGroup {group.name} is disabled.")
    parameters = body.get("ExecutionParameters")
    context = body.get("QueryExecutionContext") or {}
    requested = (body.get("ResultConfiguration") or {}).get("OutputLocation")
    location = (
        group.output_location
        if (group.enforced and group.output_location)
        else (requested or group.output_location)
    )
    if not location:
        raise invalid(
            "No output location provided. An output location is required either through the "
            "Workgroup result configuration setting or as an API input."
        )
    try:
        bucket, _ = split_uri(location)
    except ValueError as err:
        raise invalid(str(err)) from err
    if not region.s3.bucket_exists(bucket):
        raise invalid(f"Unable to verify/create output bucket {bucket}")
    # after every check of the request: a refused request prepares nothing
    executed, failure = prepared_statements.resolve(region, group.name, query, parameters)
    execution = region.executions.submit(
        query=query,
        executed=executed,
        parameters=parameters,
        # awswrangler quotes the name in backticks; Athena accepts (and reports) it unquoted
        database=(context.get("Database") or "default").strip().strip("`") or "default",
        catalog=context.get("Catalog") or "AwsDataCatalog",
        workgroup=group.name,
        output_dir=as_dir(location),
        region=region.name,
        cutoff=group.cutoff,
        token=client_token,
        failure=failure,
    )
    return {"QueryExecutionId": execution.id}


def _execution(region: Region, qid: Any) -> Execution:
    if not isinstance(qid, str) or not qid:
        raise invalid("QueryExecutionId is required")
    execution = region.executions.get(qid)
    if execution is None:
        raise invalid(f"QueryExecution {qid} was not found")
    return execution


def GetQueryExecution(region: Region, body: dict[str, Any]) -> dict[str, Any]:
    return {"QueryExecution": _execution(region, body.get("QueryExecutionId")).describe()}


def BatchGetQueryExecution(region: Region, body: dict[str, Any]) -> dict[str, Any]:
    ids = body.get("QueryExecutionIds") or []
    if not 1 <= len(ids) <= 50:
        raise invalid("QueryExecutionIds must name 1 to 50 query executions")
    found, missing = [], []
    for qid in ids:
        execution = region.executions.get(qid)
        if execution is None:
            missing.append(
                {
                    "QueryExecutionId": qid,
                    "ErrorCode": "INVALID_INPUT",
                    "ErrorMessage": f"QueryExecution {qid} was not found",
                }
            )
        else:
            found.append(execution.describe())
    return {"QueryExecutions": found, "UnprocessedQueryExecutionIds": missing}


def ListQueryExecutions(region: Region, body: dict[str, Any]) -> dict[str, Any]:
    group = region.workgroups.get(body.get("WorkGroup"))
    start, limit = window(body)
    ids = region.executions.ids(group.name)
    return {"QueryExecutionIds": ids[start : start + limit], **next_token(start, limit, len(ids))}


def StopQueryExecution(region: Region, body: dict[str, Any]) -> dict[str, Any]:
    execution = _execution(region, body.get("QueryExecutionId"))
    region.executions.cancel(execution.id)
    return {}


def GetQueryResults(region: Region, body: dict[str, Any]) -> dict[str, Any]:
    execution = _execution(region, body.get("QueryExecutionId"))
    if execution.state not in TERMINAL:
        raise invalid(f"Query has not yet finished. Current state: {execution.state}")
    if execution.results_expired:
        raise invalid(f"localaws keeps the rows of the latest queries only; read {execution.output_location}")
    if execution.state != "SUCCEEDED" or execution.result is None:
        raise invalid(
            f"Query did not finish successfully. Final query state: {execution.state}"
            + (f"\n{execution.reason}" if execution.reason else "")
        )
    limit = max_results(body, "MaxResults", MAX_PAGE, MAX_PAGE)
    rows, nxt = execution.result.page(offset(body.get("NextToken")), limit)
    update = 0
    if (
        execution.statement_type == "DML"
        and execution.result.names == ["rows"]
        and execution.result.rows
        and strip_comments(execution.query).upper().startswith(("INSERT", "CREATE", "UNLOAD"))
    ):
        update = int(execution.result.rows[0][0] or 0)  # CTAS / INSERT INTO report rows written
    out: dict[str, Any] = {
        "UpdateCount": update,
        "ResultSet": {"Rows": rows, "ResultSetMetadata": {"ColumnInfo": execution.result.column_info()}},
    }
    if nxt is not None:
        out["NextToken"] = token(nxt)
    return out


def GetQueryRuntimeStatistics(region: Region, body: dict[str, Any]) -> dict[str, Any]:
    """The timeline and row counts Athena reports once a query ran; localaws knows the rows it returned
    and the bytes it read, not per-stage figures, so OutputStage is left out rather than made up."""
    execution = _execution(region, body.get("QueryExecutionId"))
    stats = execution.describe()["Statistics"]
    timeline = {
        k: stats[k]
        for k in (
            "QueryQueueTimeInMillis",
            "ServicePreProcessingTimeInMillis",
            "QueryPlanningTimeInMillis",
            "EngineExecutionTimeInMillis",
            "ServiceProcessingTimeInMillis",
            "TotalExecutionTimeInMillis",
        )
    }
    out: dict[str, Any] = {"Timeline": timeline}
    if execution.state == "SUCCEEDED" and execution.result is not None:
        rows = len(execution.result.rows)
        out["Rows"] = {
            "InputBytes": execution.bytes_scanned,
            "OutputBytes": len(execution.result.csv_bytes()) if rows else 0,
            "OutputRows": rows,
        }
    return {"QueryRuntimeStatistics": out}


ACTIONS = {
    "GetQueryRuntimeStatistics": GetQueryRuntimeStatistics,
    "StartQueryExecution": StartQueryExecution,
    "GetQueryExecution": GetQueryExecution,
    "BatchGetQueryExecution": BatchGetQueryExecution,
    "ListQueryExecutions": ListQueryExecutions,
    "StopQueryExecution": StopQueryExecution,
    "GetQueryResults": GetQueryResults,
}
