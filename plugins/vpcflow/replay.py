"""Sending the forwarder's failed events on (`vpcflow replay`): the events Lambda gave up after every retry,
kept in the forwarder's failure queue, invoked again synchronously.

Lambda puts an invocation record on the queue for each asynchronous event that failed every attempt or grew
older than the maximum event age; its ``requestPayload`` is the original CloudWatch Logs event
(https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html). A dead-letter queue
would hold the bare event instead, and that is read too. Each event is sent with Invoke (RequestResponse),
so the function's answer is known before its message is deleted: a message goes only after its event was
delivered, and one that fails stays, visible again at once, with the function's error reported.

Delivery stays at-least-once: a replay of an event whose earlier attempt had delivered some batches sends
those again, and a message whose delete fails is sent by the next replay too. Duplicates are removed later,
by the hourly compaction.
"""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

RECEIVE_BATCH = 10  # ReceiveMessage and ChangeMessageVisibilityBatch take at most 10


class RecordError(ValueError):
    """A queue message that is not a replayable event; the message names the message and the problem."""


@dataclass(frozen=True)
class FailedEvent:
    """One message of the failure queue and the event it holds."""

    message_id: str
    receipt_handle: str
    payload: dict[str, Any]
    log_group: str | None
    log_stream: str | None
    log_events: int
    condition: str | None = None  # RetriesExhausted or EventAgeExceeded (None for a bare DLQ event)
    attempts: int | None = None
    error: str | None = None  # what the last attempt answered, as Lambda recorded it


@dataclass(frozen=True)
class Replayed:
    message_id: str
    outcome: str  # "sent", "failed", "listed" (dry run) or "unreadable"
    event: FailedEvent | None = None
    records: int | None = None
    error: str | None = None
    deleted: bool = False


@dataclass
class ReplayReport:
    items: list[Replayed] = field(default_factory=list)
    left_in_queue: int | None = None

    def _of(self, outcome: str) -> list[Replayed]:
        return [i for i in self.items if i.outcome == outcome]

    @property
    def sent(self) -> list[Replayed]:
        return self._of("sent")

    @property
    def listed(self) -> list[Replayed]:
        return self._of("listed")

    @property
    def failed(self) -> list[Replayed]:
        return self._of("failed") + self._of("unreadable")

    @property
    def log_events_sent(self) -> int:
        return sum(i.event.log_events for i in self.sent if i.event)

    @property
    def records_sent(self) -> int:
        return sum(i.records or 0 for i in self.sent)


def _error_text(answer: Any) -> str | None:
    if not isinstance(answer, dict):
        return None if answer is None else str(answer)[:500]
    if "errorType" in answer or "errorMessage" in answer:
        return f"{answer.get('errorType', 'Error')}: {answer.get('errorMessage', '')}"
    return None


def _decode_logs(payload: dict[str, Any], where: str) -> tuple[str | None, str | None, int]:
    data = (payload.get("awslogs") or {}).get("data") if isinstance(payload, dict) else None
    if not isinstance(data, str):
        raise RecordError(f"{where}: the event is not a CloudWatch Logs subscription event (no awslogs.data)")
    try:
        envelope = json.loads(gzip.decompress(base64.b64decode(data, validate=True)))
    except (ValueError, OSError, EOFError) as err:
        raise RecordError(f"{where}: awslogs.data is not base64(gzip(JSON)): {err}") from None
    events = envelope.get("logEvents") if isinstance(envelope, dict) else None
    if not isinstance(events, list):
        raise RecordError(f"{where}: the CloudWatch Logs envelope has no logEvents list")
    return envelope.get("logGroup"), envelope.get("logStream"), len(events)


def parse_message(message: dict[str, Any], function: str) -> FailedEvent:
    """The event a failure-queue message holds: a Lambda invocation record of ``function`` (on-failure
    destination) or a bare CloudWatch Logs event (dead-letter queue). Raises RecordError otherwise."""
    message_id = message.get("MessageId", "?")
    where = f"message {message_id}"
    try:
        body = json.loads(message.get("Body", ""))
    except ValueError as err:
        raise RecordError(f"{where}: the body is not JSON: {err}") from None
    if not isinstance(body, dict):
        raise RecordError(f"{where}: the body is JSON {type(body).__name__}, not an object")
    condition = attempts = error = None
    if "requestPayload" in body:
        context = body.get("requestContext") or {}
        arn = str(context.get("functionArn", ""))
        recorded = arn.split(":")[6] if arn.count(":") >= 6 else arn
        if recorded != function:
            raise RecordError(f"{where}: a record of function {recorded or '?'!r}, not of {function!r}")
        payload = body["requestPayload"]
        condition, attempts = context.get("condition"), context.get("approximateInvokeCount")
        error = _error_text(body.get("responsePayload"))
    elif "awslogs" in body:
        payload = body
    else:
        raise RecordError(
            f"{where}: neither a Lambda invocation record (requestPayload) nor a CloudWatch Logs event "
            f"(awslogs); keys {sorted(body)[:8]}"
        )
    group, stream, count = _decode_logs(payload, where)
    return FailedEvent(
        message_id, message["ReceiptHandle"], payload, group, stream, count, condition, attempts, error
    )


def _receive(sqs: Any, queue_url: str, visibility_timeout: int, wait_s: int) -> Iterator[dict[str, Any]]:
    """Every message visible now, once each: received messages stay invisible for ``visibility_timeout``,
    and the loop ends at the first receive that brings nothing new."""
    seen: set[str] = set()
    while True:
        messages = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=RECEIVE_BATCH,
            VisibilityTimeout=visibility_timeout,
            WaitTimeSeconds=wait_s,
        ).get("Messages", [])
        new = [m for m in messages if m["MessageId"] not in seen]
        if not new:
            return
        for message in new:
            seen.add(message["MessageId"])
            yield message


def _invoke(lam: Any, function: str, payload: dict[str, Any]) -> tuple[int | None, str | None]:
    """(records the forwarder sent, None) or (None, the error)."""
    try:
        answer = lam.invoke(
            FunctionName=function, InvocationType="RequestResponse", Payload=json.dumps(payload).encode()
        )
    except (ClientError, BotoCoreError) as err:
        return None, f"Invoke failed: {err}"
    body = answer["Payload"].read()
    try:
        result = json.loads(body) if body else None
    except ValueError:
        result = body.decode("utf-8", "replace")
    if answer.get("FunctionError"):
        return None, _error_text(result) or f"{answer['FunctionError']} function error"
    records = result.get("records_out") if isinstance(result, dict) else None
    return (int(records) if isinstance(records, int) else 0), None


def _make_visible(sqs: Any, queue_url: str, handles: list[tuple[str, str]]) -> None:
    """Messages left in the queue become visible again at once: for the queue-depth alarm and the next run."""
    for start in range(0, len(handles), RECEIVE_BATCH):
        entries = [
            {"Id": str(i), "ReceiptHandle": handle, "VisibilityTimeout": 0}
            for i, (_, handle) in enumerate(handles[start : start + RECEIVE_BATCH])
        ]
        sqs.change_message_visibility_batch(QueueUrl=queue_url, Entries=entries)


def replay(
    sqs: Any,
    lam: Any,
    queue_url: str,
    function: str,
    *,
    dry_run: bool = False,
    limit: int | None = None,
    visibility_timeout: int = 900,
    wait_s: int = 1,
) -> ReplayReport:
    """Invoke ``function`` with the event of each message of ``queue_url``; delete a message once its event
    was delivered. ``dry_run`` lists and sends nothing; ``limit`` stops after that many messages.
    ``visibility_timeout`` should exceed the whole run (each invoke lasts up to the function's timeout)."""
    report = ReplayReport()
    keep: list[tuple[str, str]] = []
    for message in _receive(sqs, queue_url, visibility_timeout, wait_s):
        if limit is not None and len(report.items) >= limit:
            keep.append((message["MessageId"], message["ReceiptHandle"]))
            continue
        try:
            event = parse_message(message, function)
        except RecordError as err:
            report.items.append(Replayed(message["MessageId"], "unreadable", error=str(err)))
            keep.append((message["MessageId"], message["ReceiptHandle"]))
            continue
        if dry_run:
            report.items.append(Replayed(event.message_id, "listed", event))
            keep.append((event.message_id, event.receipt_handle))
            continue
        records, error = _invoke(lam, function, event.payload)
        if error is not None:
            report.items.append(Replayed(event.message_id, "failed", event, error=error))
            keep.append((event.message_id, event.receipt_handle))
            continue
        try:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=event.receipt_handle)
            deleted = True
        except ClientError:  # the event was delivered; the next replay sends it again (at-least-once)
            deleted = False
        report.items.append(Replayed(event.message_id, "sent", event, records=records, deleted=deleted))
    _make_visible(sqs, queue_url, keep)
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    report.left_in_queue = int(attributes.get("ApproximateNumberOfMessages", 0)) + int(
        attributes.get("ApproximateNumberOfMessagesNotVisible", 0)
    )
    return report


def describe(item: Replayed) -> str:
    """One line per message, for the CLI."""
    event = item.event
    source = f"{event.log_group}/{event.log_stream}" if event else ""
    if item.outcome == "sent":
        note = "" if item.deleted else " (delete failed: the next replay sends it again)"
        return f"sent      {item.message_id}  {source}  {event.log_events} log events -> {item.records} records{note}"
    if item.outcome == "listed":
        why = f"  [{event.condition}, {event.attempts} attempts: {event.error}]" if event.condition else ""
        return f"waiting   {item.message_id}  {source}  {event.log_events} log events{why}"
    if item.outcome == "failed":
        return f"FAILED    {item.message_id}  {source}  {event.log_events} log events, left in the queue: {item.error}"
    return f"UNREADABLE {item.message_id}  left in the queue: {item.error}"
