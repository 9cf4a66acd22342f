"""Faults injected into localaws Athena at its API, for tests of what clients do when Athena misbehaves.

``POST /_localaws/athena/faults`` arms one fault (JSON body); each fires for its next ``times`` matches
(default 1) and is then spent. ``GET`` lists the armed faults with how often each fired, ``DELETE``
clears them all and releases held queries.

- ``{"action": "StartQueryExecution", "error": "TooManyRequestsException", "message": "...",
  "status": 400, "match": "...", "times": N}``: the next N calls of the action (whose request body
  contains ``match``, when given: e.g. a workgroup or table name, so other clients are left alone) are
  refused with that error, unexecuted. Any action localaws Athena answers may be named.
- ``{"match": "<substring of the SQL>", "fail": "<reason>", "times": N}``: the next N queries whose text
  contains the substring end ``FAILED`` with that StateChangeReason, without running; with
  ``"after": true`` they run first (an INSERT writes its files) and then end ``FAILED``, as a query that
  fails or times out after writing part of its output does on AWS.
- ``{"match": "<substring>", "hold": true, "times": N}``: the next N matching queries stay ``RUNNING``
  until the faults are cleared (DELETE), then run. No worker is held meanwhile.

``match`` is case-sensitive; an empty match matches every query.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from localaws.athena.errors import invalid
from localaws.service import AWSError


@dataclass
class Fault:
    times: int
    action: str | None = None
    error: str | None = None
    message: str | None = None
    status: int = 400
    match: str | None = None
    fail: str | None = None
    hold: bool = False
    after: bool = False
    fired: int = 0

    @classmethod
    def parse(cls, spec: Any) -> Fault:
        if not isinstance(spec, dict):
            raise _bad(f"a fault is a JSON object, got {spec!r}")
        times = spec.get("times", 1)
        if not isinstance(times, int) or times < 1:
            raise _bad(f'"times" must be a whole number >= 1, got {times!r}')
        if "action" in spec:
            if not spec.get("error"):
                raise _bad(f'an "action" fault needs an "error" code: {spec!r}')
            return cls(times=times, action=str(spec["action"]), error=str(spec["error"]),
                       message=spec.get("message"), status=int(spec.get("status", 400)),
                       match=spec.get("match"))  # fmt: skip
        if "match" in spec:
            if bool(spec.get("fail")) == bool(spec.get("hold")):
                raise _bad(
                    f'a "match" fault needs exactly one of "fail" (a reason) or "hold": true: {spec!r}'
                )
            return cls(
                times=times,
                match=str(spec["match"]),
                fail=spec.get("fail"),
                hold=bool(spec.get("hold")),
                after=bool(spec.get("after")) and bool(spec.get("fail")),
            )
        raise _bad(f'a fault names an "action" or a "match": {spec!r}')

    def describe(self) -> dict[str, Any]:
        keys = ("action", "error", "message", "match", "fail")
        out = {k: getattr(self, k) for k in keys if getattr(self, k) is not None}
        if self.hold:
            out["hold"] = True
        if self.after:
            out["after"] = True
        return {**out, "times": self.times, "fired": self.fired}


def _bad(message: str) -> AWSError:
    return invalid(f"athena faults: {message}")


@dataclass
class Faults:
    """The armed faults, and queries held by a ``hold`` fault until the faults are cleared."""

    _lock: threading.Lock = field(default_factory=threading.Lock)
    _armed: list[Fault] = field(default_factory=list)
    _spent: list[Fault] = field(default_factory=list)
    _held: list[Any] = field(default_factory=list)

    def arm(self, spec: Any) -> Fault:
        fault = Fault.parse(spec)
        with self._lock:
            self._armed.append(fault)
        return fault

    def clear(self) -> list[Any]:
        """Disarm everything; returns the held queries, which the caller now runs."""
        with self._lock:
            self._armed.clear()
            self._spent.clear()
            held, self._held = self._held, []
        return held

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return {
                "armed": [f.describe() for f in self._armed],
                "spent": [f.describe() for f in self._spent],
                "held": [e.id for e in self._held],
            }

    def _fire(self, wanted) -> Fault | None:
        with self._lock:
            for fault in self._armed:
                if wanted(fault):
                    fault.fired += 1
                    if fault.fired >= fault.times:
                        self._armed.remove(fault)
                        self._spent.append(fault)
                    return fault
        return None

    def check_call(self, action: str, body: str) -> None:
        """Raise the armed error if an ``action`` fault fires for this call (``body``: the request's text)."""
        fault = self._fire(lambda f: f.action == action and (f.match is None or f.match in body))
        if fault is not None:
            assert fault.error is not None
            raise AWSError(fault.error, fault.message or f"localaws fault: {action} refused", fault.status)

    def for_query(self, execution: Any) -> Fault | None:
        """The ``match`` fault this query meets, if any; a ``hold`` fault keeps the execution until cleared."""
        fault = self._fire(lambda f: f.action is None and f.match is not None and f.match in execution.query)
        if fault is not None and fault.hold:
            with self._lock:
                self._held.append(execution)
        return fault

    def unhold(self, execution_id: str) -> bool:
        """Drop a held query (it was cancelled); True if it was held."""
        with self._lock:
            for execution in self._held:
                if execution.id == execution_id:
                    self._held.remove(execution)
                    return True
        return False
