"""What every vpcflow Lambda needs around its logic: configuration errors, environment parsing, the
invocation's remaining time and its one JSON summary line. Standard library only.

Packaging copies this file to the root of each function's zip, beside handler.py (it is not a function).
The project prefix in its name is deliberate: a top-level module that the runtime, the stdlib or boto3
already imported under the same name would be the one ``import`` returns.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

DEFAULT_TIMEOUT_MS = 60_000  # when the context cannot tell the remaining time (local runs)

T = TypeVar("T")


class ConfigError(ValueError):
    """A missing or invalid environment variable."""


def required(env: Mapping[str, str], name: str, what: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ConfigError(f"environment variable {name} is required: {what}")
    return value


def optional(env: Mapping[str, str], name: str) -> str | None:
    """The stripped value, or None when unset or blank (Lambda's console keeps empty variables)."""
    return env.get(name, "").strip() or None


def bounded_int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"environment variable {name}={raw!r} is not an integer") from None
    if not low <= value <= high:
        raise ConfigError(f"environment variable {name}={value} must be between {low} and {high}")
    return value


def remaining_time(context) -> Callable[[], int]:
    """Milliseconds left in the invocation, as a callable that is asked again before each retry."""
    get = getattr(context, "get_remaining_time_in_millis", None)
    if callable(get):
        return get
    deadline = time.monotonic() + DEFAULT_TIMEOUT_MS / 1000
    return lambda: int((deadline - time.monotonic()) * 1000)


def _emit(summary: dict, context) -> None:
    request_id = getattr(context, "aws_request_id", None)
    if request_id:
        summary["request_id"] = request_id
    # One JSON line on stdout: CloudWatch Logs Insights parses it as fields.
    print(json.dumps(summary, default=str), flush=True)


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


@contextmanager
def summary_line(
    function: str, context, counters: Callable[[], Mapping[str, Any]] | None = None, **fields: Any
) -> Iterator[dict]:
    """Yield the invocation's summary dict; print it once on the way out, with ``counters()`` (read
    last, so they hold what was done even when the body raised), ``duration_ms`` and ``request_id``.
    An exception sets ``outcome`` to ``error`` and ``error`` to its type and message, and propagates:
    Lambda must see the failure to retry the event."""
    started = time.monotonic()
    summary: dict = {"function": function, **fields}
    try:
        yield summary
    except Exception as exc:
        summary.update(outcome="error", error=_error_text(exc))
        raise
    finally:
        if counters is not None:
            summary.update(counters())
        summary["duration_ms"] = round((time.monotonic() - started) * 1000, 1)
        _emit(summary, context)


def configure(function: str, context, load: Callable[[], T]) -> T:
    """``load()``; when it fails, that failure is the invocation's summary line before it propagates."""
    try:
        return load()
    except Exception as exc:
        _emit({"function": function, "outcome": "error", "error": _error_text(exc)}, context)
        raise
