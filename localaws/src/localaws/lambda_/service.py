"""localaws Lambda: runs functions deployed with CreateFunction (zip) in child Python processes.

moto stays the registry; this service answers Invoke and InvokeAsync itself and, while it runs, stands in
for moto's Docker-based invoke (moto_patches.py), so logs subscriptions and S3 notifications run the
real handler too.

Settings (environment): LOCALAWS_LAMBDA_WARM=0 starts a fresh process per invocation;
LOCALAWS_LAMBDA_RETRY_DELAYS="0.2,0.5" are the seconds before async retries 1 and 2.
"""

from __future__ import annotations

import logging
import os
from collections import deque
from typing import Any

from werkzeug.wrappers import Request, Response

from localaws.lambda_ import api, hooks, moto_patches
from localaws.lambda_.invoker import Invoker
from localaws.lambda_.pool import WorkerPool
from localaws.lambda_.spec import FunctionSpec, InvokeResult
from localaws.lambda_.store import AsyncInvocations, Region
from localaws.service import DEFAULT_REGION, Context, Service, signed_service

log = logging.getLogger("localaws.lambda")

DEFAULT_RETRY_DELAYS = (0.2, 0.5)
STOP_DRAIN_SECONDS = 30.0


class LambdaService(Service):
    name = "lambda"

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.pool = WorkerPool(
            ctx.state_dir, ctx.endpoint, warm=os.environ.get("LOCALAWS_LAMBDA_WARM", "1") != "0"
        )
        delays = os.environ.get("LOCALAWS_LAMBDA_RETRY_DELAYS")
        retry_delays = tuple(float(d) for d in delays.split(",")) if delays else DEFAULT_RETRY_DELAYS
        self.invocations = AsyncInvocations()
        self.invoker = Invoker(self.pool, self.invocations, ctx.client, retry_delays)

    def claims(self, request: Request, service: str | None, action: str | None) -> bool:
        if request.path.startswith(hooks.PREFIX):
            return True
        return service == "lambda" and api.action(request) is not None

    def handle(self, request: Request) -> Response:
        if request.path.startswith(hooks.PREFIX):
            return hooks.handle(request, self.invocations)
        _, region = signed_service(request)
        handler = api.ACTIONS[api.action(request) or ""]
        return handler(Region(self.ctx.account_id, region or DEFAULT_REGION), request, self.invoker)

    def start(self) -> None:
        self.invoker.start()
        moto_patches.activate(self.invoker)

    def stop(self) -> None:
        # Objects Firehose still buffers would fire S3 notifications when flushed: deliver them while this
        # runtime still runs, so their functions are not lost to moto's Docker-less invoke.
        firehose = self.ctx.services.get("firehose")
        if firehose is not None and hasattr(firehose, "flush"):
            firehose.flush()
        if not self.wait_idle(STOP_DRAIN_SECONDS):
            log.error(
                "lambda: async invocations still running after %.0f s; stopping anyway", STOP_DRAIN_SECONDS
            )
        moto_patches.deactivate(self.invoker)
        self.invoker.stop()
        self.pool.stop()

    def health(self) -> dict[str, Any]:
        return {
            "status": "running",
            "warm": self.pool.warm,
            "warm_sandboxes": self.pool.idle_count(),
            "cold_starts": self.pool.cold_starts,
            "warm_starts": self.pool.warm_starts,
            "async_inflight": self.invocations.inflight,
        }

    # The Python face, for other localaws code, tests and benchmarks.
    @property
    def async_results(self) -> deque[dict[str, Any]]:
        return self.invocations.outcomes

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until no async invocation is queued or running (True), or ``timeout`` passes (False)."""
        return self.invocations.wait_idle(timeout)

    def invoke(
        self, spec: FunctionSpec, event: str, invoked_arn: str, request_id: str | None = None
    ) -> InvokeResult:
        return self.invoker.invoke(spec, event, invoked_arn, request_id)

    def invoke_async(self, spec: FunctionSpec, event: str, invoked_arn: str, source: str = "Invoke") -> str:
        return self.invoker.invoke_async(spec, event, invoked_arn, source)
