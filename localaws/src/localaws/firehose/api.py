"""Firehose's put actions (``X-Amz-Target: Firehose_20150804.<Action>``): limits, decoding, answers.

moto writes one uncompressed object per call and ignores BufferingHints, so localaws answers the two put
calls itself; a handler gets its region's store and hands back the batches that are due for delivery.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Callable
from typing import Any

from localaws.firehose.destination import Destination
from localaws.firehose.errors import invalid_argument, record_failed, serialization, validation
from localaws.firehose.store import Batch, Region

# Limits AWS enforces on the put calls (API reference of PutRecordBatch; they "cannot be changed").
MAX_BATCH_RECORDS = 500
MAX_RECORD_BYTES = 1_024_000  # 1,000 KiB before base64
MAX_REQUEST_BYTES = 4 * 1024 * 1024

# (stream, record count) -> the failed entries by position; may raise to fail the whole call.
Failures = Callable[[str, int], dict[int, dict[str, str]]]


def parse(data: bytes) -> dict[str, Any]:
    try:
        return json.loads(data or b"{}")
    except ValueError as err:
        raise serialization(f"request body is not JSON: {err}") from err


def PutRecord(region: Region, body: dict[str, Any], failures: Failures) -> tuple[dict[str, Any], list[Batch]]:
    record = body.get("Record") or {}
    data = _decode(record.get("Data"), "record.data")
    result, due = put_records(region, body.get("DeliveryStreamName") or "", [data], failures)
    entry = result["RequestResponses"][0]
    if "ErrorCode" in entry:
        raise record_failed(entry["ErrorCode"], entry["ErrorMessage"])
    return {"RecordId": entry["RecordId"], "Encrypted": result["Encrypted"]}, due


def PutRecordBatch(
    region: Region, body: dict[str, Any], failures: Failures
) -> tuple[dict[str, Any], list[Batch]]:
    raw = body.get("Records") or []
    if len(raw) > MAX_BATCH_RECORDS:
        raise validation(
            "Value at 'records' failed to satisfy constraint: "
            f"Member must have length less than or equal to {MAX_BATCH_RECORDS} (got {len(raw)} records)"
        )
    records = [_decode(r.get("Data"), f"records.{i + 1}.member.data") for i, r in enumerate(raw)]
    return put_records(region, body.get("DeliveryStreamName") or "", records, failures)


ACTIONS = {"PutRecord": PutRecord, "PutRecordBatch": PutRecordBatch}


def put_records(
    region: Region, name: str, records: list[bytes], failures: Failures
) -> tuple[dict[str, Any], list[Batch]]:
    """Buffer records for stream ``name``: PutRecordBatch's answer, and the batches due for delivery."""
    too_big = [i for i, data in enumerate(records) if len(data) > MAX_RECORD_BYTES]
    if too_big:
        raise validation(
            *(
                f"Value at 'records.{i + 1}.member.data' failed to satisfy constraint: "
                f"Member must have length less than or equal to {MAX_RECORD_BYTES} (got {len(records[i])} bytes)"
                for i in too_big
            )
        )
    total = sum(len(data) for data in records)
    if total > MAX_REQUEST_BYTES:
        raise invalid_argument(f"Records size exceeds 4 MB limit (got {total} bytes)")
    stream = region.stream(name)
    encrypted = _encrypted(stream)
    dest = Destination.from_moto(stream)
    if dest is None:
        # Not an S3 destination: moto's own behaviour (HTTP endpoint POST, or accept-and-ignore) is kept.
        result = region.moto_backend().put_record_batch(name, [{"Data": r} for r in records])
        return {**result, "Encrypted": encrypted}, []
    failed = failures(name, len(records))
    due = region.buffer(name, dest, records, skip=set(failed))
    responses = [failed[i] if i in failed else {"RecordId": _record_id()} for i in range(len(records))]
    return {"FailedPutCount": len(failed), "Encrypted": encrypted, "RequestResponses": responses}, due


def _decode(data: Any, where: str) -> bytes:
    if data is None:
        raise validation(f"Value null at '{where}' must not be null")
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, TypeError) as err:
        raise serialization(f"{where} is not valid base64: {err}") from err


def _record_id() -> str:
    # Firehose record ids are opaque base64 strings of 224 characters.
    return base64.b64encode(os.urandom(168)).decode()


def _encrypted(stream: Any) -> bool:
    config = stream.delivery_stream_encryption_configuration or {}
    return bool(config) and config.get("Status", "ENABLED") == "ENABLED"
