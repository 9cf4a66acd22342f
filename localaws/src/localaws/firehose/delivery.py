"""Writing batches to S3: one object per batch, retried until it lands, kept on disk if it never does.

The flush timer lives here too: it delivers a buffer once IntervalInSeconds has passed since its oldest
record, and retries the objects that failed.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from localaws.firehose.destination import encode, object_key
from localaws.firehose.store import Batch, Store, Undelivered

log = logging.getLogger("localaws.firehose")

RETRY_UNDELIVERED_SECONDS = 1.0


def put_object(account_id: str, bucket: str, key: str, body: bytes) -> None:
    """Write through moto's S3 backend in-process: no HTTP (so no thread of the endpoint is needed, even
    during shutdown) and S3 event notifications still fire, as they do for objects Firehose writes."""
    from moto.s3.models import s3_backends

    s3_backends[account_id]["aws"].put_object(bucket, key, body)


def write_aside(state_dir: Path, bucket: str, key: str, body: bytes) -> Path:
    """Keep an object that could not be delivered on disk, so no record is ever dropped silently."""
    path = state_dir / "firehose-undelivered" / bucket / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    return path


class Delivery:
    def __init__(self, store: Store, state_dir: Path):
        self.store = store
        self.state_dir = state_dir

    def deliver(self, batch: Batch) -> dict[str, Any]:
        dest, records, oldest = batch
        key = object_key(dest, oldest)
        body = encode(dest, b"".join(records))
        info = {
            "stream": dest.stream,
            "bucket": dest.bucket,
            "key": key,
            "records": len(records),
            "bytes": len(body),
        }
        store = self.store
        try:
            put_object(store.account_id, dest.bucket, key, body)
        except Exception as err:  # Firehose retries delivery; so do we, and never drop the data
            log.error(
                "firehose %s: delivery to s3://%s/%s failed (%s); will retry",
                dest.stream,
                dest.bucket,
                key,
                err,
            )
            with store.cond:
                store.undelivered.append(
                    Undelivered(dest.bucket, key, body, time.time(), dest.stream, oldest)
                )
            return {**info, "delivered": False, "error": f"{type(err).__name__}: {err}"}
        with store.cond:
            store.objects_delivered += 1
        log.debug("firehose %s: wrote s3://%s/%s (%d records)", dest.stream, dest.bucket, key, len(records))
        return {**info, "delivered": True}

    def retry(self, force: bool = False) -> None:
        store = self.store
        with store.cond:
            now = time.time()
            ready = [u for u in store.undelivered if force or now - u.since >= RETRY_UNDELIVERED_SECONDS]
            store.undelivered = [u for u in store.undelivered if not any(u is r for r in ready)]
        for pending in ready:
            try:
                put_object(store.account_id, pending.bucket, pending.key, pending.body)
            except Exception:
                with store.cond:
                    store.undelivered.append(pending._replace(since=time.time()))
            else:
                with store.cond:
                    store.objects_delivered += 1
                log.info("firehose: delivered s3://%s/%s after retrying", pending.bucket, pending.key)

    def keep_aside(self) -> None:
        """On stop: what still could not be delivered goes to disk, and is named in the log."""
        store = self.store
        for pending in store.undelivered:
            path = write_aside(self.state_dir, pending.bucket, pending.key, pending.body)
            log.error(
                "firehose: could not deliver s3://%s/%s; kept it at %s", pending.bucket, pending.key, path
            )
        store.undelivered.clear()

    def run_timer(self) -> None:
        """The timer thread: sleeps until the next buffer falls due (or a put wakes it) until ``stopping``."""
        store = self.store
        while True:
            with store.cond:
                if store.stopping:
                    return
                now = time.time()
                due = store.take_due(now)
                if not due and not store.undelivered:
                    deadline = store.next_deadline()
                    store.cond.wait(timeout=deadline - now if deadline is not None else None)
                    continue
            for batch in due:
                self.deliver(batch)
            if store.undelivered:
                self.retry()
                with store.cond:
                    if not store.stopping:
                        store.cond.wait(timeout=RETRY_UNDELIVERED_SECONDS / 4)
