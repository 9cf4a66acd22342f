"""localaws CloudWatch: the alarm evaluator moto lacks. moto keeps alarms and datapoints (every CloudWatch
API call stays moto's); this service evaluates metric alarms, moves their state and notifies their SNS
actions, on a timer and on demand (hooks.py). The other services publish AWS's own metrics through
``localaws.cloudwatch.metrics``.

Settings (environment): LOCALAWS_CLOUDWATCH_EVALUATE_S (default 60, as CloudWatch evaluates every minute;
0 turns the timer off, leaving evaluation to the hook).
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from werkzeug.wrappers import Request, Response

from localaws.cloudwatch import hooks
from localaws.cloudwatch.evaluator import Evaluator
from localaws.service import Context, Service

log = logging.getLogger("localaws.cloudwatch")

DEFAULT_INTERVAL_S = 60.0


class CloudWatchService(Service):
    name = "cloudwatch"

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.evaluator = Evaluator(ctx.account_id, ctx.services, ctx.client)
        self.interval = float(os.environ.get("LOCALAWS_CLOUDWATCH_EVALUATE_S", DEFAULT_INTERVAL_S))
        self._stop = threading.Event()
        self._timer: threading.Thread | None = None
        self.evaluations = 0

    def claims(self, request: Request, service: str | None, action: str | None) -> bool:
        return request.path.startswith(hooks.PREFIX)

    def handle(self, request: Request) -> Response:
        return hooks.handle(request, self.evaluate)

    def start(self) -> None:
        if self.interval > 0:
            self._timer = threading.Thread(target=self._run, name="localaws-cloudwatch-alarms", daemon=True)
            self._timer.start()

    def stop(self) -> None:
        self._stop.set()
        if self._timer is not None:
            self._timer.join(timeout=10)

    def health(self) -> dict[str, Any]:
        return {"status": "running", "evaluate_every_s": self.interval, "evaluations": self.evaluations}

    # The Python face, for tests and the demo.
    def evaluate(self, region: str | None = None, prefix: str = "") -> dict[str, Any]:
        """Evaluate alarms now (see Evaluator.evaluate)."""
        self.evaluations += 1
        return self.evaluator.evaluate(region, prefix)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.evaluate()
            except Exception:  # a bad tick must not end the timer; the next one tries again
                log.exception("cloudwatch: alarm evaluation failed")
