"""localaws Lambda: runs functions deployed with CreateFunction (zip) in child Python processes.

moto stays the registry (CreateFunction, GetFunction, PutFunctionEventInvokeConfig, ...); it can only
run code in Docker. This service answers Invoke (RequestResponse, Event, DryRun) and InvokeAsync itself,
and replaces the one method moto calls to run a function, ``LambdaFunction.invoke``, so the paths moto
drives - CloudWatch Logs subscription filters (``awslogs.data`` envelopes) and S3 bucket notifications
(whose event records are completed to S3's shape) - run the real handler too. Both deliver
asynchronously, as on AWS, so a put_log_events or put_object never waits for the function.

Asynchronous invocations are retried (MaximumRetryAttempts of the EventInvokeConfig, default 2) after
short local delays, then sent to the OnFailure destination (SQS, SNS, Lambda, EventBridge) or logged as
errors; successes go to OnSuccess when configured.

Settings (environment): LOCALAWS_LAMBDA_WARM=0 starts a fresh process per invocation;
LOCALAWS_LAMBDA_RETRY_DELAYS="0.2,0.5" are the seconds before async retries 1 and 2.

Local-only endpoints: GET /_localaws/lambda/invocations (recent async outcomes, newest last);
POST /_localaws/lambda/wait?timeout=S (returns once no async invocation is queued or running).
"""

from __future__ import annotations

import base64
import importlib.abc
import importlib.util
import json
import logging
import os
import re
import sys
import threading
import time
import uuid
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from werkzeug.wrappers import Request, Response

from localaws.lambda_events import destination_record, s3_event_record
from localaws.lambda_worker import FunctionSpec, InvokeResult, WorkerPool
from localaws.service import DEFAULT_REGION, AWSError, Context, Service, json_response, signed_service

log = logging.getLogger("localaws.lambda")

_INVOKE = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/invocations/?$")
_INVOKE_ASYNC = re.compile(r"^/2014-11-13/functions/(?P<name>[^/]+)/invoke-async/?$")
LOCAL_PREFIX = "/_localaws/lambda/"
MAX_SYNC_PAYLOAD = 6 * 1024 * 1024  # 6 MB request and response for RequestResponse
MAX_ASYNC_PAYLOAD = 256 * 1024  # the long-standing Event limit; stricter locally keeps code portable
DEFAULT_RETRY_DELAYS = (0.2, 0.5)
ASYNC_THREADS = 4
STOP_DRAIN_SECONDS = 30.0


class LambdaService(Service):
    name = "lambda"

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.pool = WorkerPool(
            ctx.state_dir, ctx.endpoint, warm=os.environ.get("LOCALAWS_LAMBDA_WARM", "1") != "0"
        )
        delays = os.environ.get("LOCALAWS_LAMBDA_RETRY_DELAYS")
        self.retry_delays: tuple[float, ...] = (
            tuple(float(d) for d in delays.split(",")) if delays else DEFAULT_RETRY_DELAYS
        )
        self.async_results: deque[dict[str, Any]] = deque(maxlen=500)
        self._executor: ThreadPoolExecutor | None = None
        self._inflight = 0
        self._idle = threading.Condition()

    # --- lifecycle ---------------------------------------------------------------------------------------
    def start(self) -> None:
        self._executor = ThreadPoolExecutor(ASYNC_THREADS, thread_name_prefix="localaws-lambda-async")
        _activate(self)

    def stop(self) -> None:
        # Objects Firehose still buffers would fire S3 notifications when flushed: deliver them while this
        # runtime still runs, so their functions are not lost to moto's Docker-less invoke.
        firehose = self.ctx.services.get("firehose")
        if firehose is not None and hasattr(firehose, "flush"):
            firehose.flush()
        if not self.wait_idle(STOP_DRAIN_SECONDS):
            log.error(
                "lambda: async invocations still running after %.0f s; stopping anyway", STOP_DRAIN_SECONDS
            )
        _deactivate(self)
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
        self.pool.stop()

    def health(self) -> dict[str, Any]:
        return {
            "status": "running",
            "warm": self.pool.warm,
            "warm_sandboxes": self.pool.idle_count(),
            "cold_starts": self.pool.cold_starts,
            "warm_starts": self.pool.warm_starts,
            "async_inflight": self._inflight,
        }

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until no async invocation is queued or running (True), or ``timeout`` passes (False)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._inflight == 0, timeout=timeout)

    # --- routing -----------------------------------------------------------------------------------------
    def claims(self, request: Request, service: str | None, action: str | None) -> bool:
        if request.path.startswith(LOCAL_PREFIX):
            return True
        return (
            service == "lambda"
            and request.method == "POST"
            and bool(_INVOKE.match(request.path) or _INVOKE_ASYNC.match(request.path))
        )

    def handle(self, request: Request) -> Response:
        if request.path.startswith(LOCAL_PREFIX):
            return self._handle_local(request)
        _, region = signed_service(request)
        region = region or DEFAULT_REGION
        match = _INVOKE.match(request.path)
        if match is None:  # the deprecated InvokeAsync: always an Event invocation
            name = _INVOKE_ASYNC.match(request.path)["name"]  # type: ignore[index]
            spec, invoked_arn = self._function(region, name, None)
            event = self._event(request, MAX_ASYNC_PAYLOAD)
            self.invoke_async(spec, event, invoked_arn)
            return json_response({"Status": 202}, status=202, content_type="application/json")
        spec, invoked_arn = self._function(region, match["name"], request.args.get("Qualifier"))
        invocation_type = request.headers.get("X-Amz-Invocation-Type", "RequestResponse")
        if invocation_type == "DryRun":
            return Response(status=204, headers={"X-Amz-Executed-Version": spec.version})
        if invocation_type == "Event":
            request_id = self.invoke_async(spec, self._event(request, MAX_ASYNC_PAYLOAD), invoked_arn)
            return Response(status=202, headers={"x-amzn-RequestId": request_id})
        if invocation_type != "RequestResponse":
            raise AWSError(
                "InvalidParameterValueException",
                f"Invalid InvocationType {invocation_type!r}: use RequestResponse, Event or DryRun",
            )
        result = self.invoke(spec, self._event(request, MAX_SYNC_PAYLOAD), invoked_arn)
        headers = {"X-Amz-Executed-Version": result.executed_version, "x-amzn-RequestId": result.request_id}
        payload = result.payload
        if len(payload) > MAX_SYNC_PAYLOAD:
            payload = json.dumps(
                {
                    "errorMessage": f"Response payload size ({len(payload)} bytes) exceeded maximum allowed "
                    f"payload size ({MAX_SYNC_PAYLOAD} bytes).",
                    "errorType": "Function.ResponseSizeTooLarge",
                }
            ).encode()
            result.function_error = "Unhandled"
        if result.function_error:
            headers["X-Amz-Function-Error"] = result.function_error
        if request.headers.get("X-Amz-Log-Type") == "Tail":
            headers["X-Amz-Log-Result"] = base64.b64encode(result.log_tail.encode()).decode()
        return Response(payload, status=200, content_type="application/json", headers=headers)

    def _function(self, region: str, name: str, qualifier: str | None) -> tuple[FunctionSpec, str]:
        from moto.awslambda.exceptions import UnknownFunctionException
        from moto.awslambda.utils import get_backend

        account = name.split(":")[4] if name.startswith("arn:") else self.ctx.account_id
        try:
            fn = get_backend(account, region).get_function(name, qualifier)
        except UnknownFunctionException as err:
            raise AWSError("ResourceNotFoundException", err.message, 404) from err
        spec = FunctionSpec.from_moto(fn)
        invoked = f"{spec.arn}:{qualifier}" if qualifier else spec.arn
        return spec, invoked

    @staticmethod
    def _event(request: Request, limit: int) -> str:
        data = request.get_data() or b"{}"
        if len(data) > limit:
            raise AWSError(
                "RequestTooLargeException",
                f"Request must be smaller than {limit} bytes for the Invoke operation (got {len(data)} bytes)",
                413,
            )
        try:
            text = data.decode("utf-8")
            json.loads(text)
        except ValueError as err:
            raise AWSError(
                "InvalidRequestContentException", f"Could not parse request body into json: {err}"
            ) from err
        return text

    def _handle_local(self, request: Request) -> Response:
        if request.path == LOCAL_PREFIX + "invocations":
            return json_response(list(self.async_results), content_type="application/json")
        if request.path == LOCAL_PREFIX + "wait" and request.method == "POST":
            idle = self.wait_idle(float(request.args.get("timeout", "30")))
            return json_response({"idle": idle}, content_type="application/json")
        raise AWSError(
            "UnknownOperationException", f"no localaws lambda endpoint {request.method} {request.path}", 404
        )

    # --- invoking ----------------------------------------------------------------------------------------
    def invoke(
        self, spec: FunctionSpec, event: str, invoked_arn: str, request_id: str | None = None
    ) -> InvokeResult:
        """Run the function once, synchronously, in a sandbox (warm when one is idle)."""
        result = self.pool.invoke(spec, event, invoked_arn, request_id)
        _write_logs(spec, result)
        return result

    def invoke_async(self, spec: FunctionSpec, event: str, invoked_arn: str, source: str = "Invoke") -> str:
        """Queue an Event invocation (retries and destinations included); answers its request id at once."""
        request_id = str(uuid.uuid4())
        config = _event_invoke_config(spec)
        with self._idle:
            self._inflight += 1
        assert self._executor is not None, "the lambda service is not started"
        self._executor.submit(self._run_async, spec, event, invoked_arn, request_id, config, source)
        return request_id

    def _run_async(self, spec: FunctionSpec, event: str, invoked_arn: str, request_id: str,
                   config: dict[str, Any], source: str) -> None:  # fmt: skip
        try:
            retries = int(config.get("MaximumRetryAttempts", 2))
            result = None
            attempts = 0
            for attempt in range(retries + 1):
                if attempt:
                    time.sleep(self.retry_delays[min(attempt, len(self.retry_delays)) - 1])
                attempts += 1
                # Retries keep the request id, as Lambda's async retries do.
                result = self.invoke(spec, event, invoked_arn, request_id)
                if not result.function_error:
                    break
            assert result is not None
            outcome = {
                "request_id": request_id,
                "function": spec.name,
                "source": source,
                "attempts": attempts,
                "status": "Failed" if result.function_error else "Success",
                "payload": result.payload.decode("utf-8", "replace"),
                "log_tail": result.log_tail,
            }
            self.async_results.append(outcome)
            destinations = config.get("DestinationConfig") or {}
            target = (destinations.get("OnFailure" if result.function_error else "OnSuccess") or {}).get(
                "Destination"
            )
            if target:
                record = destination_record(
                    request_id=request_id,
                    function_arn=spec.arn,
                    version=spec.version,
                    event=event,
                    payload=result.payload,
                    function_error=result.function_error,
                    attempts=attempts,
                )
                self._send_to_destination(target, record)
            elif result.function_error:
                log.error(
                    "lambda %s: async invocation %s (%s) failed after %d attempt(s) and has no OnFailure "
                    "destination; event dropped: %s\nerror: %s\nlog tail:\n%s",
                    spec.name, request_id, source, attempts, event[:2000], outcome["payload"], result.log_tail,
                )  # fmt: skip
        except Exception:
            log.exception("lambda %s: async invocation %s (%s) could not run", spec.name, request_id, source)
        finally:
            with self._idle:
                self._inflight -= 1
                self._idle.notify_all()

    def _send_to_destination(self, arn: str, record: dict[str, Any]) -> None:
        """Deliver an invocation record; runs on an async thread, so HTTP to this endpoint is safe."""
        service, region, account = arn.split(":")[2], arn.split(":")[3], arn.split(":")[4]
        body = json.dumps(record)
        try:
            if service == "sqs":
                sqs = self.ctx.client("sqs", region)
                url = sqs.get_queue_url(QueueName=arn.split(":")[5], QueueOwnerAWSAccountId=account)[
                    "QueueUrl"
                ]
                sqs.send_message(QueueUrl=url, MessageBody=body)
            elif service == "sns":
                self.ctx.client("sns", region).publish(TopicArn=arn, Message=body)
            elif service == "lambda":
                self.ctx.client("lambda", region).invoke(
                    FunctionName=arn, InvocationType="Event", Payload=body
                )
            elif service == "events":
                condition = record["requestContext"]["condition"]
                detail_type = f"Lambda Function Invocation Result - {'Success' if condition == 'Success' else 'Failure'}"
                self.ctx.client("events", region).put_events(
                    Entries=[
                        {"Source": "lambda", "DetailType": detail_type, "Detail": body, "EventBusName": arn}
                    ]
                )
            else:
                raise ValueError(f"destination service {service!r} is not emulated")
        except Exception as err:
            log.error("lambda: could not deliver invocation record to %s (%s): %s", arn, err, body[:2000])


def _event_invoke_config(spec: FunctionSpec) -> dict[str, Any]:
    from moto.awslambda.utils import get_backend

    try:
        fn = get_backend(spec.account_id, spec.region).get_function(spec.name)
    except Exception:
        return {}
    return dict(fn.event_invoke_config[0].config) if fn.event_invoke_config else {}


def _write_logs(spec: FunctionSpec, result: InvokeResult) -> None:
    """Put the invocation's log lines in /aws/lambda/NAME, stream per sandbox, as Lambda does."""
    from moto.logs.models import logs_backends

    lines = [line for line in result.log.splitlines() if line]
    if not lines:
        return
    try:
        backend = logs_backends[spec.account_id][spec.region]
        backend.ensure_log_group(spec.log_group)
        backend.ensure_log_stream(spec.log_group, result.log_stream)
        now = int(time.time() * 1000)
        backend.put_log_events(
            spec.log_group, result.log_stream, [{"timestamp": now, "message": m} for m in lines]
        )
    except Exception as err:  # logs are a convenience here; the invocation's outcome must not depend on them
        log.warning("lambda %s: could not write logs to %s: %s", spec.name, spec.log_group, err)


# --- hooks into moto -----------------------------------------------------------------------------------------
# moto's backends are process-wide; the hooks go to the newest running service (tests may start a second
# LocalAWS for a while) and are removed when the last one stops.
_ACTIVE: list[LambdaService] = []
_ACTIVE_LOCK = threading.Lock()
_ORIGINALS: dict[str, Any] = {}


def _current() -> LambdaService | None:
    with _ACTIVE_LOCK:
        return _ACTIVE[-1] if _ACTIVE else None


def _moto_function_invoke(fn: Any, body: Any, request_headers: Any, response_headers: Any) -> Any:
    """Replaces ``moto.awslambda.models.LambdaFunction.invoke``: moto calls it for logs subscriptions, S3
    notifications and event source mappings (with empty headers: asynchronous, as AWS delivers those)."""
    service = _current()
    if service is None:
        return _ORIGINALS["invoke"](fn, body, request_headers, response_headers)
    spec = FunctionSpec.from_moto(fn)
    event = body if isinstance(body, str) else json.dumps(body)
    invocation_type = (request_headers or {}).get("X-Amz-Invocation-Type") or (request_headers or {}).get(
        "x-amz-invocation-type"
    )
    if invocation_type == "RequestResponse":
        result = service.invoke(spec, event, spec.arn)
        if result.function_error:
            response_headers["x-amz-function-error"] = result.function_error
        return result.payload
    source = (
        "s3"
        if '"eventSource": "aws:s3"' in event[:400]
        else ("logs" if '"awslogs"' in event[:20] else "moto")
    )
    service.invoke_async(spec, event, spec.arn, source=source)
    return b""


def _moto_s3_event(event_name: str, bucket: Any, key: Any, notification_id: str) -> dict[str, Any]:
    event = _ORIGINALS["s3_event"](event_name, bucket, key, notification_id)
    return {"Records": [s3_event_record(record, key) for record in event["Records"]]}


LAMBDA_MODELS = "moto.awslambda.models"


def _patch_lambda_models(module: Any) -> None:
    with _ACTIVE_LOCK:
        if _ACTIVE and "invoke" not in _ORIGINALS:
            _ORIGINALS["invoke"] = module.LambdaFunction.invoke
            module.LambdaFunction.invoke = _moto_function_invoke


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


def _activate(service: LambdaService) -> None:
    from moto.s3 import notifications

    with _ACTIVE_LOCK:
        _ACTIVE.append(service)
        if "s3_event" not in _ORIGINALS:
            _ORIGINALS["s3_event"] = notifications._get_s3_event
            notifications._get_s3_event = _moto_s3_event
        if LAMBDA_MODELS not in sys.modules and _FINDER not in sys.meta_path:
            sys.meta_path.insert(0, _FINDER)
    if LAMBDA_MODELS in sys.modules:
        _patch_lambda_models(sys.modules[LAMBDA_MODELS])


def _deactivate(service: LambdaService) -> None:
    from moto.s3 import notifications

    with _ACTIVE_LOCK:
        if service in _ACTIVE:
            _ACTIVE.remove(service)
        if _ACTIVE:
            return
        _remove_finder()
        if "invoke" in _ORIGINALS:
            sys.modules[LAMBDA_MODELS].LambdaFunction.invoke = _ORIGINALS.pop("invoke")
        if "s3_event" in _ORIGINALS:
            notifications._get_s3_event = _ORIGINALS.pop("s3_event")
