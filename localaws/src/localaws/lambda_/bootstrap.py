"""The child side of the local Lambda runtime: one process per warm sandbox, stdlib only.

Run as ``python bootstrap.py`` with the function's code directory as the working directory and
``_HANDLER`` naming ``module.function``. Protocol (one JSON object per line):

- stdin  <- {"request_id", "event" (JSON text), "deadline_ms", "invoked_function_arn"}
- stdout -> {"ready": bool} once the handler is imported or failed to (a failed init is then reported
            on every invoke, as AWS does), then {"request_id", "ok", "payload" (JSON text)} per invocation.

Everything the handler prints or logs goes to stderr (fd 1 is pointed at fd 2 before the handler is
imported), framed by the START/END lines AWS writes, so the parent can return it as the invocation's log.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import sys
import time
import traceback
from typing import Any


class LambdaContext:
    """The context object AWS's Python runtime passes as the handler's second argument."""

    def __init__(self, request_id: str, deadline_ms: int, invoked_function_arn: str):
        self.aws_request_id = request_id
        self.invoked_function_arn = invoked_function_arn
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ["AWS_LAMBDA_FUNCTION_VERSION"]
        self.memory_limit_in_mb = os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]
        self.log_group_name = os.environ["AWS_LAMBDA_LOG_GROUP_NAME"]
        self.log_stream_name = os.environ["AWS_LAMBDA_LOG_STREAM_NAME"]
        self.identity = None
        self.client_context = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))


def error_payload(err: BaseException, error_type: str | None = None, request_id: str = "") -> dict[str, Any]:
    frames = traceback.extract_tb(err.__traceback__)
    # Frames of this bootstrap are the runtime's, not the function's: AWS shows only the function's.
    frames = [f for f in frames if f.filename != __file__]
    return {
        "errorMessage": str(err),
        "errorType": error_type or type(err).__name__,
        "requestId": request_id,
        "stackTrace": traceback.format_list(frames),
    }


def load_handler(spec: str) -> Any:
    module_name, _, function_name = spec.rpartition(".")
    if not module_name:
        raise _RuntimeError(
            "Runtime.MalformedHandlerName", f"Bad handler '{spec}': not enough values to unpack"
        )
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as err:
        raise _RuntimeError(
            "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {err}"
        ) from err
    except SyntaxError as err:
        raise _RuntimeError(
            "Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {err}"
        ) from err
    handler = getattr(module, function_name, None)
    if handler is None:
        raise _RuntimeError(
            "Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_name}'"
        )
    return handler


_current_request_id = ""


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = _current_request_id
        return True


class _RuntimeError(Exception):
    def __init__(self, error_type: str, message: str):
        super().__init__(message)
        self.error_type = error_type


def main() -> None:
    global _current_request_id
    # The handler's directory comes first on sys.path, as /var/task does on AWS; this file's own
    # directory (localaws/lambda_/: service.py, api.py, ...) must not shadow the function's modules.
    sys.path[0] = os.getcwd()
    extra = os.environ.pop("_LOCALAWS_EXTRA_PATH", "")
    sys.path[1:1] = [p for p in extra.split(os.pathsep) if p]
    # The protocol gets private copies of fds 0 and 1 (not inherited by the handler's subprocesses); the
    # handler's stdin is empty and its stdout is the log, so neither can corrupt the protocol.
    protocol = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    requests_in = os.fdopen(os.dup(0), "r", encoding="utf-8")
    os.dup2(2, 1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    sys.stdout = sys.stderr
    sys.stdin = open(os.devnull, encoding="utf-8")  # kept open for the process lifetime
    # As the AWS Python runtime: a root handler at WARNING (AWS_LAMBDA_LOG_LEVEL changes it), lines carry
    # the request id.
    handler_ = logging.StreamHandler(sys.stderr)
    formatter = logging.Formatter(
        "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s", "%Y-%m-%dT%H:%M:%S"
    )
    formatter.converter = time.gmtime
    handler_.setFormatter(formatter)
    handler_.addFilter(_RequestIdFilter())
    logging.getLogger().addHandler(handler_)
    logging.getLogger().setLevel(os.environ.get("AWS_LAMBDA_LOG_LEVEL", "WARNING").upper())

    def send(message: dict[str, Any]) -> None:
        protocol.write(json.dumps(message) + "\n")
        protocol.flush()

    handler, init_error = None, None
    try:
        handler = load_handler(os.environ["_HANDLER"])
    except _RuntimeError as err:
        init_error = {
            "errorMessage": str(err),
            "errorType": err.error_type,
            "requestId": "",
            "stackTrace": [],
        }
    except Exception as err:  # an exception raised by the module's own top-level code
        init_error = error_payload(err)
    if init_error:
        print(f"[ERROR] {init_error['errorType']}: {init_error['errorMessage']}", flush=True)
        print("".join(init_error["stackTrace"]), end="", flush=True)
    send({"ready": handler is not None})

    for line in requests_in:
        request = json.loads(line)
        request_id = _current_request_id = request["request_id"]
        print(
            f"START RequestId: {request_id} Version: {os.environ['AWS_LAMBDA_FUNCTION_VERSION']}", flush=True
        )
        if handler is None:
            # AWS reports the failed init on every invoke of the sandbox.
            print(f"END RequestId: {request_id}", flush=True)
            send(
                {
                    "request_id": request_id,
                    "ok": False,
                    "payload": json.dumps({**init_error, "requestId": request_id}),
                }
            )
            continue
        context = LambdaContext(request_id, request["deadline_ms"], request["invoked_function_arn"])
        try:
            result = handler(json.loads(request["event"]), context)
            try:
                payload = json.dumps(result)
            except (TypeError, ValueError) as err:
                raise _RuntimeError("Runtime.MarshalError", f"Unable to marshal response: {err}") from err
            ok = True
        except _RuntimeError as err:
            print(f"[ERROR] {err.error_type}: {err}", flush=True)
            payload, ok = json.dumps(error_payload(err, err.error_type, request_id)), False
        except Exception as err:
            # The Python runtime logs the error and traceback to the function's log, then reports it.
            body = error_payload(err, request_id=request_id)
            print(
                f"[ERROR] {body['errorType']}: {body['errorMessage']}\nTraceback (most recent call last):",
                flush=True,
            )
            print("".join(body["stackTrace"]), end="", flush=True)
            payload, ok = json.dumps(body), False
        print(f"END RequestId: {request_id}", flush=True)
        send({"request_id": request_id, "ok": ok, "payload": payload})


if __name__ == "__main__":
    main()
