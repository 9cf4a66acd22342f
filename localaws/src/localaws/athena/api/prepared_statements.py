"""CreatePreparedStatement, GetPreparedStatement, BatchGetPreparedStatement, ListPreparedStatements,
UpdatePreparedStatement, DeletePreparedStatement; and what PREPARE, EXECUTE and DEALLOCATE PREPARE do
to a query before it runs (docs.aws.amazon.com/athena/latest/ug/querying-with-prepared-statements.html:
a statement belongs to a workgroup; EXECUTE takes its values from USING or from ExecutionParameters).
"""

from __future__ import annotations

import re
import time
from typing import Any

from localaws.athena.errors import QueryFailed, invalid
from localaws.athena.statements import bind_parameters, strip_comments
from localaws.athena.store import Region
from localaws.service import AWSError

_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_@:]{0,255}")
_PREPARE = re.compile(r"^\s*PREPARE\s+(\S+)\s+FROM\s+(.+?)\s*;?\s*$", re.I | re.S)
_EXECUTE = re.compile(r"^\s*EXECUTE\s+(\S+)(?:\s+USING\s+(.+?))?\s*;?\s*$", re.I | re.S)
_DEALLOCATE = re.compile(r"^\s*DEALLOCATE\s+PREPARE\s+(\S+)\s*;?\s*$", re.I | re.S)


def _key(region: Region, body: dict[str, Any]) -> tuple[str, str]:
    name = body.get("StatementName")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise invalid(f"StatementName must match [a-zA-Z_][a-zA-Z0-9_@:]{{1,256}}: {name!r}")
    return region.workgroups.get(body.get("WorkGroup")).name, name


def _not_found(name: str, workgroup: str) -> AWSError:
    return AWSError(
        "ResourceNotFoundException", f"Prepared statement {name} not found in workgroup {workgroup}"
    )


def CreatePreparedStatement(region: Region, body: dict[str, Any]) -> dict[str, Any]:
    key = _key(region, body)
    if not isinstance(body.get("QueryStatement"), str) or not body["QueryStatement"].strip():
        raise invalid("QueryStatement must be a non-empty string")
    with region.prepared.lock:
        if key in region.prepared.statements:
            raise invalid(f"Prepared Statement {key[1]} already exists in workgroup {key[0]}")
        region.prepared.statements[key] = _statement(key, body["QueryStatement"], body.get("Description"))
    return {}


def UpdatePreparedStatement(region: Region, body: dict[str, Any]) -> dict[str, Any]:
    key = _key(region, body)
    with region.prepared.lock:
        if key not in region.prepared.statements:
            raise _not_found(key[1], key[0])
        region.prepared.statements[key] = _statement(key, body["QueryStatement"], body.get("Description"))
    return {}


def GetPreparedStatement(region: Region, body: dict[str, Any]) -> dict[str, Any]:
    key = _key(region, body)
    with region.prepared.lock:
        found = region.prepared.statements.get(key)
    if found is None:
        raise _not_found(key[1], key[0])
    return {"PreparedStatement": dict(found)}


def BatchGetPreparedStatement(region: Region, body: dict[str, Any]) -> dict[str, Any]:
    workgroup = region.workgroups.get(body.get("WorkGroup")).name
    found, missing = [], []
    for name in body.get("PreparedStatementNames") or []:
        statement = region.prepared.statements.get((workgroup, name))
        if statement is None:
            missing.append(
                {
                    "StatementName": name,
                    "ErrorCode": "STATEMENT_NOT_FOUND",
                    "ErrorMessage": "STATEMENT_NOT_FOUND",
                }
            )
        else:
            found.append(dict(statement))
    return {"PreparedStatements": found, "UnprocessedPreparedStatementNames": missing}


def ListPreparedStatements(region: Region, body: dict[str, Any]) -> dict[str, Any]:
    workgroup = region.workgroups.get(body.get("WorkGroup")).name
    with region.prepared.lock:
        items = [s for (wg, _), s in sorted(region.prepared.statements.items()) if wg == workgroup]
    return {
        "PreparedStatements": [
            {"StatementName": s["StatementName"], "LastModifiedTime": s["LastModifiedTime"]} for s in items
        ]
    }


def DeletePreparedStatement(region: Region, body: dict[str, Any]) -> dict[str, Any]:
    key = _key(region, body)
    with region.prepared.lock:
        if region.prepared.statements.pop(key, None) is None:
            raise _not_found(key[1], key[0])
    return {}


def _statement(key: tuple[str, str], query: str, description: str | None) -> dict[str, Any]:
    out = {
        "StatementName": key[1],
        "QueryStatement": query,
        "WorkGroupName": key[0],
        "LastModifiedTime": time.time(),
    }
    if description:
        out["Description"] = description
    return out


def _split_values(text: str) -> list[str]:
    """USING 1, 'a,b', DATE '2026-11-26' -> the SQL of each value (commas inside quotes or parentheses kept)."""
    values, depth, quote, current = [], 0, "", ""
    for ch in text:
        if quote:
            current += ch
            if ch == quote:
                quote = ""
            continue
        if ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            values.append(current.strip())
            current = ""
            continue
        current += ch
    return values + [current.strip()] if current.strip() else values


def resolve(
    region: Region, workgroup: str, query: str, parameters: list[str] | None
) -> tuple[str, QueryFailed | None]:
    """(the SQL the engine runs, a failure to report instead): PREPARE and DEALLOCATE PREPARE change the
    workgroup's statements here and run as no-ops; EXECUTE becomes its statement with the values bound."""
    text = strip_comments(query)
    m = _PREPARE.match(text)
    if m:
        with region.prepared.lock:
            region.prepared.statements[(workgroup, m.group(1))] = _statement(
                (workgroup, m.group(1)), m.group(2), None
            )
        return "PREPARE", None
    m = _DEALLOCATE.match(text)
    if m:
        with region.prepared.lock:
            gone = region.prepared.statements.pop((workgroup, m.group(1)), None)
        if gone is None:
            return "DEALLOCATE", QueryFailed("NOT_FOUND", f"Prepared statement not found: {m.group(1)}")
        return "DEALLOCATE", None
    m = _EXECUTE.match(text)
    if not m:
        if parameters:
            try:
                return bind_parameters(query, [str(p) for p in parameters]), None
            except ValueError as err:
                raise invalid(str(err)) from err
        return query, None
    with region.prepared.lock:
        statement = region.prepared.statements.get((workgroup, m.group(1)))
    if statement is None:
        return query, QueryFailed("NOT_FOUND", f"Prepared statement not found: {m.group(1)}")
    values = _split_values(m.group(2)) if m.group(2) else [str(p) for p in parameters or []]
    try:
        return bind_parameters(statement["QueryStatement"], values), None
    except ValueError as err:
        return query, QueryFailed("INVALID_PARAMETER_USAGE", str(err))


ACTIONS = {
    "CreatePreparedStatement": CreatePreparedStatement,
    "GetPreparedStatement": GetPreparedStatement,
    "BatchGetPreparedStatement": BatchGetPreparedStatement,
    "ListPreparedStatements": ListPreparedStatements,
    "UpdatePreparedStatement": UpdatePreparedStatement,
    "DeletePreparedStatement": DeletePreparedStatement,
}
