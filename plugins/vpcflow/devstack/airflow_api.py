"""A small client of Airflow 3's REST API (/api/v2), for the demo and end-to-end tests."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

FINISHED = {"success", "failed"}


class AirflowAPIError(RuntimeError):
    pass


class AirflowAPI:
    def __init__(self, url: str, username: str, password: str):
        self.url = url.rstrip("/")
        self._credentials = {"username": username, "password": password}
        self._token: str | None = None

    def _request(self, method: str, path: str, body: Any = None, auth: bool = True) -> Any:
        headers = {"Content-Type": "application/json"}
        if auth:
            headers["Authorization"] = f"Bearer {self.token()}"
        request = urllib.request.Request(
            self.url + path,
            method=method,
            headers=headers,
            data=None if body is None else json.dumps(body).encode(),
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                text = response.read()
        except urllib.error.HTTPError as err:
            raise AirflowAPIError(f"{method} {path}: HTTP {err.code}: {err.read()[:1000]!r}") from None
        return json.loads(text) if text else None

    def token(self) -> str:
        if self._token is None:
            self._token = self._request("POST", "/auth/token", self._credentials, auth=False)["access_token"]
        return self._token

    def wait_for_dag(self, dag_id: str, timeout: float = 180) -> dict:
        """Wait until the dag-processor has parsed the DAG; fail with its import error if it has one."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            errors = self._request("GET", "/api/v2/importErrors")["import_errors"]
            for error in errors:
                if dag_id in error.get("filename", ""):
                    raise AirflowAPIError(f"{dag_id} does not import:\n{error['stack_trace']}")
            try:
                return self._request("GET", f"/api/v2/dags/{dag_id}")
            except AirflowAPIError:
                time.sleep(2)
        raise AirflowAPIError(f"{dag_id} was not parsed within {timeout:.0f}s")

    def dag(self, dag_id: str) -> dict:
        """The DAG as the API shows it: is_paused, next_dagrun_logical_date, ..."""
        return self._request("GET", f"/api/v2/dags/{dag_id}")

    def unpause(self, dag_id: str) -> None:
        self._request("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": False})

    def trigger(self, dag_id: str, conf: dict | None = None, logical_date: str | None = None) -> str:
        run = self._request(
            "POST", f"/api/v2/dags/{dag_id}/dagRuns", {"conf": conf or {}, "logical_date": logical_date}
        )
        return run["dag_run_id"]

    def runs(self, dag_id: str, **filters: str) -> list[dict]:
        query = urllib.parse.urlencode({"limit": 100, "order_by": "logical_date", **filters})
        return self._request("GET", f"/api/v2/dags/{dag_id}/dagRuns?{query}")["dag_runs"]

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        path = f"/api/v2/dags/{dag_id}/dagRuns/{urllib.parse.quote(run_id, safe='')}/taskInstances"
        return self._request("GET", path)["task_instances"]

    def xcom(self, dag_id: str, run_id: str, task_id: str, key: str = "return_value") -> Any:
        path = (
            f"/api/v2/dags/{dag_id}/dagRuns/{urllib.parse.quote(run_id, safe='')}/taskInstances/"
            f"{task_id}/xcomEntries/{key}?deserialize=true"
        )
        return self._request("GET", path)["value"]

    def wait_finished(
        self,
        dag_id: str,
        run_ids: list[str],
        timeout: float,
        on_change: Callable[[dict[str, str]], None] | None = None,
    ) -> dict[str, str]:
        """Wait until every run in run_ids is success or failed; return run id -> state.

        on_change gets the states each time they change (for progress lines)."""
        deadline = time.monotonic() + timeout
        last: dict[str, str] = {}
        while time.monotonic() < deadline:
            states = {r["dag_run_id"]: r["state"] for r in self.runs(dag_id) if r["dag_run_id"] in run_ids}
            if states != last and on_change:
                on_change(states)
            last = states
            if len(states) == len(run_ids) and set(states.values()) <= FINISHED:
                return states
            time.sleep(2)
        raise AirflowAPIError(f"{dag_id} runs did not finish within {timeout:.0f}s: {last}")
