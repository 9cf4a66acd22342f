"""CloudWatch Logs subscriptions with a Firehose destination, delivered through localaws's buffers.

moto calls ``FirehoseBackend.send_log_event`` for each put_log_events that a subscription filter matches;
while a FirehoseService runs, that call buffers the envelope like any record. moto's backends are
process-wide, so the hook goes to the newest running service (tests may start a second LocalAWS for a
while) and is removed when the last one stops.
"""

from __future__ import annotations

import gzip
import json
import logging
import threading
from typing import Any, Protocol

from localaws.service import AWSError

log = logging.getLogger("localaws.firehose")


class Puts(Protocol):
    def put_records(self, region: str, name: str, records: list[bytes]) -> dict[str, Any]: ...


_ACTIVE: list[Puts] = []
_ACTIVE_LOCK = threading.Lock()
_ORIGINAL_SEND_LOG_EVENT: Any = None


def _send_log_event(
    backend: Any,
    delivery_stream_arn: str,
    filter_name: str,
    log_group_name: str,
    log_stream_name: str,
    log_events: list[dict[str, Any]],
) -> None:
    """CloudWatch Logs delivers one gzip'd DATA_MESSAGE per put as a record; Firehose buffers it like any."""
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


def activate(service: Puts) -> None:
    global _ORIGINAL_SEND_LOG_EVENT
    from moto.firehose.models import FirehoseBackend

    with _ACTIVE_LOCK:
        if _ORIGINAL_SEND_LOG_EVENT is None:
            _ORIGINAL_SEND_LOG_EVENT = FirehoseBackend.send_log_event
            FirehoseBackend.send_log_event = _send_log_event
        _ACTIVE.append(service)


def deactivate(service: Puts) -> None:
    global _ORIGINAL_SEND_LOG_EVENT
    from moto.firehose.models import FirehoseBackend

    with _ACTIVE_LOCK:
        if service in _ACTIVE:
            _ACTIVE.remove(service)
        if not _ACTIVE and _ORIGINAL_SEND_LOG_EVENT is not None:
            FirehoseBackend.send_log_event = _ORIGINAL_SEND_LOG_EVENT
            _ORIGINAL_SEND_LOG_EVENT = None
