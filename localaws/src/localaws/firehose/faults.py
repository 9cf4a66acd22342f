"""Faults injected into the put calls, per stream, for tests of what a producer does when Firehose fails.

A fault makes ``fail_rate`` of PutRecordBatch's records come back with an ErrorCode (ServiceUnavailable
"Slow down." when ``throttle``, else InternalFailure), and the next ``fail_calls`` put calls fail whole.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Any

from localaws.firehose.errors import INTERNAL, THROTTLED, invalid_argument, slow_down


@dataclass
class Fault:
    fail_rate: float = 0.0
    throttle: bool = True
    fail_calls: int = 0
    seed: int | None = None
    rng: random.Random = field(default_factory=random.Random)

    def describe(self) -> dict[str, Any]:
        return {"fail_rate": self.fail_rate, "throttle": self.throttle, "fail_calls": self.fail_calls}


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_stream: dict[str, Fault] = {}

    def set(
        self,
        stream: str,
        fail_rate: float = 0.0,
        throttle: bool = True,
        fail_calls: int = 0,
        seed: int | None = None,
    ) -> None:
        if not 0.0 <= fail_rate <= 1.0:
            raise invalid_argument(f"fail_rate must be between 0 and 1, not {fail_rate!r}")
        with self._lock:
            if fail_rate == 0 and fail_calls == 0:
                self._by_stream.pop(stream, None)
            else:
                self._by_stream[stream] = Fault(
                    fail_rate, throttle, int(fail_calls), seed, random.Random(seed)
                )

    def clear(self, stream: str | None = None) -> None:
        with self._lock:
            if stream is None:
                self._by_stream.clear()
            else:
                self._by_stream.pop(stream, None)

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return {s: f.describe() for s, f in self._by_stream.items()}

    def injected(self, stream: str, count: int) -> dict[int, dict[str, str]]:
        """The failed entries (by position) of a put of ``count`` records; raises when the whole call fails."""
        with self._lock:
            fault = self._by_stream.get(stream)
            if fault is None:
                return {}
            if fault.fail_calls > 0:
                fault.fail_calls -= 1
                if fault.fail_calls == 0 and fault.fail_rate == 0:
                    del self._by_stream[stream]  # used up
                raise slow_down()
            code, message = THROTTLED if fault.throttle else INTERNAL
            return {
                i: {"ErrorCode": code, "ErrorMessage": message}
                for i in range(count)
                if fault.rng.random() < fault.fail_rate
            }
