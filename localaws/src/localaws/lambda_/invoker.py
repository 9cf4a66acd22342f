"""Running invocations: synchronously in a sandbox, or queued as Event invocations with Lambda's retries.

Asynchronous invocations are retried (MaximumRetryAttempts of the EventInvokeConfig, default 2) after
short local delays, then sent to the OnFailure destination (SQS, SNS, Lambda, EventBridge) or logged as
errors; successes go to OnSuccess when configured. Every invocation's log lines go to CloudWatch Logs.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from localaws.lambda_ import destinations
from localaws.lambda_.events import destination_record
from localaws.lambda_.pool import WorkerPool
from localaws.lambda_.spec import FunctionSpec, InvokeResult
from localaws.lambda_.store import AsyncInvocations, event_invoke_config

log = logging.getLogger("localaws.lambda")

ASYNC_THREADS = 4


class Invoker:
    def __init__(
        self,
        pool: WorkerPool,
        invocations: AsyncInvocations,
        client: Callable[[str, str], Any],
        retry_delays: tuple[float, ...],
    ):
        self.pool = pool
        self.invocations = invocations
        self.client = client  # (service, region) -> a boto3 client of this endpoint, for destinations
        self.retry_delays = retry_delays
        self._executor: ThreadPoolExecutor | None = None

    def start(self) -> None:
        self._executor = ThreadPoolExecutor(ASYNC_THREADS, thread_name_prefix="localaws-lambda-async")

    def stop(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)

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
        config = event_invoke_config(spec)
        self.invocations.begin()
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
            self.invocations.outcomes.append(outcome)
            on = (config.get("DestinationConfig") or {}).get(
                "OnFailure" if result.function_error else "OnSuccess"
            )
            target = (on or {}).get("Destination")
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
                destinations.send(self.client, target, record)
            elif result.function_error:
                log.error(
                    "lambda %s: async invocation %s (%s) failed after %d attempt(s) and has no OnFailure "
                    "destination; event dropped: %s\nerror: %s\nlog tail:\n%s",
                    spec.name, request_id, source, attempts, event[:2000], outcome["payload"], result.log_tail,
                )  # fmt: skip
        except Exception:
            log.exception("lambda %s: async invocation %s (%s) could not run", spec.name, request_id, source)
        finally:
            self.invocations.end()


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
