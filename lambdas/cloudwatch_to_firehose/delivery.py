"""PutRecordBatch until every record is accepted: resend only the failed ones, with exponential backoff
and full jitter, while the invocation has time left; otherwise raise. A record is never dropped."""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from botocore.exceptions import ClientError, ConnectionError, ReadTimeoutError

# Whole-call errors worth another try; anything else (ResourceNotFound, InvalidArgument, AccessDenied...)
# will not heal by waiting, so it is raised at once.
RETRYABLE_ERRORS = frozenset(
    {
        "ServiceUnavailableException",
        "ThrottlingException",
        "LimitExceededException",
        "InternalFailure",
        "InternalFailureException",
        "InternalServerError",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)


class DeliveryError(RuntimeError):
    """Records Firehose did not accept; raised so that Lambda retries the whole event."""


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 10
    base_delay_s: float = 0.1
    max_delay_s: float = 5.0
    # Time kept back for raising and logging before Lambda's own timeout would kill the invocation.
    safety_margin_ms: int = 3_000

    def delay(self, attempt: int, rand: Callable[[], float]) -> float:
        """Full jitter: uniform in [0, min(max, base * 2**(attempt-1))]."""
        return rand() * min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1))


@dataclass
class DeliveryStats:
    records: int = 0
    bytes: int = 0
    batches: int = 0
    calls: int = 0
    retries: int = 0  # calls after the first one of a batch
    records_retried: int = 0
    errors: Counter = field(default_factory=Counter)  # error code -> records (or calls) that hit it


def put_batches(
    client,
    stream: str,
    batches: list[list[bytes]],
    remaining_ms: Callable[[], int],
    policy: RetryPolicy = RetryPolicy(),
    stats: DeliveryStats | None = None,
    sleep: Callable[[float], None] = time.sleep,
    rand: Callable[[], float] = random.random,
) -> DeliveryStats:
    """Send ``batches`` in order, each one completely before the next, and return what it took."""
    stats = stats if stats is not None else DeliveryStats()
    for batch in batches:
        _put_batch(client, stream, batch, remaining_ms, policy, stats, sleep, rand)
        stats.batches += 1
        stats.records += len(batch)
        stats.bytes += sum(map(len, batch))
    return stats


def _put_batch(client, stream, batch, remaining_ms, policy, stats, sleep, rand) -> None:
    pending = batch
    attempt = 0
    while True:
        attempt += 1
        stats.calls += 1
        failed, codes = _attempt(client, stream, pending)
        stats.errors.update(codes)
        if not failed:
            return
        summary = ", ".join(f"{code} x{count}" for code, count in sorted(codes.items()))
        if attempt >= policy.max_attempts:
            raise DeliveryError(
                f"Firehose {stream!r}: {len(failed)} of {len(batch)} records still rejected after {attempt} "
                f"attempts ({summary}); raising so Lambda retries the event"
            )
        delay = policy.delay(attempt, rand)
        left = remaining_ms()
        if left - delay * 1000 < policy.safety_margin_ms:
            raise DeliveryError(
                f"Firehose {stream!r}: {len(failed)} of {len(batch)} records still rejected after {attempt} "
                f"attempts ({summary}) and only {left} ms left in the invocation; raising so Lambda retries"
            )
        sleep(delay)
        stats.retries += 1
        stats.records_retried += len(failed)
        pending = failed


def _attempt(client, stream: str, records: list[bytes]) -> tuple[list[bytes], Counter]:
    """One PutRecordBatch: the records to resend and the error codes seen."""
    try:
        response = client.put_record_batch(
            DeliveryStreamName=stream, Records=[{"Data": record} for record in records]
        )
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "Unknown")
        if code not in RETRYABLE_ERRORS:
            raise DeliveryError(
                f"Firehose {stream!r}: PutRecordBatch of {len(records)} records failed with {code}: "
                f"{exc.response.get('Error', {}).get('Message', exc)} (not retryable)"
            ) from exc
        return records, Counter({code: len(records)})
    except (ConnectionError, ReadTimeoutError) as exc:
        # The batch may or may not have been accepted: resending can duplicate (at-least-once), never lose.
        return records, Counter({type(exc).__name__: len(records)})
    if not response.get("FailedPutCount"):
        return [], Counter()
    answers = response.get("RequestResponses", [])
    if len(answers) != len(records):
        raise DeliveryError(
            f"Firehose {stream!r}: PutRecordBatch answered {len(answers)} results for {len(records)} records"
        )
    failed = [record for record, answer in zip(records, answers, strict=True) if answer.get("ErrorCode")]
    codes = Counter(answer["ErrorCode"] for answer in answers if answer.get("ErrorCode"))
    if not failed:
        raise DeliveryError(
            f"Firehose {stream!r}: FailedPutCount is {response['FailedPutCount']} but no record has an ErrorCode"
        )
    return failed, codes
