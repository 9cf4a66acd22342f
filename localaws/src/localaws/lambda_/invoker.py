"""Running invocations: synchronously in a sandbox, or queued as Event invocations with Lambda's retries.

Asynchronous invocations are retried (MaximumRetryAttempts of the EventInvokeConfig, default 2) after
short local delays, and given up once older than MaximumEventAgeInSeconds (default 21600); a given-up event
goes to the OnFailure destination (SQS, SNS, Lambda, EventBridge) or is logged as an error; successes go to
OnSuccess when configured (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html).
An event's age counts Lambda's own retry delays (1 minute, then 2), whatever the local ones, so the maximum
age cuts retries where it would on AWS without a test waiting minutes.

Every invocation's log lines go to CloudWatch Logs, and its metrics to CloudWatch (AWS/Lambda, dimension
FunctionName): Invocations, Errors, Duration; for asynchronous events AsyncEventsReceived,
AsyncEventsDropped (an event given up, after its record went to OnFailure) and DestinationDeliveryFailures
(https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html). Nothing is ever throttled
here, so Throttles has no datapoints.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from localaws.cloudwatch.metrics import publish
from localaws.lambda_ import destinations
from localaws.lambda_.events import destination_record
from localaws.lambda_.pool import WorkerPool
from localaws.lambda_.spec import FunctionSpec, InvokeResult
from localaws.lambda_.store import AsyncInvocations, event_invoke_config

log = logging.getLogger("localaws.lambda")

ASYNC_THREADS = 4
# Lambda waits one minute before an event's first retry and two before its second.
AWS_RETRY_DELAYS = (60.0, 120.0)
DEFAULT_MAX_EVENT_AGE_S = 21_600


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
        _metric(spec, "Invocations", 1)
        _metric(spec, "Errors", 1 if result.function_error else 0)
        _metric(spec, "Duration", result.duration_ms, "Milliseconds")
        return result

    def invoke_async(self, spec: FunctionSpec, event: str, invoked_arn: str, source: str = "Invoke") -> str:
        """Queue an Event invocation (retries and destinations included); answers its request id at once."""
        request_id = str(uuid.uuid4())
        config = event_invoke_config(spec)
        _metric(spec, "AsyncEventsReceived", 1)
        self.invocations.begin()
        assert self._executor is not None, "the lambda service is not started"
        self._executor.submit(self._run_async, spec, event, invoked_arn, request_id, config, source)
        return request_id

    def _run_async(self, spec: FunctionSpec, event: str, invoked_arn: str, request_id: str,
                   config: dict[str, Any], source: str) -> None:  # fmt: skip
        try:
            retries = int(config.get("MaximumRetryAttempts", 2))
            max_age = float(config.get("MaximumEventAgeInSeconds", DEFAULT_MAX_EVENT_AGE_S))
            queued, waited_on_aws = time.monotonic(), 0.0
            result = None
            attempts = 0
            condition = "RetriesExhausted"
            for attempt in range(retries + 1):
                if attempt:
                    local = self.retry_delays[min(attempt, len(self.retry_delays)) - 1]
                    time.sleep(local)
                    waited_on_aws += AWS_RETRY_DELAYS[min(attempt, len(AWS_RETRY_DELAYS)) - 1] - local
                    if time.monotonic() - queued + waited_on_aws > max_age:
                        condition = "EventAgeExceeded"
                        break
                attempts += 1
                # Retries keep the request id, as Lambda's async retries do.
                result = self.invoke(spec, event, invoked_arn, request_id)
                if not result.function_error:
                    break
            assert result is not None
            failed = bool(result.function_error)
            outcome = {
                "request_id": request_id,
                "function": spec.name,
                "source": source,
                "attempts": attempts,
                "status": "Failed" if failed else "Success",
                "condition": condition if failed else "Success",
                "payload": result.payload.decode("utf-8", "replace"),
                "log_tail": result.log_tail,
            }
            on = (config.get("DestinationConfig") or {}).get("OnFailure" if failed else "OnSuccess")
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
                    condition=outcome["condition"],
                )
                outcome["destination"] = target
                try:
                    destinations.send(self.client, target, record)
                except destinations.DeliveryError as err:
                    outcome["destination_error"] = str(err)
                    _metric(spec, "DestinationDeliveryFailures", 1)
                    log.error(
                        "lambda %s: async invocation %s (%s): %s; event lost: %s",
                        spec.name, request_id, source, err, event[:2000],
                    )  # fmt: skip
            elif failed:
                log.error(
                    "lambda %s: async invocation %s (%s) failed after %d attempt(s) (%s) and has no OnFailure "
                    "destination; event dropped: %s\nerror: %s\nlog tail:\n%s",
                    spec.name, request_id, source, attempts, condition, event[:2000], outcome["payload"],
                    result.log_tail,
                )  # fmt: skip
            if failed:
                _metric(spec, "AsyncEventsDropped", 1)
            self.invocations.outcomes.append(outcome)
        except Exception:
            log.exception("lambda %s: async invocation %s (%s) could not run", spec.name, request_id, source)
        finally:
            self.invocations.end()


def _metric(spec: FunctionSpec, name: str, value: float, unit: str = "Count") -> None:
    publish(spec.account_id, spec.region, "AWS/Lambda", name, value, {"FunctionName": spec.name}, unit)


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
