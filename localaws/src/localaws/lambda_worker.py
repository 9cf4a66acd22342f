"""Sandboxes of the local Lambda runtime: one child Python process per warm execution environment.

A worker is ``sys.executable localaws/lambda_bootstrap.py`` running in the function's unzipped code
directory with the function's environment. It imports the handler once (the init phase) and then serves
invocations one at a time, as a Lambda execution environment does. The pool keeps idle workers warm per
function configuration; a changed code or configuration gets fresh workers.
"""

from __future__ import annotations

import hashlib
import io
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
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

log = logging.getLogger("localaws.lambda")

BOOTSTRAP = str(Path(__file__).with_name("lambda_bootstrap.py"))
INIT_TIMEOUT_SECONDS = 10.0  # AWS's limit on the init phase
LOG_TAIL_BYTES = 4096
# Variables AWS sets itself; a function's Environment cannot override them.
RESERVED_ENV = frozenset(
    {
        "_HANDLER", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
        "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
    }
)  # fmt: skip


@dataclass(frozen=True)
class FunctionSpec:
    """Everything a sandbox depends on; two specs that compare equal can share warm workers."""

    account_id: str
    region: str
    name: str
    arn: str  # unqualified
    version: str  # "$LATEST" or a published version
    handler: str
    runtime: str
    timeout: float
    memory_mb: int
    environment: tuple[tuple[str, str], ...]
    code_sha256: str
    code: bytes = field(compare=False, repr=False)
    layers: tuple[tuple[str, bytes], ...] = field(default=(), compare=False, repr=False)
    layer_arns: tuple[str, ...] = ()

    @classmethod
    def from_moto(cls, fn: Any) -> FunctionSpec:
        from moto.awslambda.utils import get_backend

        layers = []
        for layer in fn.layers:
            version = get_backend(fn.account_id, fn.region).layers_versions_by_arn(layer["Arn"])
            layers.append((layer["Arn"], version.code_bytes))
        return cls(
            account_id=fn.account_id,
            region=fn.region,
            name=fn.function_name,
            arn=":".join(fn.function_arn.split(":")[:7]),  # arn:aws:lambda:REGION:ACCOUNT:function:NAME
            version=str(fn.version),
            handler=fn.handler or "",
            runtime=fn.run_time or "python3.12",
            timeout=float(fn.timeout or 3),
            memory_mb=int(fn.memory_size or 128),
            environment=tuple(sorted((fn.environment_vars or {}).items())),
            code_sha256=getattr(fn, "code_digest", None)
            or hashlib.sha256(getattr(fn, "code_bytes", b"")).hexdigest(),
            code=getattr(fn, "code_bytes", b""),  # none for PackageType=Image
            layers=tuple(layers),
            layer_arns=tuple(arn for arn, _ in layers),
        )

    @property
    def log_group(self) -> str:
        return f"/aws/lambda/{self.name}"


@dataclass
class InvokeResult:
    request_id: str
    payload: bytes
    function_error: str | None  # "Unhandled" as AWS reports it, or None
    log: str
    duration_ms: float
    executed_version: str
    cold: bool
    log_stream: str

    @property
    def log_tail(self) -> str:
        return self.log.encode()[-LOG_TAIL_BYTES:].decode("utf-8", "replace")


def _now_iso() -> str:
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
            note = f"{_now_iso()} {request_id} {message}\n"
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


class WorkerPool:
    """Warm sandboxes per function configuration, created on demand (one per concurrent invocation).

    Idle sandboxes are kept least recently used first: at most ``max_idle`` per configuration and
    ``max_idle_total`` in all, each for ``idle_seconds`` (AWS also reclaims idle environments after minutes).
    """

    def __init__(self, state_dir: Path, endpoint: str, warm: bool = True, max_idle: int = 4,
                 max_idle_total: int = 16, idle_seconds: float = 300.0):  # fmt: skip
        self.state_dir = state_dir
        self.endpoint = endpoint
        self.warm = warm
        self.max_idle = max_idle
        self.max_idle_total = max_idle_total
        self.idle_seconds = idle_seconds
        self._idle: list[Worker] = []
        self._live: set[Worker] = set()  # idle and busy: stop() ends them all
        self._lock = threading.Lock()
        self._extract_lock = threading.Lock()
        self.cold_starts = 0
        self.warm_starts = 0

    def invoke(
        self, spec: FunctionSpec, event: str, invoked_arn: str, request_id: str | None = None
    ) -> InvokeResult:
        request_id = request_id or str(uuid.uuid4())
        unsupported = _unsupported(spec)
        if unsupported:
            payload = json.dumps({"errorType": "Runtime.Unsupported", "errorMessage": unsupported})
            return InvokeResult(request_id, payload.encode(), "Unhandled", unsupported + "\n", 0.0, spec.version, False,
                                "unsupported")  # fmt: skip
        worker, cold = self._acquire(spec)
        if worker.init_timed_out:
            payload, ok, text, duration = self._init_timeout(spec, request_id, worker)
        else:
            payload, ok, text, duration = worker.invoke(request_id, event, invoked_arn)
        if cold:
            text = f"INIT_START Runtime Version: {spec.runtime}.localaws\n" + text
        if self.warm and worker.ready and worker.alive:
            self._release(worker)
        else:
            self._retire([worker])
        return InvokeResult(
            request_id=request_id,
            payload=payload.encode(),
            function_error=None if ok else "Unhandled",
            log=text,
            duration_ms=duration,
            executed_version=spec.version,
            cold=cold,
            log_stream=worker.log_stream,
        )

    @staticmethod
    def _init_timeout(spec: FunctionSpec, request_id: str, worker: Worker) -> tuple[str, bool, str, float]:
        message = f"Task timed out after {INIT_TIMEOUT_SECONDS:.2f} seconds (init phase)"
        payload = {
            "errorType": "Sandbox.Timedout",
            "errorMessage": f"RequestId: {request_id} Error: {message}",
        }
        return json.dumps(payload), False, worker._take_log() + f"{_now_iso()} {request_id} {message}\n", 0.0

    def _acquire(self, spec: FunctionSpec) -> tuple[Worker, bool]:
        worker = None
        with self._lock:
            now = time.monotonic()

            def stale(w: Worker) -> bool:
                outdated = w.spec != spec and (w.spec.arn, w.spec.version) == (spec.arn, spec.version)
                return outdated or now - w.idle_since > self.idle_seconds or not w.alive

            retired = [w for w in self._idle if stale(w)]
            self._idle = [w for w in self._idle if not stale(w)]
            for candidate in reversed(self._idle):  # the most recently used is the warmest
                if candidate.spec == spec:
                    worker = candidate
                    self._idle.remove(candidate)
                    break
            if worker is not None:
                self.warm_starts += 1
            else:
                self.cold_starts += 1
        self._retire(retired)
        if worker is not None:
            return worker, False
        code_dir, extra_paths = self._extract(spec)
        worker = Worker(spec, code_dir, extra_paths, self.endpoint)
        with self._lock:
            self._live.add(worker)
        return worker, True

    def _release(self, worker: Worker) -> None:
        worker.idle_since = time.monotonic()
        with self._lock:
            self._idle.append(worker)
            evicted = []
            same = [w for w in self._idle if w.spec == worker.spec]
            if len(same) > self.max_idle:
                evicted.append(same[0])
            overflow = len(self._idle) - len(evicted) - self.max_idle_total
            evicted += [w for w in self._idle if w not in evicted][: max(overflow, 0)]
            self._idle = [w for w in self._idle if w not in evicted]
        self._retire(evicted)

    def _retire(self, workers: list[Worker]) -> None:
        for worker in workers:
            worker.kill()
            with self._lock:
                self._live.discard(worker)

    def _extract(self, spec: FunctionSpec) -> tuple[Path, list[str]]:
        """Unzip code (and layers, as /opt would hold them) once per content hash under the state dir."""
        root = self.state_dir / "lambda"
        code_dir = root / "code" / spec.code_sha256[:24]
        extra: list[str] = []
        with self._extract_lock:
            _unzip_once(spec.code, code_dir, f"function {spec.name}")
            for arn, content in spec.layers:
                layer_dir = root / "layers" / hashlib.sha256(content).hexdigest()[:24]
                _unzip_once(content, layer_dir, f"layer {arn}")
                pyver = f"python{sys.version_info.major}.{sys.version_info.minor}"
                extra += [
                    str(layer_dir / "python"),
                    str(layer_dir / "python" / "lib" / pyver / "site-packages"),
                ]
        return code_dir, extra

    def stop(self) -> None:
        """End every sandbox, idle or busy (a busy one's invocation then reports Runtime.ExitError)."""
        with self._lock:
            workers = list(self._live)
            self._idle.clear()
        self._retire(workers)

    def idle_count(self) -> int:
        with self._lock:
            return len(self._idle)


def _unsupported(spec: FunctionSpec) -> str | None:
    """Why localaws cannot run this function (it runs Python zip functions in this Python), or None."""
    if not spec.runtime.startswith("python"):
        return f"localaws runs Python functions only; {spec.name} uses runtime {spec.runtime}"
    if not spec.code:
        return f"localaws runs zip functions only; {spec.name} has no zip (PackageType=Image?)"
    return None


def _unzip_once(content: bytes, target: Path, what: str) -> None:
    if (target / ".localaws-complete").exists():
        return
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            archive.extractall(target)
    except zipfile.BadZipFile as err:
        raise ValueError(f"the code of {what} is not a zip archive: {err}") from err
    (target / ".localaws-complete").touch()
