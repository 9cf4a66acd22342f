"""What the Lambda runtime reads and keeps.

Functions stay in moto's registry (CreateFunction, GetFunction, PutFunctionEventInvokeConfig, ... are
moto's), per account and region: a ``Region`` looks them up there. The runtime itself keeps the outcomes
of asynchronous invocations and how many are still queued or running.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

from localaws.lambda_.errors import function_not_found
from localaws.lambda_.spec import FunctionSpec

KEEP_OUTCOMES = 500


class Region:
    def __init__(self, account_id: str, name: str):
        self.account_id = account_id
        self.name = name

    def function(self, name: str, qualifier: str | None) -> tuple[FunctionSpec, str]:
        """The function ``name`` (a name or an ARN, which names its account) and the ARN it was invoked by."""
        from moto.awslambda.exceptions import UnknownFunctionException
        from moto.awslambda.utils import get_backend

        account = name.split(":")[4] if name.startswith("arn:") else self.account_id
        try:
            fn = get_backend(account, self.name).get_function(name, qualifier)
        except UnknownFunctionException as err:
            raise function_not_found(err.message) from err
        spec = FunctionSpec.from_moto(fn)
        invoked = f"{spec.arn}:{qualifier}" if qualifier else spec.arn
        return spec, invoked


def event_invoke_config(spec: FunctionSpec) -> dict[str, Any]:
    """The function's EventInvokeConfig (retries, destinations), or {} when it has none."""
    from moto.awslambda.utils import get_backend

    try:
        fn = get_backend(spec.account_id, spec.region).get_function(spec.name)
    except Exception:
        return {}
    return dict(fn.event_invoke_config[0].config) if fn.event_invoke_config else {}


class AsyncInvocations:
    """Outcomes of the latest asynchronous invocations (newest last), and a count of those in flight."""

    def __init__(self) -> None:
        self.outcomes: deque[dict[str, Any]] = deque(maxlen=KEEP_OUTCOMES)
        self.inflight = 0
        self._idle = threading.Condition()

    def begin(self) -> None:
        with self._idle:
            self.inflight += 1

    def end(self) -> None:
        with self._idle:
            self.inflight -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Block until none is queued or running (True), or ``timeout`` passes (False)."""
        with self._idle:
            return self._idle.wait_for(lambda: self.inflight == 0, timeout=timeout)
