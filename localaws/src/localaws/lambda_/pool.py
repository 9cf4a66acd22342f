"""Warm sandboxes per function configuration: created on demand, reused, retired when stale.

A changed code or configuration gets fresh workers; the code (and layers) are unzipped once per content
hash under the state directory.
"""

from __future__ import annotations

import hashlib
import io
import json
import sys
import threading
import time
import uuid
import zipfile
from pathlib import Path

from localaws.lambda_.spec import FunctionSpec, InvokeResult
from localaws.lambda_.worker import INIT_TIMEOUT_SECONDS, Worker, now_iso


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
        return json.dumps(payload), False, worker._take_log() + f"{now_iso()} {request_id} {message}\n", 0.0

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
