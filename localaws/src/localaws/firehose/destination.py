"""How Firehose turns a buffer of records into one S3 object: the destination, key layout, compression.

Pure rules, kept apart from the buffering and the writing so they can be read and tested alone.
"""

from __future__ import annotations

import gzip
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger("localaws.firehose")

MIB = 1024 * 1024
# Firehose's defaults for an S3 destination when BufferingHints are not given.
DEFAULT_SIZE_MB = 5
DEFAULT_INTERVAL_SECONDS = 300

# CompressionFormat -> object suffix. Formats Python cannot write without new dependencies are delivered
# uncompressed (with a warning) rather than refused, so a stream created for AWS still works locally.
SUFFIXES = {"UNCOMPRESSED": "", "GZIP": ".gz"}

_TIMESTAMP_EXPR = re.compile(r"!\{timestamp:([^}]*)\}")
_RANDOM_EXPR = re.compile(r"!\{firehose:random-string\}")
# Java DateTimeFormatter letters Firehose documents for custom prefixes -> strftime.
_JAVA_TO_STRFTIME = (("yyyy", "%Y"), ("MM", "%m"), ("dd", "%d"), ("HH", "%H"), ("mm", "%M"), ("ss", "%S"))


@dataclass(frozen=True)
class Destination:
    """What delivery needs from a stream's ExtendedS3/S3 destination description (read from moto)."""

    stream: str
    version: str
    bucket: str
    prefix: str
    compression: str
    size_bytes: int
    interval_seconds: float
    file_extension: str | None = None

    @classmethod
    def from_moto(cls, stream: Any) -> Destination | None:
        """The S3 destination of a moto DeliveryStream, or None if it delivers elsewhere."""
        for destination in stream.destinations:
            config = destination.get("ExtendedS3") or destination.get("S3")
            if config:
                hints = config.get("BufferingHints") or {}
                return cls(
                    stream=stream.delivery_stream_name,
                    version=str(stream.version_id),
                    bucket=config["BucketARN"].split(":::", 1)[-1],
                    prefix=config.get("Prefix") or "",
                    compression=(config.get("CompressionFormat") or "UNCOMPRESSED").upper(),
                    size_bytes=int(hints.get("SizeInMBs", DEFAULT_SIZE_MB)) * MIB,
                    interval_seconds=float(hints.get("IntervalInSeconds", DEFAULT_INTERVAL_SECONDS)),
                    file_extension=config.get("FileExtension"),
                )
        return None


def object_key(dest: Destination, oldest_arrival: float) -> str:
    """``{Prefix}YYYY/MM/DD/HH/{stream}-{version}-{YYYY-MM-DD-HH-MM-SS}-{uuid4}{suffix}`` in UTC.

    The time is the arrival of the oldest record in the buffer, as Firehose stamps it. A prefix with
    ``!{timestamp:...}`` expressions replaces the default ``YYYY/MM/DD/HH/`` part, as on AWS.
    """
    when = datetime.fromtimestamp(oldest_arrival, tz=UTC)
    prefix = dest.prefix
    if _TIMESTAMP_EXPR.search(prefix):
        prefix = _TIMESTAMP_EXPR.sub(lambda m: when.strftime(_java_pattern(m.group(1))), prefix)
        prefix = _RANDOM_EXPR.sub(lambda _: uuid.uuid4().hex[:11], prefix)
    else:
        prefix = _RANDOM_EXPR.sub(lambda _: uuid.uuid4().hex[:11], prefix) + when.strftime("%Y/%m/%d/%H/")
    suffix = dest.file_extension if dest.file_extension is not None else SUFFIXES.get(dest.compression, "")
    return f"{prefix}{dest.stream}-{dest.version}-{when.strftime('%Y-%m-%d-%H-%M-%S')}-{uuid.uuid4()}{suffix}"


def _java_pattern(pattern: str) -> str:
    for java, strftime in _JAVA_TO_STRFTIME:
        pattern = pattern.replace(java, strftime)
    return pattern


_warned: set[str] = set()


def encode(dest: Destination, data: bytes) -> bytes:
    if dest.compression == "GZIP":
        return gzip.compress(data, compresslevel=6)
    if dest.compression != "UNCOMPRESSED" and dest.compression not in _warned:
        _warned.add(dest.compression)
        log.warning(
            "firehose: CompressionFormat %s is not emulated; delivering uncompressed", dest.compression
        )
    return data
