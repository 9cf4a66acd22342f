"""Event and record shapes the local Lambda runtime produces as AWS does: S3 notifications, async results."""

from __future__ import annotations

import base64
import itertools
import json
import os
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus

_sequence = itertools.count()


def s3_event_record(moto_record: dict[str, Any], key: Any) -> dict[str, Any]:
    """Complete moto's S3 notification record to the fields and order S3 sends.

    moto omits userIdentity, requestParameters, responseElements, bucket.ownerIdentity, versionId and
    sequencer, and encodes "/" in the key. S3 encodes keys form-style (space -> "+", UTF-8 -> %XX) but keeps
    "/" as is, which ``unquote_plus`` reverses either way.
    """
    s3 = moto_record["s3"]
    obj: dict[str, Any] = {
        "key": quote_plus(key.name, safe="/"),
        "size": key.size,
        "eTag": s3["object"]["eTag"],
    }
    if getattr(key, "version_id", None) not in (None, "null"):
        obj["versionId"] = key.version_id
    # Sequencers only grow, per key as on S3 (hex; compared as strings of equal length).
    obj["sequencer"] = f"{time.time_ns() // 1000:014X}{next(_sequence) & 0xFFFF:04X}"
    return {
        "eventVersion": moto_record["eventVersion"],
        "eventSource": "aws:s3",
        "awsRegion": moto_record["awsRegion"],
        "eventTime": moto_record["eventTime"],
        "eventName": moto_record["eventName"],
        "userIdentity": {"principalId": "AWS:AIDALOCALAWSEXAMPLE"},
        "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": {
            "x-amz-request-id": os.urandom(8).hex().upper(),
            "x-amz-id-2": base64.b64encode(os.urandom(48)).decode(),
        },
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": s3.get("configurationId"),
            "bucket": {
                "name": s3["bucket"]["name"],
                "ownerIdentity": {"principalId": "LOCALAWSOWNER"},
                "arn": s3["bucket"]["arn"],
            },
            "object": obj,
        },
    }


def destination_record(
    *,
    request_id: str,
    function_arn: str,
    version: str,
    event: str,
    payload: bytes,
    function_error: str | None,
    attempts: int,
    condition: str | None = None,
) -> dict[str, Any]:
    """The invocation record Lambda sends to an async invocation's OnSuccess/OnFailure destination;
    ``condition`` is why a failed one was given up: RetriesExhausted (default) or EventAgeExceeded."""
    response_context: dict[str, Any] = {"statusCode": 200, "executedVersion": version}
    if function_error:
        response_context["functionError"] = function_error
    return {
        "version": "1.0",
        "timestamp": datetime.now(tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "requestContext": {
            "requestId": request_id,
            "functionArn": f"{function_arn}:{version}",
            "condition": (condition or "RetriesExhausted") if function_error else "Success",
            "approximateInvokeCount": attempts,
        },
        "requestPayload": _json_or_text(event),
        "responseContext": response_context,
        "responsePayload": _json_or_text(payload.decode("utf-8", "replace")),
    }


def _json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text
