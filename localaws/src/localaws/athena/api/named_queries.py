"""CreateNamedQuery, GetNamedQuery, BatchGetNamedQuery, ListNamedQueries, UpdateNamedQuery, DeleteNamedQuery.

moto keeps named queries too, but only in its own workgroups, which localaws's Athena does not use: a
named query in a workgroup created through localaws would fail there with "WorkGroup does not exist".
Here they live in localaws's workgroups, in memory like moto's.
"""

from __future__ import annotations

import uuid
from typing import Any

from localaws.athena.errors import invalid
from localaws.athena.store import Region

MAX_QUERY = 262144
MAX_RESULTS = 50


def _get(region: Region, query_id: Any) -> dict[str, Any]:
    queries = region.named_queries.queries
    if not isinstance(query_id, str) or query_id not in queries:
        raise invalid(f"NamedQuery {query_id} was not found.")
    return queries[query_id]


def _check(body: dict[str, Any]) -> None:
    for key in ("Name", "QueryString"):
        if not isinstance(body.get(key), str) or not body[key]:
            raise invalid(f"{key} must be a non-empty string")
    if len(body["Name"]) > 128:
        raise invalid("Name must be at most 128 characters")
    if len(body["QueryString"]) > MAX_QUERY:
        raise invalid(f"QueryString must be at most {MAX_QUERY} characters")
    if len(body.get("Description") or "") > 1024:
        raise invalid("Description must be at most 1024 characters")


def CreateNamedQuery(region: Region, body: dict[str, Any]) -> dict[str, Any]:
    _check(body)
    if not isinstance(body.get("Database"), str) or not body["Database"]:
        raise invalid("Database must be a non-empty string")
    workgroup = region.workgroups.get(body.get("WorkGroup")).name  # "WorkGroup X is not found." as Athena
    saved = region.named_queries
    with saved.lock:
        token = body.get("ClientRequestToken")
        if token and token in saved.tokens:
            return {"NamedQueryId": saved.tokens[token]}
        query_id = str(uuid.uuid4())
        saved.queries[query_id] = {
            "Name": body["Name"],
            "Description": body.get("Description", ""),
            "Database": body["Database"],
            "QueryString": body["QueryString"],
            "NamedQueryId": query_id,
            "WorkGroup": workgroup,
        }
        if token:
            saved.tokens[token] = query_id
    return {"NamedQueryId": query_id}


def GetNamedQuery(region: Region, body: dict[str, Any]) -> dict[str, Any]:
    with region.named_queries.lock:
        return {"NamedQuery": dict(_get(region, body.get("NamedQueryId")))}


def BatchGetNamedQuery(region: Region, body: dict[str, Any]) -> dict[str, Any]:
    found, missing = [], []
    saved = region.named_queries
    with saved.lock:
        for query_id in body.get("NamedQueryIds") or []:
            if query_id in saved.queries:
                found.append(dict(saved.queries[query_id]))
            else:
                missing.append(
                    {
                        "NamedQueryId": query_id,
                        "ErrorCode": "INVALID_INPUT",
                        "ErrorMessage": f"NamedQuery {query_id} was not found.",
                    }
                )
    return {"NamedQueries": found, "UnprocessedNamedQueryIds": missing}


def ListNamedQueries(region: Region, body: dict[str, Any]) -> dict[str, Any]:
    workgroup = region.workgroups.get(body.get("WorkGroup")).name
    with region.named_queries.lock:
        queries = region.named_queries.queries.values()
        ids = [q["NamedQueryId"] for q in queries if q["WorkGroup"] == workgroup]
    # Unlike the other list calls, NextToken is the plain offset.
    size = int(body.get("MaxResults") or MAX_RESULTS)
    start = int(body.get("NextToken") or 0)
    answer: dict[str, Any] = {"NamedQueryIds": ids[start : start + size]}
    if start + size < len(ids):
        answer["NextToken"] = str(start + size)
    return answer


def UpdateNamedQuery(region: Region, body: dict[str, Any]) -> dict[str, Any]:
    with region.named_queries.lock:
        query = _get(region, body.get("NamedQueryId"))
        _check(body)
        query.update(
            Name=body["Name"],
            QueryString=body["QueryString"],
            Description=body.get("Description", query["Description"]),
        )
    return {}


def DeleteNamedQuery(region: Region, body: dict[str, Any]) -> dict[str, Any]:
    with region.named_queries.lock:
        _get(region, body.get("NamedQueryId"))
        del region.named_queries.queries[body["NamedQueryId"]]
    return {}


ACTIONS = {
    "CreateNamedQuery": CreateNamedQuery,
    "GetNamedQuery": GetNamedQuery,
    "BatchGetNamedQuery": BatchGetNamedQuery,
    "ListNamedQueries": ListNamedQueries,
    "UpdateNamedQuery": UpdateNamedQuery,
    "DeleteNamedQuery": DeleteNamedQuery,
}
