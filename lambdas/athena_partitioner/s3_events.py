"""The objects an S3 notification event reports as created."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote_plus


class EventError(ValueError):
    """An event that is not an S3 notification as documented."""


@dataclass(frozen=True)
class CreatedObject:
    bucket: str
    key: str  # URL-decoded


def is_test_event(event: object) -> bool:
    """S3 sends ``{"Event": "s3:TestEvent", ...}`` once when a notification is configured."""
    return isinstance(event, dict) and event.get("Event") == "s3:TestEvent"


def created_objects(event: object) -> list[CreatedObject]:
    """Every ObjectCreated record's bucket and decoded key, in order (duplicates kept; others skipped).

    Keys arrive URL-encoded the way ``quote_plus`` encodes them ('+' for a space), hence ``unquote_plus``.
    """
    records = event.get("Records") if isinstance(event, dict) else None
    if not isinstance(records, list):
        keys = sorted(event) if isinstance(event, dict) else type(event).__name__
        raise EventError(f"event is not an S3 notification: no Records list (got {keys})")
    objects = []
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            raise EventError(f"Records[{index}] is a {type(record).__name__}, not an object")
        if record.get("eventSource") != "aws:s3" or not str(record.get("eventName", "")).startswith(
            "ObjectCreated:"
        ):
            continue
        try:
            bucket = record["s3"]["bucket"]["name"]
            key = record["s3"]["object"]["key"]
        except (KeyError, TypeError):
            raise EventError(
                f"Records[{index}] ({record.get('eventName')}) has no s3.bucket.name / s3.object.key"
            ) from None
        if not isinstance(bucket, str) or not isinstance(key, str):
            raise EventError(f"Records[{index}]: bucket name and object key must be strings")
        objects.append(CreatedObject(bucket, unquote_plus(key)))
    return objects
