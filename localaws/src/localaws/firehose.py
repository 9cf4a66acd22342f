"""localaws Firehose: PutRecord/PutRecordBatch with real buffering and compression for S3 destinations.

moto keeps the stream registry (CreateDeliveryStream, Describe..., UpdateDestination stay moto's); this
service answers the two put calls itself because moto writes one uncompressed object per call and
ignores BufferingHints. Here records are buffered per stream, concatenated byte for byte, delivered when
SizeInMBs is reached or IntervalInSeconds has passed since the oldest buffered record (a timer thread),
gzip-compressed when CompressionFormat is GZIP, and named as Firehose names objects.

Local-only endpoints (unsigned HTTP, for tests and the demo):
  POST   /_localaws/firehose/flush[?stream=NAME]   deliver buffered records now; answers what was written
  POST   /_localaws/firehose/faults                {"stream", "fail_rate", "throttle", "fail_calls", "seed"}
  GET    /_localaws/firehose/faults                the faults in force
  DELETE /_localaws/firehose/faults[?stream=NAME]  clear faults
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from werkzeug.wrappers import Request, Response

from localaws.firehose_delivery import Destination, encode, object_key, put_object, write_aside
from localaws.service import DEFAULT_REGION, AWSError, Context, Service, json_response, signed_service

log = logging.getLogger("localaws.firehose")

FLUSH_PATH = "/_localaws/firehose/flush"
FAULTS_PATH = "/_localaws/firehose/faults"

# Limits AWS enforces on the put calls (API reference of PutRecordBatch; they "cannot be changed").
MAX_BATCH_RECORDS = 500
MAX_RECORD_BYTES = 1_024_000  # 1,000 KiB before base64
MAX_REQUEST_BYTES = 4 * 1024 * 1024
RETRY_UNDELIVERED_SECONDS = 1.0


@dataclass
class _Buffer:
    dest: Destination
    records: list[bytes] = field(default_factory=list)
    size: int = 0
    oldest: float = 0.0

    def take(self) -> tuple[Destination, list[bytes], float]:
        batch = (self.dest, self.records, self.oldest)
        self.records, self.size, self.oldest = [], 0, 0.0
        return batch


@dataclass
class _Fault:
    fail_rate: float = 0.0
    throttle: bool = True
    fail_calls: int = 0
    seed: int | None = None
    rng: random.Random = field(default_factory=random.Random)

    def describe(self) -> dict[str, Any]:
        return {"fail_rate": self.fail_rate, "throttle": self.throttle, "fail_calls": self.fail_calls}


# moto's backends are process-wide, so the CloudWatch Logs -> Firehose hook goes to the newest running service.
_ACTIVE: list[FirehoseService] = []
_ACTIVE_LOCK = threading.Lock()
_ORIGINAL_SEND_LOG_EVENT: Any = None


class FirehoseService(Service):
    name = "firehose"

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self._cond = threading.Condition()
        self._buffers: dict[tuple[str, str], _Buffer] = {}
        self._undelivered: list[tuple[str, str, bytes, float]] = []  # bucket, key, body, first failure
        self._faults: dict[str, _Fault] = {}
        self._stopping = False
        self._timer: threading.Thread | None = None
        self.objects_delivered = 0

    # --- lifecycle ---------------------------------------------------------------------------------------
    def start(self) -> None:
        self._timer = threading.Thread(target=self._timer_loop, name="localaws-firehose-timer", daemon=True)
        self._timer.start()
        _activate(self)

    def stop(self) -> None:
        _deactivate(self)
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._timer is not None:
            self._timer.join(timeout=10)
        flushed = self.flush()
        if flushed:
            log.info("firehose: flushed %d object(s) on stop", len(flushed))
        self._retry_undelivered(force=True)
        for bucket, key, body, _ in self._undelivered:
            path = write_aside(self.ctx.state_dir, bucket, key, body)
            log.error("firehose: could not deliver s3://%s/%s; kept it at %s", bucket, key, path)
        self._undelivered.clear()

    def health(self) -> dict[str, Any]:
        with self._cond:
            return {
                "status": "running",
                "buffered_records": sum(len(b.records) for b in self._buffers.values()),
                "buffered_bytes": sum(b.size for b in self._buffers.values()),
                "objects_delivered": self.objects_delivered,
                "undelivered_objects": len(self._undelivered),
            }

    # --- routing -----------------------------------------------------------------------------------------
    def claims(self, request: Request, service: str | None, action: str | None) -> bool:
        if request.path in (FLUSH_PATH, FAULTS_PATH):
            return True
        return service == "firehose" and action in ("PutRecord", "PutRecordBatch")

    def handle(self, request: Request) -> Response:
        if request.path == FLUSH_PATH:
            return json_response(
                {"flushed": self.flush(request.args.get("stream"))}, content_type="application/json"
            )
        if request.path == FAULTS_PATH:
            return self._handle_faults(request)
        _, region = signed_service(request)
        try:
            body = json.loads(request.get_data() or b"{}")
        except ValueError as err:
            raise AWSError("SerializationException", f"request body is not JSON: {err}") from err
        name = body.get("DeliveryStreamName") or ""
        if request.headers["X-Amz-Target"].endswith(".PutRecord"):
            record = body.get("Record") or {}
            result = self.put_records(
                region or DEFAULT_REGION, name, [_decode(record.get("Data"), "record.data")]
            )
            entry = result["RequestResponses"][0]
            if "ErrorCode" in entry:
                raise AWSError(entry["ErrorCode"], entry["ErrorMessage"], 500)
            return json_response({"RecordId": entry["RecordId"], "Encrypted": result["Encrypted"]})
        raw = body.get("Records") or []
        if len(raw) > MAX_BATCH_RECORDS:
            raise AWSError(
                "ValidationException",
                "1 validation error detected: Value at 'records' failed to satisfy constraint: "
                f"Member must have length less than or equal to {MAX_BATCH_RECORDS} (got {len(raw)} records)",
            )
        records = [_decode(r.get("Data"), f"records.{i + 1}.member.data") for i, r in enumerate(raw)]
        return json_response(self.put_records(region or DEFAULT_REGION, name, records))

    # --- the put path ------------------------------------------------------------------------------------
    def put_records(self, region: str, name: str, records: list[bytes]) -> dict[str, Any]:
        """Buffer records for stream ``name``; answers PutRecordBatch's response shape."""
        too_big = [i for i, data in enumerate(records) if len(data) > MAX_RECORD_BYTES]
        if too_big:
            errors = "; ".join(
                f"Value at 'records.{i + 1}.member.data' failed to satisfy constraint: "
                f"Member must have length less than or equal to {MAX_RECORD_BYTES} (got {len(records[i])} bytes)"
                for i in too_big
            )
            count = len(too_big)
            raise AWSError(
                "ValidationException",
                f"{count} validation error{'s' if count > 1 else ''} detected: {errors}",
            )
        total = sum(len(data) for data in records)
        if total > MAX_REQUEST_BYTES:
            raise AWSError("InvalidArgumentException", f"Records size exceeds 4 MB limit (got {total} bytes)")
        stream = _moto_stream(self.ctx.account_id, region, name)
        encrypted = _encrypted(stream)
        dest = Destination.from_moto(stream)
        if dest is None:
            # Not an S3 destination: moto's own behaviour (HTTP endpoint POST, or accept-and-ignore) is kept.
            result = _moto_backend(self.ctx.account_id, region).put_record_batch(
                name, [{"Data": r} for r in records]
            )
            return {**result, "Encrypted": encrypted}
        failures = self._injected_failures(name, len(records))
        responses: list[dict[str, str]] = []
        due: list[tuple[Destination, list[bytes], float]] = []
        now = time.time()
        with self._cond:
            buffer = self._buffers.setdefault((region, name), _Buffer(dest))
            buffer.dest = dest  # an UpdateDestination applies from the next put on
            for i, data in enumerate(records):
                if i in failures:
                    responses.append(failures[i])
                    continue
                if not buffer.records:
                    buffer.oldest = now
                buffer.records.append(data)
                buffer.size += len(data)
                responses.append({"RecordId": _record_id()})
                if buffer.size >= dest.size_bytes:
                    due.append(buffer.take())
            if buffer.records:
                self._cond.notify_all()
        for batch in due:
            self._deliver(*batch)
        return {"FailedPutCount": len(failures), "Encrypted": encrypted, "RequestResponses": responses}

    # --- delivery ----------------------------------------------------------------------------------------
    def flush(self, stream: str | None = None) -> list[dict[str, Any]]:
        """Deliver every buffered record now (of one stream if named); returns what was written."""
        with self._cond:
            batches = [
                buffer.take()
                for (_, name), buffer in self._buffers.items()
                if buffer.records and (stream is None or name == stream)
            ]
        return [self._deliver(*batch) for batch in batches]

    def _deliver(self, dest: Destination, records: list[bytes], oldest: float) -> dict[str, Any]:
        key = object_key(dest, oldest)
        body = encode(dest, b"".join(records))
        info = {
            "stream": dest.stream,
            "bucket": dest.bucket,
            "key": key,
            "records": len(records),
            "bytes": len(body),
        }
        try:
            put_object(self.ctx.account_id, dest.bucket, key, body)
        except Exception as err:  # Firehose retries delivery; so do we, and never drop the data
            log.error(
                "firehose %s: delivery to s3://%s/%s failed (%s); will retry",
                dest.stream,
                dest.bucket,
                key,
                err,
            )
            with self._cond:
                self._undelivered.append((dest.bucket, key, body, time.time()))
            return {**info, "delivered": False, "error": f"{type(err).__name__}: {err}"}
        with self._cond:
            self.objects_delivered += 1
        log.debug("firehose %s: wrote s3://%s/%s (%d records)", dest.stream, dest.bucket, key, len(records))
        return {**info, "delivered": True}

    def _retry_undelivered(self, force: bool = False) -> None:
        with self._cond:
            now = time.time()
            ready = [u for u in self._undelivered if force or now - u[3] >= RETRY_UNDELIVERED_SECONDS]
            self._undelivered = [u for u in self._undelivered if not any(u is r for r in ready)]
        for bucket, key, body, _first in ready:
            try:
                put_object(self.ctx.account_id, bucket, key, body)
            except Exception:
                with self._cond:
                    self._undelivered.append((bucket, key, body, time.time()))
            else:
                with self._cond:
                    self.objects_delivered += 1
                log.info("firehose: delivered s3://%s/%s after retrying", bucket, key)

    def _timer_loop(self) -> None:
        while True:
            with self._cond:
                if self._stopping:
                    return
                now = time.time()
                due = [
                    b.take()
                    for b in self._buffers.values()
                    if b.records and b.oldest + b.dest.interval_seconds <= now
                ]
                if not due and not self._undelivered:
                    deadlines = [
                        b.oldest + b.dest.interval_seconds for b in self._buffers.values() if b.records
                    ]
                    self._cond.wait(timeout=min(deadlines) - now if deadlines else None)
                    continue
            for batch in due:
                self._deliver(*batch)
            if self._undelivered:
                self._retry_undelivered()
                with self._cond:
                    if not self._stopping:
                        self._cond.wait(timeout=RETRY_UNDELIVERED_SECONDS / 4)

    # --- fault injection ---------------------------------------------------------------------------------
    def set_fault(
        self,
        stream: str,
        fail_rate: float = 0.0,
        throttle: bool = True,
        fail_calls: int = 0,
        seed: int | None = None,
    ) -> None:
        """Make puts to ``stream`` fail: ``fail_rate`` of PutRecordBatch's records get an ErrorCode
        (ServiceUnavailableException "Slow down." when ``throttle``, else InternalFailure), and the next
        ``fail_calls`` put calls fail whole with ServiceUnavailableException."""
        if not 0.0 <= fail_rate <= 1.0:
            raise AWSError(
                "InvalidArgumentException", f"fail_rate must be between 0 and 1, not {fail_rate!r}"
            )
        with self._cond:
            if fail_rate == 0 and fail_calls == 0:
                self._faults.pop(stream, None)
            else:
                self._faults[stream] = _Fault(fail_rate, throttle, int(fail_calls), seed, random.Random(seed))

    def clear_faults(self, stream: str | None = None) -> None:
        with self._cond:
            if stream is None:
                self._faults.clear()
            else:
                self._faults.pop(stream, None)

    def _injected_failures(self, stream: str, count: int) -> dict[int, dict[str, str]]:
        with self._cond:
            fault = self._faults.get(stream)
            if fault is None:
                return {}
            if fault.fail_calls > 0:
                fault.fail_calls -= 1
                if fault.fail_calls == 0 and fault.fail_rate == 0:
                    del self._faults[stream]  # used up
                raise AWSError("ServiceUnavailableException", "Slow down.", 500)
            code, message = (
                ("ServiceUnavailableException", "Slow down.")
                if fault.throttle
                else ("InternalFailure", "Internal service failure.")
            )
            return {
                i: {"ErrorCode": code, "ErrorMessage": message}
                for i in range(count)
                if fault.rng.random() < fault.fail_rate
            }

    def _handle_faults(self, request: Request) -> Response:
        if request.method == "GET":
            with self._cond:
                return json_response(
                    {s: f.describe() for s, f in self._faults.items()}, content_type="application/json"
                )
        if request.method == "DELETE":
            self.clear_faults(request.args.get("stream"))
            return json_response(
                {"cleared": request.args.get("stream") or "all"}, content_type="application/json"
            )
        try:
            spec = json.loads(request.get_data() or b"{}")
            stream = spec["stream"]
        except (ValueError, KeyError, TypeError) as err:
            raise AWSError(
                "InvalidArgumentException", f'faults body must be JSON with "stream": {err}'
            ) from err
        self.set_fault(
            stream,
            fail_rate=float(spec.get("fail_rate", 0.0)),
            throttle=bool(spec.get("throttle", True)),
            fail_calls=int(spec.get("fail_calls", 0)),
            seed=spec.get("seed"),
        )
        return json_response({"stream": stream, **spec}, content_type="application/json")


def _decode(data: Any, where: str) -> bytes:
    if data is None:
        raise AWSError(
            "ValidationException", f"1 validation error detected: Value null at '{where}' must not be null"
        )
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, TypeError) as err:
        raise AWSError("SerializationException", f"{where} is not valid base64: {err}") from err


def _record_id() -> str:
    # Firehose record ids are opaque base64 strings of 224 characters.
    return base64.b64encode(os.urandom(168)).decode()


def _moto_backend(account_id: str, region: str) -> Any:
    from moto.firehose.models import firehose_backends

    return firehose_backends[account_id][region]


def _moto_stream(account_id: str, region: str, name: str) -> Any:
    stream = _moto_backend(account_id, region).delivery_streams.get(name)
    if stream is None:
        raise AWSError("ResourceNotFoundException", f"Firehose {name} under account {account_id} not found.")
    return stream


def _encrypted(stream: Any) -> bool:
    config = stream.delivery_stream_encryption_configuration or {}
    return bool(config) and config.get("Status", "ENABLED") == "ENABLED"


# --- CloudWatch Logs subscription with a Firehose destination ------------------------------------------------
def _send_log_event(
    backend: Any,
    delivery_stream_arn: str,
    filter_name: str,
    log_group_name: str,
    log_stream_name: str,
    log_events: list[dict[str, Any]],
) -> None:
    """CloudWatch Logs delivers one gzip'd DATA_MESSAGE per put as a record; Firehose buffers it like any."""
    import gzip

    with _ACTIVE_LOCK:
        service = _ACTIVE[-1] if _ACTIVE else None
    if service is None:
        return _ORIGINAL_SEND_LOG_EVENT(
            backend, delivery_stream_arn, filter_name, log_group_name, log_stream_name, log_events
        )
    envelope = {
        "messageType": "DATA_MESSAGE",
        "owner": backend.account_id,
        "logGroup": log_group_name,
        "logStream": log_stream_name,
        "subscriptionFilters": [filter_name],
        "logEvents": log_events,
    }
    record = gzip.compress(json.dumps(envelope, separators=(",", ":")).encode())
    stream = delivery_stream_arn.rsplit("/", 1)[-1]
    try:
        service.put_records(backend.region_name, stream, [record])
    except AWSError as err:  # CloudWatch Logs accepted the events; a failed delivery must not fail that call
        log.error("firehose: logs subscription %s could not deliver to %s: %s", filter_name, stream, err)


def _activate(service: FirehoseService) -> None:
    global _ORIGINAL_SEND_LOG_EVENT
    from moto.firehose.models import FirehoseBackend

    with _ACTIVE_LOCK:
        if _ORIGINAL_SEND_LOG_EVENT is None:
            _ORIGINAL_SEND_LOG_EVENT = FirehoseBackend.send_log_event
            FirehoseBackend.send_log_event = _send_log_event
        _ACTIVE.append(service)


def _deactivate(service: FirehoseService) -> None:
    global _ORIGINAL_SEND_LOG_EVENT
    from moto.firehose.models import FirehoseBackend

    with _ACTIVE_LOCK:
        if service in _ACTIVE:
            _ACTIVE.remove(service)
        if not _ACTIVE and _ORIGINAL_SEND_LOG_EVENT is not None:
            FirehoseBackend.send_log_event = _ORIGINAL_SEND_LOG_EVENT
            _ORIGINAL_SEND_LOG_EVENT = None
