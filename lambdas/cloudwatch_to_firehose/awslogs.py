"""Decode a CloudWatch Logs subscription event: ``{"awslogs": {"data": base64(gzip(JSON))}}``."""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from dataclasses import dataclass

DATA_MESSAGE = "DATA_MESSAGE"
CONTROL_MESSAGE = "CONTROL_MESSAGE"


class PayloadError(ValueError):
    """The event is not a well-formed CloudWatch Logs subscription payload; the message says where and why."""


@dataclass(frozen=True)
class LogsData:
    """The decoded envelope; ``messages`` are the logEvents' messages in order."""

    message_type: str
    log_group: str | None
    log_stream: str | None
    owner: str | None
    messages: list[str]

    @property
    def source(self) -> str:
        return describe_source(self.log_group, self.log_stream)


def describe_source(log_group: str | None, log_stream: str | None) -> str:
    if log_group is None and log_stream is None:
        return "CloudWatch Logs payload (log group and stream unknown)"
    return f"log group {log_group!r}, stream {log_stream!r}"


def decode(event: object) -> LogsData:
    """The envelope inside one subscription event. Raises PayloadError naming the problem (and the log
    group and stream once they are known)."""
    data = event.get("awslogs", {}).get("data") if isinstance(event, dict) else None
    if not isinstance(data, str | bytes):
        keys = sorted(event) if isinstance(event, dict) else type(event).__name__
        raise PayloadError(f"event is not a CloudWatch Logs subscription event: no awslogs.data (got {keys})")
    try:
        compressed = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise PayloadError(f"{describe_source(None, None)}: awslogs.data is not base64: {exc}") from None
    try:
        # wbits=31: gzip header and trailer, as CloudWatch Logs writes them.
        raw = zlib.decompress(compressed, wbits=31)
    except zlib.error as exc:
        raise PayloadError(f"{describe_source(None, None)}: awslogs.data is not gzip: {exc}") from None
    # Each intermediate is freed as soon as the next exists: with ~1 MB buffers, memory handed back early is
    # reused at once instead of being mapped afresh (measurably faster, and a lower peak).
    del compressed
    try:
        envelope = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise PayloadError(
            f"{describe_source(None, None)}: decompressed awslogs.data is not JSON: {exc}"
        ) from None
    del raw
    if not isinstance(envelope, dict):
        raise PayloadError(
            f"{describe_source(None, None)}: decoded payload is a JSON {type(envelope).__name__}, not an object"
        )
    return _parse_envelope(envelope)


def _parse_envelope(envelope: dict) -> LogsData:
    group, stream = envelope.get("logGroup"), envelope.get("logStream")
    where = describe_source(
        group if isinstance(group, str) else None, stream if isinstance(stream, str) else None
    )
    message_type = envelope.get("messageType")
    if message_type not in (DATA_MESSAGE, CONTROL_MESSAGE):
        raise PayloadError(
            f"{where}: messageType is {message_type!r}, expected DATA_MESSAGE or CONTROL_MESSAGE"
        )
    events = envelope.get("logEvents", [])
    if not isinstance(events, list):
        raise PayloadError(f"{where}: logEvents is a {type(events).__name__}, expected a list")
    if message_type == DATA_MESSAGE and not (isinstance(group, str) and isinstance(stream, str)):
        raise PayloadError(f"{where}: a DATA_MESSAGE needs string logGroup and logStream")
    try:
        messages = [event["message"] for event in events]
    except (KeyError, TypeError):
        index = next(i for i, e in enumerate(events) if not isinstance(e, dict) or "message" not in e)
        raise PayloadError(f"{where}: logEvents[{index}] has no message") from None
    return LogsData(message_type, group, stream, envelope.get("owner"), messages)
