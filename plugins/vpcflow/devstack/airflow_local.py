"""Run Airflow 3 on this machine for the demo and `make up`: one process per component, loopback only.

`airflow standalone` starts log servers on every interface, so the components are started one by one:
api-server on 127.0.0.1, scheduler and triggerer with --skip-serve-logs (the api-server reads task logs
from the shared local folder instead), and the dag-processor. Each runs in its own session so that
stopping it by its pid also stops the workers it forked.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psutil

from vpcflow.model.resources import require_checkout

REPO = require_checkout("the local developer stack")

COMPONENTS: dict[str, list[str]] = {
    "api-server": ["api-server", "--host", "127.0.0.1", "--port", "{api_port}", "--workers", "1"],
    "scheduler": ["scheduler", "--skip-serve-logs"],
    "dag-processor": ["dag-processor"],
    "triggerer": ["triggerer", "--skip-serve-logs"],
}


# SQLite allows one writer at a time; its default 5 s wait is shorter than a busy scheduler holds the
# lock, and `airflow backfill create` then failed with "database is locked". Read by Airflow through
# [database] sql_alchemy_connect_args (an import path), in every component and CLI process.
SQLITE_CONNECT_ARGS = {"timeout": 60}
SQLITE_CONNECT_ARGS_ASYNC = {"timeout": 60}  # its own dict: Airflow adds sync-only keys to the first


class AirflowLocalError(RuntimeError):
    pass


@dataclass(frozen=True)
class AirflowLocal:
    home: Path
    aws_endpoint: str
    api_port: int = 8080
    parallelism: int = 4

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def pid_dir(self) -> Path:
        return self.home / "pids"

    def environment(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        """The environment every component and CLI call shares (one JWT secret, one metadata DB)."""
        secret_file = self.home / "jwt_secret"
        if not secret_file.exists():
            self.home.mkdir(parents=True, exist_ok=True)
            secret_file.write_text(secrets.token_urlsafe(32))
            secret_file.chmod(0o600)
        connection = {
            "conn_type": "aws",
            "login": "localaws",
            "password": "localaws",
            "extra": {"endpoint_url": self.aws_endpoint, "region_name": "us-east-1"},
        }
        env = {
            **os.environ,
            "AIRFLOW_HOME": str(self.home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": str(self.parallelism),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.url}/execution/",
            "AIRFLOW__API__BASE_URL": self.url,
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(self.api_port),
            "AIRFLOW__API_AUTH__JWT_SECRET": secret_file.read_text(),
            "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__SCHEDULER__MIN_FILE_PROCESS_INTERVAL": "5",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS": "vpcflow.devstack.airflow_local.SQLITE_CONNECT_ARGS",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS_ASYNC": "vpcflow.devstack.airflow_local.SQLITE_CONNECT_ARGS_ASYNC",
            "AIRFLOW_CONN_AWS_DEFAULT": json.dumps(connection),
        }
        # localaws answers a query or an ingestion within a second: inside Airflow 3.3's window where the
        # executor's stale event for a deferred task marks the resumed task for retry (apache/airflow#71580).
        # So the local stack waits in the worker unless told otherwise; on AWS the default (true) stands.
        env.setdefault("VPCFLOW_DEFERRABLE", "false")
        # localaws's Security Hub starts disabled, like an account's: vpcflow_provision enables it here, so
        # vpcflow_detections has somewhere to send its findings (on AWS the default, import, expects it on).
        env.setdefault("VPCFLOW_SECURITY_HUB", "enable")
        env = {**env, **(extra or {})}
        # No internet here: vpcflow_enrichment reads AWS's ranges from a sample in the stack's bucket, which
        # `make up` and `make demo` put there (vpcflow.synthetic.ip_ranges).
        env.setdefault("VPCFLOW_IP_RANGES_URL", self.ip_ranges_url(env))
        # The plugin's navigation link (vpcflow_plugin.py): the page localaws renders, for this stack.
        env.setdefault("VPCFLOW_DASHBOARD_URL", self.dashboard_url(env))
        return env

    def ip_ranges_url(self, env: dict[str, str] | None = None) -> str:
        from vpcflow.model.config import StackConfig
        from vpcflow.synthetic.ip_ranges import LOCAL_KEY

        return f"s3://{StackConfig.from_environ({**os.environ, **(env or {})}).bucket}/{LOCAL_KEY}"

    def dashboard_url(self, env: dict[str, str] | None = None) -> str:
        from vpcflow.dashboard.links import local_dashboard_url
        from vpcflow.model.config import StackConfig

        dashboard_id = StackConfig.from_environ({**os.environ, **(env or {})}).quicksight_dashboard_id
        return local_dashboard_url(self.aws_endpoint, dashboard_id)

    def airflow(self, *args: str, env: dict[str, str] | None = None, check: bool = True) -> str:
        """Run one `airflow` CLI command with the stack's environment; return its stdout."""
        result = subprocess.run(
            [str(Path(sys.executable).with_name("airflow")), *args],
            env=self.environment(env),
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
        )
        if check and result.returncode != 0:
            raise AirflowLocalError(
                f"airflow {' '.join(args)} failed ({result.returncode}):\n{result.stderr[-3000:]}"
            )
        return result.stdout

    def backfill(
        self,
        dag_id: str,
        from_date: str,
        to_date: str,
        max_active_runs: int,
        conf: dict,
        env: dict[str, str] | None = None,
        attempts: int = 5,
    ) -> str:
        """`airflow backfill create` for logical dates from_date..to_date (inclusive).

        On SQLite a transaction that read before a scheduler write cannot then write ("database is
        locked" at once: WAL snapshots, no busy wait). Airflow removes the half-created backfill when
        that happens (airflow.models.backfill._cleanup_partial_backfill) so that it can be retried.
        """
        args = (
            "backfill",
            "create",
            "--dag-id",
            dag_id,
            "--from-date",
            from_date,
            "--to-date",
            to_date,
            "--max-active-runs",
            str(max_active_runs),
            "--dag-run-conf",
            json.dumps(conf),
        )
        for attempt in range(1, attempts + 1):
            try:
                return self.airflow(*args, env=env)
            except AirflowLocalError as err:
                if "database is locked" not in str(err) or attempt == attempts:
                    raise
                time.sleep(attempt)
        raise AssertionError("unreachable")

    def start(self, env: dict[str, str] | None = None, wait_seconds: float = 120) -> None:
        self.pid_dir.mkdir(parents=True, exist_ok=True)
        (self.home / "logs").mkdir(exist_ok=True)
        self.airflow("db", "migrate", env=env)
        for name, args in COMPONENTS.items():
            if self._pid(name):
                continue
            argv = [arg.format(api_port=self.api_port) for arg in args]
            with open(self.home / "logs" / f"{name}.log", "ab") as log:
                process = subprocess.Popen(
                    [str(Path(sys.executable).with_name("airflow")), *argv],
                    env=self.environment(env),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )
            (self.pid_dir / f"{name}.pid").write_text(str(process.pid))
        self.wait_healthy(wait_seconds)

    def wait_healthy(self, wait_seconds: float) -> dict:
        deadline = time.monotonic() + wait_seconds
        while time.monotonic() < deadline:
            dead = [name for name in COMPONENTS if not self._pid(name)]
            if dead:
                raise AirflowLocalError(f"airflow {', '.join(dead)} exited; see {self.home / 'logs'}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/v2/monitor/health", timeout=2) as response:
                    health = json.load(response)
                if health.get("scheduler", {}).get("status") == "healthy":
                    return health
            except (urllib.error.URLError, OSError, ValueError):
                pass
            time.sleep(1)
        raise AirflowLocalError(f"Airflow did not become healthy at {self.url} within {wait_seconds:.0f}s")

    def listening(self) -> set[tuple[str, int]]:
        """Every (address, port) that a process of this stack listens on."""
        found: set[tuple[str, int]] = set()
        for name in COMPONENTS:
            pid = self._pid(name)
            if not pid:
                continue
            parent = psutil.Process(pid)
            for process in [parent, *parent.children(recursive=True)]:
                try:
                    connections = process.net_connections(kind="inet")
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
                found |= {(c.laddr.ip, c.laddr.port) for c in connections if c.status == psutil.CONN_LISTEN}
        return found

    def admin_password(self) -> str | None:
        passwords = self.home / "simple_auth_manager_passwords.json.generated"
        try:
            return json.loads(passwords.read_text()).get("admin")
        except (FileNotFoundError, ValueError):
            return None

    def stop(self, wait_seconds: float = 30) -> list[str]:
        stopped = []
        for name in reversed(list(COMPONENTS)):
            pid = self._pid(name)
            if pid:
                _stop_group(pid, wait_seconds)
                stopped.append(name)
            (self.pid_dir / f"{name}.pid").unlink(missing_ok=True)
        return stopped

    def _pid(self, name: str) -> int | None:
        try:
            pid = int((self.pid_dir / f"{name}.pid").read_text())
        except (FileNotFoundError, ValueError):
            return None
        try:
            return pid if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE else None
        except psutil.NoSuchProcess:
            return None


def _stop_group(pid: int, wait_seconds: float) -> None:
    """SIGTERM the component's whole process group; SIGKILL what is left after the grace period."""
    try:
        group = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
        os.killpg(pid, signal.SIGTERM)
    except (ProcessLookupError, psutil.NoSuchProcess):
        return
    _, alive = psutil.wait_procs(group, timeout=wait_seconds)
    for process in alive:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(alive, timeout=5)
