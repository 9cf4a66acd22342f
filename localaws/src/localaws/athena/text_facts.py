"""What each text object is like, learned once, so later queries over it do less work.

Keyed by bucket, key and ETag (so by content), skipped header lines and the RegexSerDe layout:

* ``safe``: only single-space separated non-empty ASCII tokens (readers._fast_safe), so DuckDB's
  ' '-delimited reader agrees with the regex; a later query hands the gzip bytes straight to DuckDB's
  inflating scanner instead of inflating in Python to check them again.
* ``typed_ok``: every line with the layout's token count has typed tokens that fit ([0-9]+, -|[0-9]+),
  so a later query checks only each line's token count, not each typed token (regexp_full_match on
  each costs ~40% of a scan).

``typed_ok`` is learned after the query that first read the object, by a background thread over hard
links to that query's local copies: the first query pays one scan, not two (a first read used to count
every object before answering, ~2.5x a later read).
"""

from __future__ import annotations

import logging
import os
import queue
import shutil
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("localaws.athena")

Key = tuple[str, str, str, int, str]


@dataclass
class Facts:
    safe: bool
    typed_ok: bool | None = None  # None: not learned yet


_FACTS: OrderedDict[Key, Facts] = OrderedDict()
_FACTS_MAX = 200_000
_LOCK = threading.Lock()


def get(key: Key) -> Facts | None:
    with _LOCK:
        facts = _FACTS.get(key)
        if facts is not None:
            _FACTS.move_to_end(key)
        return facts


def put(key: Key, facts: Facts) -> None:
    with _LOCK:
        _FACTS[key] = facts
        _FACTS.move_to_end(key)
        while len(_FACTS) > _FACTS_MAX:
            _FACTS.popitem(last=False)


def _set_typed_ok(key: Key, typed_ok: bool) -> None:
    with _LOCK:
        facts = _FACTS.get(key)
        if facts is not None:
            facts.typed_ok = typed_ok


# ---- learning "typed_ok" in the background ------------------------------------------------------------
# (count-bad-lines SQL for a list of paths, [(path, key)]) jobs; one thread, one DuckDB connection.
_JOBS: queue.SimpleQueue[tuple[Callable[[list[str]], str], list[tuple[str, Key]], Path]] = queue.SimpleQueue()
_THREAD: threading.Thread | None = None
_THREAD_LOCK = threading.Lock()


_PENDING = 0
_IDLE = threading.Condition()


def learn_later(bad_lines_sql: Callable[[list[str]], str], files: list[tuple[str, Key]], base: Path) -> None:
    """Queues ``files`` (local copies, hard-linked away so the query may delete its own) to have their
    ``typed_ok`` fact learned; ``bad_lines_sql(paths)`` selects (filename, lines whose typed tokens do
    not fit)."""
    global _PENDING
    if not files:
        return
    # beside the query's own folder: same file system, so the links are links, not copies
    keep = Path(tempfile.mkdtemp(prefix="facts-", dir=base))
    linked = []
    for n, (path, key) in enumerate(files):
        target = keep / f"{n:06d}{Path(path).suffix}"
        try:
            os.link(path, target)
        except OSError:
            shutil.copyfile(path, target)
        linked.append((str(target), key))
    with _IDLE:
        _PENDING += 1
    _JOBS.put((bad_lines_sql, linked, keep))
    _start()


def _start() -> None:
    global _THREAD
    with _THREAD_LOCK:
        if _THREAD is None or not _THREAD.is_alive():
            _THREAD = threading.Thread(target=_run, name="localaws-athena-facts", daemon=True)
            _THREAD.start()


_ACTIVE = 0  # queries running now: learning waits for them (up to _PATIENCE s) rather than slow them


@contextmanager
def query_running() -> Iterator[None]:
    global _ACTIVE
    with _IDLE:
        _ACTIVE += 1
    try:
        yield
    finally:
        with _IDLE:
            _ACTIVE -= 1
            _IDLE.notify_all()


_PATIENCE = 5.0


def _run() -> None:
    global _PENDING
    import duckdb

    # one thread: what it learns is worth less than the queries it would slow down
    con: Any = duckdb.connect(config={"threads": 1, "memory_limit": "256MB"})
    while True:
        sql_of, files, keep = _JOBS.get()
        with _IDLE:
            _IDLE.wait_for(lambda: _ACTIVE == 0, _PATIENCE)
        try:
            rows = con.execute(sql_of([p for p, _ in files])).fetchall()
            bad = {r[0]: int(r[1]) for r in rows}
            for path, key in files:
                _set_typed_ok(key, bad.get(path, 0) == 0)
        except Exception:  # a fact not learned only means later queries keep checking each row
            log.exception("localaws athena: learning text facts failed")
        finally:
            shutil.rmtree(keep, ignore_errors=True)
            with _IDLE:
                _PENDING -= 1
                _IDLE.notify_all()


def drain(timeout: float = 60.0) -> bool:
    """Waits until every queued object has been learned (benchmarks); False on timeout."""
    with _IDLE:
        return _IDLE.wait_for(lambda: _PENDING == 0, timeout)
