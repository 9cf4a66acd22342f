"""Athena named queries (saved queries) in localaws's own workgroups.

moto keeps named queries too, but only in its own workgroups, which localaws's Athena does not use: a
named query in a workgroup created through localaws would fail there with "WorkGroup does not exist".
This service answers the named-query actions against localaws's workgroups (``services["athena"]``).
State lives in memory, like moto's.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

from werkzeug.wrappers import Request, Response

from localaws.service import AWSError, Context, Service, json_response, target_action

ACTIONS = (
    "CreateNamedQuery",
    "GetNamedQuery",
    "BatchGetNamedQuery",
    "ListNamedQueries",
    "UpdateNamedQuery",
    "DeleteNamedQuery",
)
MAX_QUERY = 262144
MAX_RESULTS = 50


def _invalid(message: str) -> AWSError:
    return AWSError("InvalidRequestException", message)


class NamedQueriesService(Service):
    name = "athena_named_queries"

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.lock = threading.Lock()
        self.queries: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, str] = {}

    def claims(self, request: Request, service: str | None, action: str | None) -> bool:
        return service == "athena" and action in ACTIONS

    def handle(self, request: Request) -> Response:
        import json

        action = target_action(request) or ""
        try:
            body = json.loads(request.get_data() or b"{}")
        except ValueError as err:
            raise _invalid(f"request body is not JSON: {err}") from err
        with self.lock:
            return json_response(getattr(self, f"_{action}")(body))

    def _workgroup(self, name: str | None) -> str:
        athena = self.ctx.services.get("athena")
        workgroups = getattr(athena, "workgroups", None)
        if workgroups is None:  # moto's placeholder Athena: accept any name
            return name or "primary"
        return workgroups.get(name).name  # raises "WorkGroup X is not found." like Athena

    def _get(self, query_id: Any) -> dict[str, Any]:
        if not isinstance(query_id, str) or query_id not in self.queries:
            raise _invalid(f"NamedQuery {query_id} was not found.")
        return self.queries[query_id]

    @staticmethod
    def _check(body: dict[str, Any]) -> None:
        for key in ("Name", "QueryString"):
            if not isinstance(body.get(key), str) or not body[key]:
                raise _invalid(f"{key} must be a non-empty string")
        if len(body["Name"]) > 128:
            raise _invalid("Name must be at most 128 characters")
        if len(body["QueryString"]) > MAX_QUERY:
            raise _invalid(f"QueryString must be at most {MAX_QUERY} characters")
        if len(body.get("Description") or "") > 1024:
            raise _invalid("Description must be at most 1024 characters")

    def _CreateNamedQuery(self, body: dict[str, Any]) -> dict[str, Any]:
        self._check(body)
        if not isinstance(body.get("Database"), str) or not body["Database"]:
            raise _invalid("Database must be a non-empty string")
        workgroup = self._workgroup(body.get("WorkGroup"))
        token = body.get("ClientRequestToken")
        if token and token in self.tokens:
            return {"NamedQueryId": self.tokens[token]}
        query_id = str(uuid.uuid4())
        self.queries[query_id] = {
            "Name": body["Name"],
            "Description": body.get("Description", ""),
            "Database": body["Database"],
            "QueryString": body["QueryString"],
            "NamedQueryId": query_id,
            "WorkGroup": workgroup,
        }
        if token:
            self.tokens[token] = query_id
        return {"NamedQueryId": query_id}

    def _GetNamedQuery(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"NamedQuery": dict(self._get(body.get("NamedQueryId")))}

    def _BatchGetNamedQuery(self, body: dict[str, Any]) -> dict[str, Any]:
        found, missing = [], []
        for query_id in body.get("NamedQueryIds") or []:
            if query_id in self.queries:
                found.append(dict(self.queries[query_id]))
            else:
                missing.append(
                    {
                        "NamedQueryId": query_id,
                        "ErrorCode": "INVALID_INPUT",
                        "ErrorMessage": f"NamedQuery {query_id} was not found.",
                    }
                )
        return {"NamedQueries": found, "UnprocessedNamedQueryIds": missing}

    def _ListNamedQueries(self, body: dict[str, Any]) -> dict[str, Any]:
        workgroup = self._workgroup(body.get("WorkGroup"))
        ids = [q["NamedQueryId"] for q in self.queries.values() if q["WorkGroup"] == workgroup]
        size = int(body.get("MaxResults") or MAX_RESULTS)
        start = int(body.get("NextToken") or 0)
        answer: dict[str, Any] = {"NamedQueryIds": ids[start : start + size]}
        if start + size < len(ids):
            answer["NextToken"] = str(start + size)
        return answer

    def _UpdateNamedQuery(self, body: dict[str, Any]) -> dict[str, Any]:
        query = self._get(body.get("NamedQueryId"))
        self._check(body)
        query.update(
            Name=body["Name"],
            QueryString=body["QueryString"],
            Description=body.get("Description", query["Description"]),
        )
        return {}

    def _DeleteNamedQuery(self, body: dict[str, Any]) -> dict[str, Any]:
        self._get(body.get("NamedQueryId"))
        del self.queries[body["NamedQueryId"]]
        return {}
