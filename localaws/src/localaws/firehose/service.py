"""localaws Firehose: PutRecord/PutRecordBatch with real buffering and compression for S3 destinations.

Records are buffered per stream, concatenated byte for byte, delivered when SizeInMBs is reached or
IntervalInSeconds has passed since the oldest buffered record (a timer thread), gzip-compressed when
CompressionFormat is GZIP, and named as Firehose names objects. The rest of the API stays moto's.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from werkzeug.wrappers import Request, Response

from localaws.firehose import api, hooks, logs_subscription
from localaws.firehose.delivery import Delivery
from localaws.firehose.faults import Faults
from localaws.firehose.store import Batch, Store
from localaws.service import DEFAULT_REGION, Context, Service, json_response, signed_service, target_action

log = logging.getLogger("localaws.firehose")


class FirehoseService(Service):
    name = "firehose"

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.store = Store(ctx.account_id)
        self.delivery = Delivery(self.store, ctx.state_dir)
        self.faults = Faults()
        self._timer: threading.Thread | None = None

    def claims(self, request: Request, service: str | None, action: str | None) -> bool:
        if request.path in hooks.PATHS:
            return True
        return service == "firehose" and action in api.ACTIONS

    def handle(self, request: Request) -> Response:
        if request.path == hooks.FLUSH_PATH:
            return hooks.flush(request, self.flush)
        if request.path == hooks.FAULTS_PATH:
            return hooks.faults(request, self.faults)
        _, region = signed_service(request)
        body = api.parse(request.get_data())
        handler = api.ACTIONS[target_action(request) or ""]
        answer, due = handler(self.store.region(region or DEFAULT_REGION), body, self._injected_failures)
        self._deliver(due)
        return json_response(answer)

    def start(self) -> None:
        self._timer = threading.Thread(
            target=self.delivery.run_timer, name="localaws-firehose-timer", daemon=True
        )
        self._timer.start()
        logs_subscription.activate(self)

    def stop(self) -> None:
        logs_subscription.deactivate(self)
        with self.store.cond:
            self.store.stopping = True
            self.store.cond.notify_all()
        if self._timer is not None:
            self._timer.join(timeout=10)
        flushed = self.flush()
        if flushed:
            log.info("firehose: flushed %d object(s) on stop", len(flushed))
        self.delivery.retry(force=True)
        self.delivery.keep_aside()

    def health(self) -> dict[str, Any]:
        return {"status": "running", **self.store.stats()}

    # The Python face, for other localaws code, tests and benchmarks.
    @property
    def objects_delivered(self) -> int:
        return self.store.objects_delivered

    def put_records(self, region: str, name: str, records: list[bytes]) -> dict[str, Any]:
        """Buffer records for stream ``name`` as PutRecordBatch does; answers its response shape."""
        answer, due = api.put_records(self.store.region(region), name, records, self._injected_failures)
        self._deliver(due)
        return answer

    def data_freshness(self, region: str) -> dict[str, float]:
        """DeliveryToS3.DataFreshness now, per stream of ``region`` holding records not yet in S3."""
        return self.store.freshness(region, time.time())

    def flush(self, stream: str | None = None) -> list[dict[str, Any]]:
        """Deliver every buffered record now (of one stream if named); returns what was written."""
        return self._deliver(self.store.take(stream))

    def set_fault(
        self,
        stream: str,
        fail_rate: float = 0.0,
        throttle: bool = True,
        fail_calls: int = 0,
        seed: int | None = None,
    ) -> None:
        """Make puts to ``stream`` fail (faults.py says how)."""
        self.faults.set(stream, fail_rate, throttle, fail_calls, seed)

    def clear_faults(self, stream: str | None = None) -> None:
        self.faults.clear(stream)

    def _injected_failures(self, stream: str, count: int) -> dict[int, dict[str, str]]:
        # Looked up on the instance at every put, so a test may wrap it to fail calls of its choosing.
        return self.faults.injected(stream, count)

    def _deliver(self, batches: list[Batch]) -> list[dict[str, Any]]:
        return [self.delivery.deliver(batch) for batch in batches]
