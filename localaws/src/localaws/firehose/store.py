"""What localaws Firehose keeps: the records buffered per stream and the objects not delivered yet.

moto keeps the stream registry (CreateDeliveryStream, UpdateDestination, ... stay moto's), per account and
region; a ``Region`` reads its streams there. All buffers share one condition, which the flush timer waits
on, so a put that starts a buffer wakes the timer.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from localaws.firehose.destination import Destination
from localaws.firehose.errors import stream_not_found


class Batch(NamedTuple):
    """A buffer's content, taken for delivery: the records and the arrival time of the oldest one."""

    dest: Destination
    records: list[bytes]
    oldest: float


class Undelivered(NamedTuple):
    bucket: str
    key: str
    body: bytes
    since: float  # the last failed attempt
    stream: str = ""
    oldest: float = 0.0  # arrival of the object's oldest record, for DataFreshness


@dataclass
class Buffer:
    dest: Destination
    records: list[bytes] = field(default_factory=list)
    size: int = 0
    oldest: float = 0.0

    def take(self) -> Batch:
        batch = Batch(self.dest, self.records, self.oldest)
        self.records, self.size, self.oldest = [], 0, 0.0
        return batch

    @property
    def deadline(self) -> float:
        return self.oldest + self.dest.interval_seconds


class Store:
    """Every region's buffers (keyed by region and stream, in the order they were first used)."""

    def __init__(self, account_id: str):
        self.account_id = account_id
        self.cond = threading.Condition()
        self.buffers: dict[tuple[str, str], Buffer] = {}
        self.undelivered: list[Undelivered] = []
        self.objects_delivered = 0
        self.stopping = False

    def region(self, name: str) -> Region:
        return Region(self, name)

    def take(self, stream: str | None = None) -> list[Batch]:
        """Empty every buffer that holds records (of one stream if named)."""
        with self.cond:
            return [
                buffer.take()
                for (_, name), buffer in self.buffers.items()
                if buffer.records and (stream is None or name == stream)
            ]

    def take_due(self, now: float) -> list[Batch]:
        """The buffers whose interval has passed since their oldest record; the caller holds ``cond``."""
        return [b.take() for b in self.buffers.values() if b.records and b.deadline <= now]

    def next_deadline(self) -> float | None:
        """When the next buffer falls due, or None when nothing is buffered; the caller holds ``cond``."""
        deadlines = [b.deadline for b in self.buffers.values() if b.records]
        return min(deadlines) if deadlines else None

    def freshness(self, region: str, now: float) -> dict[str, float]:
        """Seconds since the oldest record not yet in S3 arrived, per stream of ``region`` with one pending:
        Firehose's DeliveryToS3.DataFreshness. Objects still being retried are matched by stream name only
        (they do not record their region)."""
        ages: dict[str, float] = {}
        with self.cond:
            for (buffer_region, name), buffer in self.buffers.items():
                if buffer.records and buffer_region == region:
                    ages[name] = now - buffer.oldest
            for pending in self.undelivered:
                if pending.stream and pending.oldest and (region, pending.stream) in self.buffers:
                    ages[pending.stream] = max(ages.get(pending.stream, 0.0), now - pending.oldest)
        return ages

    def stats(self) -> dict[str, Any]:
        with self.cond:
            return {
                "buffered_records": sum(len(b.records) for b in self.buffers.values()),
                "buffered_bytes": sum(b.size for b in self.buffers.values()),
                "objects_delivered": self.objects_delivered,
                "undelivered_objects": len(self.undelivered),
            }


class Region:
    """One account and region: its delivery streams (moto's registry) and the records buffered for them."""

    def __init__(self, store: Store, name: str):
        self.store = store
        self.account_id = store.account_id
        self.name = name

    def moto_backend(self) -> Any:
        from moto.firehose.models import firehose_backends

        return firehose_backends[self.account_id][self.name]

    def stream(self, name: str) -> Any:
        stream = self.moto_backend().delivery_streams.get(name)
        if stream is None:
            raise stream_not_found(name, self.account_id)
        return stream

    def buffer(self, name: str, dest: Destination, records: list[bytes], skip: set[int]) -> list[Batch]:
        """Append ``records`` (but those at the ``skip`` positions) to the stream's buffer; returns the
        batches that reached the destination's size and are due for delivery now."""
        due: list[Batch] = []
        now = time.time()
        store = self.store
        with store.cond:
            buffer = store.buffers.setdefault((self.name, name), Buffer(dest))
            buffer.dest = dest  # an UpdateDestination applies from the next put on
            for i, data in enumerate(records):
                if i in skip:
                    continue
                if not buffer.records:
                    buffer.oldest = now
                buffer.records.append(data)
                buffer.size += len(data)
                if buffer.size >= dest.size_bytes:
                    due.append(buffer.take())
            if buffer.records:
                store.cond.notify_all()
        return due
