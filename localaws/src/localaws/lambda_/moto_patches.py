"""What of moto the Lambda runtime replaces while it runs, so the paths moto drives run real handlers.

moto can only run code in Docker. ``LambdaFunction.invoke`` is the one method it calls to run a function
(CloudWatch Logs subscription filters with ``awslogs.data`` envelopes, S3 bucket notifications, event
source mappings); here it runs the function in a sandbox instead, asynchronously as AWS delivers those,
so a put_log_events or put_object never waits for the function. S3's notification records are completed
to the shape S3 sends. PutFunctionEventInvokeConfig replaces the function's config, as Lambda's does
(moto keeps the first one it was given and appends the others), and UpdateFunctionEventInvokeConfig changes
only the settings it names.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import json
import sys
import threading
from typing import Any

from localaws.lambda_.events import s3_event_record
from localaws.lambda_.invoker import Invoker
from localaws.lambda_.spec import FunctionSpec

# moto's backends are process-wide; the hooks go to the newest running invoker (tests may start a second
# LocalAWS for a while) and are removed when the last one stops.
_ACTIVE: list[Invoker] = []
_ACTIVE_LOCK = threading.Lock()
_ORIGINALS: dict[str, Any] = {}


def _current() -> Invoker | None:
    with _ACTIVE_LOCK:
        return _ACTIVE[-1] if _ACTIVE else None


def _moto_function_invoke(fn: Any, body: Any, request_headers: Any, response_headers: Any) -> Any:
    """Replaces ``moto.awslambda.models.LambdaFunction.invoke``: moto calls it for logs subscriptions, S3
    notifications and event source mappings (with empty headers: asynchronous, as AWS delivers those)."""
    invoker = _current()
    if invoker is None:
        return _ORIGINALS["invoke"](fn, body, request_headers, response_headers)
    spec = FunctionSpec.from_moto(fn)
    event = body if isinstance(body, str) else json.dumps(body)
    invocation_type = (request_headers or {}).get("X-Amz-Invocation-Type") or (request_headers or {}).get(
        "x-amz-invocation-type"
    )
    if invocation_type == "RequestResponse":
        result = invoker.invoke(spec, event, spec.arn)
        if result.function_error:
            response_headers["x-amz-function-error"] = result.function_error
        return result.payload
    source = (
        "s3"
        if '"eventSource": "aws:s3"' in event[:400]
        else ("logs" if '"awslogs"' in event[:20] else "moto")
    )
    invoker.invoke_async(spec, event, spec.arn, source=source)
    return b""


def _moto_s3_event(event_name: str, bucket: Any, key: Any, notification_id: str) -> dict[str, Any]:
    event = _ORIGINALS["s3_event"](event_name, bucket, key, notification_id)
    return {"Records": [s3_event_record(record, key) for record in event["Records"]]}


def _put_event_invoke_config(backend: Any, function_name: str, config: dict[str, Any]) -> dict[str, Any]:
    backend.get_function(function_name).event_invoke_config = []
    return _ORIGINALS["put_event_invoke_config"](backend, function_name, config)


def _update_event_invoke_config(backend: Any, function_name: str, config: dict[str, Any]) -> dict[str, Any]:
    current = backend.get_function(function_name).event_invoke_config
    merged = dict(current[0].config) if current else {}
    destinations = {**(merged.get("DestinationConfig") or {}), **(config.get("DestinationConfig") or {})}
    merged.update(config)
    if destinations:
        merged["DestinationConfig"] = destinations
    return _put_event_invoke_config(backend, function_name, merged)


LAMBDA_MODELS = "moto.awslambda.models"
_BACKEND_PATCHES = {
    "put_event_invoke_config": ("put_function_event_invoke_config", _put_event_invoke_config),
    "update_event_invoke_config": ("update_function_event_invoke_config", _update_event_invoke_config),
}


def _patch_lambda_models(module: Any) -> None:
    with _ACTIVE_LOCK:
        if _ACTIVE and "invoke" not in _ORIGINALS:
            _ORIGINALS["invoke"] = module.LambdaFunction.invoke
            module.LambdaFunction.invoke = _moto_function_invoke
            for key, (name, replacement) in _BACKEND_PATCHES.items():
                _ORIGINALS[key] = getattr(module.LambdaBackend, name)
                setattr(module.LambdaBackend, name, replacement)


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Patches moto's Lambda models when something first imports them: importing them up front would add
    half a second to every start-up, and moto cannot invoke a function before they are imported."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname != LAMBDA_MODELS:
            return None
        _remove_finder()
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        exec_module = spec.loader.exec_module

        def exec_and_patch(module: Any) -> None:
            exec_module(module)
            _patch_lambda_models(module)

        spec.loader.exec_module = exec_and_patch  # type: ignore[method-assign]
        return spec


_FINDER = _PatchOnImport()


def _remove_finder() -> None:
    try:
        sys.meta_path.remove(_FINDER)
    except ValueError:
        pass


def activate(invoker: Invoker) -> None:
    from moto.s3 import notifications

    with _ACTIVE_LOCK:
        _ACTIVE.append(invoker)
        if "s3_event" not in _ORIGINALS:
            _ORIGINALS["s3_event"] = notifications._get_s3_event
            notifications._get_s3_event = _moto_s3_event
        if LAMBDA_MODELS not in sys.modules and _FINDER not in sys.meta_path:
            sys.meta_path.insert(0, _FINDER)
    if LAMBDA_MODELS in sys.modules:
        _patch_lambda_models(sys.modules[LAMBDA_MODELS])


def deactivate(invoker: Invoker) -> None:
    from moto.s3 import notifications

    with _ACTIVE_LOCK:
        if invoker in _ACTIVE:
            _ACTIVE.remove(invoker)
        if _ACTIVE:
            return
        _remove_finder()
        if "invoke" in _ORIGINALS:
            sys.modules[LAMBDA_MODELS].LambdaFunction.invoke = _ORIGINALS.pop("invoke")
            for key, (name, _) in _BACKEND_PATCHES.items():
                setattr(sys.modules[LAMBDA_MODELS].LambdaBackend, name, _ORIGINALS.pop(key))
        if "s3_event" in _ORIGINALS:
            notifications._get_s3_event = _ORIGINALS.pop("s3_event")
