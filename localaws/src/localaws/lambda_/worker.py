"""One sandbox of the local Lambda runtime: a child Python process serving one function configuration.

A worker is ``sys.executable localaws/lambda_/bootstrap.py`` running in the function's unzipped code
directory with the function's environment. It imports the handler once (the init phase) and then serves
invocations one at a time, as a Lambda execution environment does.
"""

from __future__ import annotations

import json
import logging
import math
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from localaws.lambda_.spec import FunctionSpec

log = logging.getLogger("localaws.lambda")

BOOTSTRAP = str(Path(__file__).with_name("bootstrap.py"))
INIT_TIMEOUT_SECONDS = 10.0  # AWS's limit on the init phase
# Variables AWS sets itself; a function's Environment cannot override them.
RESERVED_ENV = frozenset(
    {
        "_HANDLER", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
        "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
    }
)  # fmt: skip


def now_iso() -> str:
    return datetime.now(tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class Worker:
    """One execution environment: a child process serving invocations of one function configuration."""

    def __init__(self, spec: FunctionSpec, code_dir: Path, extra_paths: list[str], endpoint: str):
        self.spec = spec
        self.log_stream = f"{datetime.now(tz=UTC):%Y/%m/%d}/[{spec.version}]{uuid.uuid4().hex}"
        self.served = 0
        self.idle_since = time.monotonic()
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._log: list[str] = []
        self._log_lock = threading.Lock()
        self._end_seen = threading.Event()
        self._waiting_for: str | None = None
        started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-u", BOOTSTRAP],
            cwd=code_dir,
            env=self._environment(code_dir, extra_paths, endpoint),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group, so a timeout kills what the handler spawned too
        )
        threading.Thread(target=self._read_protocol, name=f"lambda-{spec.name}-out", daemon=True).start()
        threading.Thread(target=self._read_logs, name=f"lambda-{spec.name}-log", daemon=True).start()
        self.init_timed_out = False
        try:
            ready = self._next_line(INIT_TIMEOUT_SECONDS)
        except TimeoutError:
            ready, self.init_timed_out = None, True
            self.kill()
        self.init_ms = (time.monotonic() - started) * 1000
        # A failed init is reported on invoke (by the bootstrap) and the sandbox is not reused, as on AWS.
        self.ready = bool(ready and json.loads(ready).get("ready"))

    def _environment(self, code_dir: Path, extra_paths: list[str], endpoint: str) -> dict[str, str]:
        spec = self.spec
        env = {
            "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
            "LANG": os.environ.get("LANG", "C.UTF-8"),
            "TZ": ":UTC",
            "PYTHONIOENCODING": "utf-8",
            "PYTHONDONTWRITEBYTECODE": "1",
            "AWS_ENDPOINT_URL": endpoint,
        }
        if "HOME" in os.environ:
            env["HOME"] = os.environ["HOME"]
        env.update({k: v for k, v in spec.environment if k not in RESERVED_ENV})
        env.update(
            {
                "_HANDLER": spec.handler,
                "_LOCALAWS_EXTRA_PATH": os.pathsep.join(extra_paths),
                "LAMBDA_TASK_ROOT": str(code_dir),
                "LAMBDA_RUNTIME_DIR": str(Path(BOOTSTRAP).parent),
                "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
                "AWS_LAMBDA_FUNCTION_NAME": spec.name,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
                "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
                "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
                "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group,
                "AWS_LAMBDA_LOG_STREAM_NAME": self.log_stream,
                "AWS_REGION": spec.region,
                "AWS_DEFAULT_REGION": spec.region,
                # Fake credentials: localaws accepts any, and a real account must never be reachable.
                "AWS_ACCESS_KEY_ID": "localaws",
                "AWS_SECRET_ACCESS_KEY": "localaws",
                "AWS_SESSION_TOKEN": "localaws",
            }
        )
        return env

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def _read_protocol(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            self._lines.put(raw.decode("utf-8", "replace"))
        self._lines.put(None)

    def _read_logs(self) -> None:
        assert self.proc.stderr is not None
        for raw in self.proc.stderr:
            line = raw.decode("utf-8", "replace")
            with self._log_lock:
                self._log.append(line)
                if self._waiting_for and line.startswith(f"END RequestId: {self._waiting_for}"):
                    self._end_seen.set()
        self._end_seen.set()

    def _next_line(self, timeout: float) -> str | None:
        """The next protocol line; None once the child has closed stdout; TimeoutError if none in time."""
        try:
            return self._lines.get(timeout=max(timeout, 0.001))
        except queue.Empty:
            raise TimeoutError from None

    def _take_log(self) -> str:
        with self._log_lock:
            text, self._log = "".join(self._log), []
        return text

    def invoke(self, request_id: str, event: str, invoked_arn: str) -> tuple[str, bool, str, float]:
        """Run one invocation: (payload, ok, log, duration_ms). Kills the sandbox on timeout or crash."""
        spec = self.spec
        self.served += 1
        with self._log_lock:
            self._waiting_for = request_id
            self._end_seen.clear()
        started = time.monotonic()
        deadline_ms = int(time.time() * 1000 + spec.timeout * 1000)
        request = {
            "request_id": request_id,
            "event": event,
            "deadline_ms": deadline_ms,
            "invoked_function_arn": invoked_arn,
        }
        line: str | None = None
        timed_out = False
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write((json.dumps(request) + "\n").encode())
            self.proc.stdin.flush()
            line = self._next_line(spec.timeout)
        except TimeoutError:
            timed_out = True
        except OSError:  # the child is gone (BrokenPipeError)
            line = None
        duration = (time.monotonic() - started) * 1000
        if line is not None:
            self._end_seen.wait(timeout=2.0)  # the log lines of this invocation are all read
            response = json.loads(line)
            text = self._take_log() + self._report(request_id, duration)
            return response["payload"], bool(response["ok"]), text, duration
        self.kill()
        self._end_seen.wait(timeout=1.0)
        if timed_out:
            message = f"Task timed out after {spec.timeout:.2f} seconds"
            note = f"{now_iso()} {request_id} {message}\n"
            payload = {
                "errorType": "Sandbox.Timedout",
                "errorMessage": f"RequestId: {request_id} Error: {message}",
            }
            status = "timeout"
        else:
            code = self.proc.returncode
            reason = f"signal: {signal.Signals(-code).name.lower()}" if code < 0 else f"exit status {code}"
            message = f"Runtime exited with error: {reason}"
            note = f"RequestId: {request_id} Error: {message}\n"
            payload = {
                "errorType": "Runtime.ExitError",
                "errorMessage": f"RequestId: {request_id} Error: {message}",
            }
            status = "error"
        text = (
            self._take_log()
            + note
            + f"END RequestId: {request_id}\n"
            + self._report(request_id, duration, status)
        )
        return json.dumps(payload), False, text, duration

    def _report(self, request_id: str, duration: float, status: str | None = None) -> str:
        report = (
            f"REPORT RequestId: {request_id}\tDuration: {duration:.2f} ms\tBilled Duration: {math.ceil(duration)} ms"
            f"\tMemory Size: {self.spec.memory_mb} MB\tMax Memory Used: {self._max_memory_mb()} MB\t"
        )
        if self.served == 1:
            report += f"Init Duration: {self.init_ms:.2f} ms\t"
        if status:
            report += f"Status: {status}"
        return report + "\n"

    def _max_memory_mb(self) -> int:
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) // 1024
        except (OSError, ValueError):
            pass
        return 0

    def kill(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                self.proc.kill()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            log.error("lambda %s: sandbox pid %d did not exit after SIGKILL", self.spec.name, self.proc.pid)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                if stream:
                    stream.close()
            except OSError:
                pass
