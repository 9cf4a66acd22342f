"""Athena's JSON API (X-Amz-Target: AmazonAthena.<Action>): request validation and response shapes."""

from __future__ import annotations

import base64
import time
from typing import Any

from localaws.athena.catalog import Catalog
from localaws.athena.executions import TERMINAL, Executions
from localaws.athena.results import MAX_PAGE
from localaws.athena.s3 import S3, as_dir, split_uri
from localaws.athena.statements import bind_parameters, strip_comments
from localaws.athena.workgroups import WorkGroups, invalid
from localaws.service import AWSError

MAX_QUERY = 262144


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()


def _offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        kind, _, value = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        if kind != "o":
            raise ValueError(token)
        return int(value)
    except Exception as err:
        raise invalid(f"Invalid NextToken: {token!r}") from err


def _max(body: dict[str, Any], key: str, default: int, top: int) -> int:
    value = body.get(key, default)
    if not isinstance(value, int) or value < 1 or value > top:
        raise invalid(f"{key} must be between 1 and {top}, got {value!r}")
    return value


def _metadata_error(message: str) -> AWSError:
    return AWSError("MetadataException", message)


class AthenaAPI:
    def __init__(self, account_id: str, executions: Executions, workgroups: WorkGroups):
        self.account_id = account_id
        self.executions = executions
        self.workgroups = workgroups
        self.s3 = S3(account_id)

    def call(self, action: str, body: dict[str, Any], region: str) -> dict[str, Any]:
        handler = getattr(self, action, None)
        if handler is None or action.startswith("_") or action == "call":
            raise AWSError("InvalidAction", f"localaws athena does not implement {action}")
        return handler(body, region)

    # ---- queries --------------------------------------------------------------------------------
    def StartQueryExecution(self, body: dict[str, Any], region: str) -> dict[str, Any]:
        query = body.get("QueryString")
        if not isinstance(query, str) or not query.strip():
            raise invalid("QueryString must be a non-empty string")
        if len(query) > MAX_QUERY:
            raise invalid(f"QueryString is longer than {MAX_QUERY} characters")
        token = body.get("ClientRequestToken")
        if token is not None and not (32 <= len(token) <= 128):
            raise invalid("ClientRequestToken must be 32 to 128 characters long")
        previous = self.executions.by_token(token)
        group = self.workgroups.get(body.get("WorkGroup"))
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
        executed = query
        if parameters:
            try:
                executed = bind_parameters(query, [str(p) for p in parameters])
            except ValueError as err:
                raise invalid(str(err)) from err
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
        if not self.s3.bucket_exists(bucket):
            raise invalid(f"Unable to verify/create output bucket {bucket}")
        execution = self.executions.submit(
            query=query,
            executed=executed,
            parameters=parameters,
            database=context.get("Database") or "default",
            catalog=context.get("Catalog") or "AwsDataCatalog",
            workgroup=group.name,
            output_dir=as_dir(location),
            region=region,
            cutoff=group.cutoff,
            token=token,
        )
        return {"QueryExecutionId": execution.id}

    def _execution(self, qid: Any) -> Any:
        if not isinstance(qid, str) or not qid:
            raise invalid("QueryExecutionId is required")
        execution = self.executions.get(qid)
        if execution is None:
            raise invalid(f"QueryExecution {qid} was not found")
        return execution

    def GetQueryExecution(self, body: dict[str, Any], region: str) -> dict[str, Any]:
        return {"QueryExecution": self._execution(body.get("QueryExecutionId")).describe()}

    def BatchGetQueryExecution(self, body: dict[str, Any], region: str) -> dict[str, Any]:
        ids = body.get("QueryExecutionIds") or []
        if not 1 <= len(ids) <= 50:
            raise invalid("QueryExecutionIds must name 1 to 50 query executions")
        found, missing = [], []
        for qid in ids:
            execution = self.executions.get(qid)
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

    def ListQueryExecutions(self, body: dict[str, Any], region: str) -> dict[str, Any]:
        group = self.workgroups.get(body.get("WorkGroup"))
        limit = _max(body, "MaxResults", 50, 50)
        start = _offset(body.get("NextToken"))
        ids = self.executions.ids(group.name)
        out: dict[str, Any] = {"QueryExecutionIds": ids[start : start + limit]}
        if start + limit < len(ids):
            out["NextToken"] = _token(start + limit)
        return out

    def StopQueryExecution(self, body: dict[str, Any], region: str) -> dict[str, Any]:
        execution = self._execution(body.get("QueryExecutionId"))
        self.executions.cancel(execution.id)
        return {}

    def GetQueryResults(self, body: dict[str, Any], region: str) -> dict[str, Any]:
        execution = self._execution(body.get("QueryExecutionId"))
        if execution.state not in TERMINAL:
            raise invalid(f"Query has not yet finished. Current state: {execution.state}")
        if execution.results_expired:
            raise invalid(
                f"localaws keeps the rows of the latest queries only; read {execution.output_location}"
            )
        if execution.state != "SUCCEEDED" or execution.result is None:
            raise invalid(
                f"Query did not finish successfully. Final query state: {execution.state}"
                + (f"\n{execution.reason}" if execution.reason else "")
            )
        limit = _max(body, "MaxResults", MAX_PAGE, MAX_PAGE)
        rows, nxt = execution.result.page(_offset(body.get("NextToken")), limit)
        update = 0
        if (
            execution.statement_type == "DML"
            and execution.result.names == ["rows"]
            and execution.result.rows
            and strip_comments(execution.query).upper().startswith(("INSERT", "CREATE"))
        ):
            update = int(execution.result.rows[0][0] or 0)  # CTAS / INSERT INTO report rows written
        out: dict[str, Any] = {
            "UpdateCount": update,
            "ResultSet": {"Rows": rows, "ResultSetMetadata": {"ColumnInfo": execution.result.column_info()}},
        }
        if nxt is not None:
            out["NextToken"] = _token(nxt)
        return out

    # ---- workgroups -----------------------------------------------------------------------------
    def CreateWorkGroup(self, body: dict[str, Any], region: str) -> dict[str, Any]:
        name = body.get("Name")
        if not isinstance(name, str) or not name:
            raise invalid("Name is required")
        self.workgroups.create(body)
        return {}

    def GetWorkGroup(self, body: dict[str, Any], region: str) -> dict[str, Any]:
        return {"WorkGroup": self.workgroups.get(body.get("WorkGroup")).describe()}

    def ListWorkGroups(self, body: dict[str, Any], region: str) -> dict[str, Any]:
        limit = _max(body, "MaxResults", 50, 50)
        start = _offset(body.get("NextToken"))
        groups = self.workgroups.all()
        out: dict[str, Any] = {"WorkGroups": [g.summary() for g in groups[start : start + limit]]}
        if start + limit < len(groups):
            out["NextToken"] = _token(start + limit)
        return out

    def UpdateWorkGroup(self, body: dict[str, Any], region: str) -> dict[str, Any]:
        self.workgroups.update(body)
        return {}

    def DeleteWorkGroup(self, body: dict[str, Any], region: str) -> dict[str, Any]:
        self.workgroups.delete(body.get("WorkGroup") or "")
        return {}

    # ---- catalog --------------------------------------------------------------------------------
    def _catalog(self, body: dict[str, Any], region: str) -> Catalog:
        name = body.get("CatalogName") or ""
        if name.lower() != "awsdatacatalog":
            raise _metadata_error(f"Catalog {name} not found.")
        return Catalog(self.account_id, region)

    def GetDatabase(self, body: dict[str, Any], region: str) -> dict[str, Any]:
        name = body.get("DatabaseName") or ""
        db = self._catalog(body, region).database(name)
        if db is None:
            raise _metadata_error(f"Database {name} not found.")
        return {"Database": _database(db)}

    def ListDatabases(self, body: dict[str, Any], region: str) -> dict[str, Any]:
        limit = _max(body, "MaxResults", 50, 50)
        start = _offset(body.get("NextToken"))
        dbs = sorted(self._catalog(body, region).databases(), key=lambda d: d["Name"])
        out: dict[str, Any] = {"DatabaseList": [_database(d) for d in dbs[start : start + limit]]}
        if start + limit < len(dbs):
            out["NextToken"] = _token(start + limit)
        return out

    def GetTableMetadata(self, body: dict[str, Any], region: str) -> dict[str, Any]:
        catalog = self._catalog(body, region)
        db, name = body.get("DatabaseName") or "", body.get("TableName") or ""
        if not catalog.database_exists(db):
            raise _metadata_error(f"Database {db} not found.")
        table = catalog.table_or_none(db, name)
        if table is None:
            raise _metadata_error(f"Table {name} not found.")
        return {"TableMetadata": _table_metadata(catalog, db, name)}

    def ListTableMetadata(self, body: dict[str, Any], region: str) -> dict[str, Any]:
        catalog = self._catalog(body, region)
        db = body.get("DatabaseName") or ""
        if not catalog.database_exists(db):
            raise _metadata_error(f"Database {db} not found.")
        limit = _max(body, "MaxResults", 50, 50)
        start = _offset(body.get("NextToken"))
        names = sorted(t["Name"] for t in catalog.tables(db))
        expression = body.get("Expression")
        if expression:
            import fnmatch

            names = [
                n for n in names if fnmatch.fnmatchcase(n.lower(), expression.lower().replace(".*", "*"))
            ]
        out: dict[str, Any] = {
            "TableMetadataList": [_table_metadata(catalog, db, n) for n in names[start : start + limit]]
        }
        if start + limit < len(names):
            out["NextToken"] = _token(start + limit)
        return out

    def GetDataCatalog(self, body: dict[str, Any], region: str) -> dict[str, Any]:
        self._catalog({"CatalogName": body.get("Name")}, region)
        return {
            "DataCatalog": {
                "Name": "AwsDataCatalog",
                "Type": "GLUE",
                "Description": "",
                "Parameters": {"catalog-id": self.account_id},
            }
        }

    def ListDataCatalogs(self, body: dict[str, Any], region: str) -> dict[str, Any]:
        return {"DataCatalogsSummary": [{"CatalogName": "AwsDataCatalog", "Type": "GLUE"}]}


def _epoch(value: Any) -> Any:
    return value.timestamp() if hasattr(value, "timestamp") else (value if value is not None else time.time())


def _database(db: dict[str, Any]) -> dict[str, Any]:
    out = {"Name": db["Name"], "Parameters": db.get("Parameters") or {}}
    if db.get("Description"):
        out["Description"] = db["Description"]
    return out


def _table_metadata(catalog: Catalog, db: str, name: str) -> dict[str, Any]:
    table = catalog.table(db, name)
    raw = next((t for t in catalog.tables(db) if t["Name"].lower() == name.lower()), {})
    params = dict(table.parameters)
    if not table.is_view:
        params.update(
            {
                "inputformat": table.input_format,
                "outputformat": table.output_format,
                "location": table.location,
                "serde.serialization.lib": table.serde,
            }
        )
        params.update({f"serde.param.{k}": v for k, v in table.serde_params.items()})
    return {
        "Name": table.name,
        "CreateTime": _epoch(raw.get("CreateTime")),
        "LastAccessTime": _epoch(raw.get("UpdateTime") or raw.get("CreateTime")),
        "TableType": table.table_type,
        "Columns": [c.glue() for c in table.columns],
        "PartitionKeys": [c.glue() for c in table.partition_keys],
        "Parameters": params,
    }
