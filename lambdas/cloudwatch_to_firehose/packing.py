"""Lines -> Firehose records -> PutRecordBatch batches, never splitting a line.

Firehose concatenates the records it delivers, so a record holding many '\\n'-terminated lines gives the
same S3 bytes as one record per line, but is billed once (each record is rounded up to 5 KB).
"""

from __future__ import annotations

# Firehose limits (https://docs.aws.amazon.com/firehose/latest/dev/limits.html).
MAX_RECORD_BYTES = 1_000 * 1024  # one record, before base64
MAX_BATCH_RECORDS = 500  # records per PutRecordBatch
MAX_BATCH_BYTES = 4 * 1024 * 1024  # data per PutRecordBatch


class LineTooLongError(ValueError):
    """A line that no Firehose record can hold (records are never split inside a line)."""


def pack_lines(
    messages: list[str], max_record_bytes: int = MAX_RECORD_BYTES, where: str = "input"
) -> list[bytes]:
    """Each message + '\\n', UTF-8, packed in order into records of at most ``max_record_bytes``.

    The concatenation of the records is exactly the concatenation of the lines. Raises LineTooLongError
    (naming ``where``, the event index and the sizes) for a line longer than a record.
    """
    if not messages:
        return []
    # Joining with a trailing "" ends the text with '\n' without copying the whole text once more.
    text = "\n".join([*messages, ""])
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(
            f"{where}: a message is not valid Unicode ({exc.reason} at character {exc.start})"
        ) from None
    del text
    if len(data) <= max_record_bytes:
        return [data]
    if data.count(b"\n") == len(messages):
        return _cut_at_newlines(data, max_record_bytes, where)
    # Some message holds a '\n' itself: cut between messages only, so each one stays in one record.
    return _pack_each(messages, max_record_bytes, where)


def _cut_at_newlines(data: bytes, max_record_bytes: int, where: str) -> list[bytes]:
    # Every '\n' ends a line here, so cutting after the last '\n' that fits keeps lines whole. rfind runs
    # in C: the cost per record is one scan back from the window's end, not one step per line.
    records = []
    start, size = 0, len(data)
    while size - start > max_record_bytes:
        cut = data.rfind(b"\n", start, start + max_record_bytes)
        if cut < 0:
            end = data.find(b"\n", start)
            index = data.count(b"\n", 0, start)
            raise LineTooLongError(
                f"{where}: log event {index} is {end + 1 - start} bytes with its newline, "
                f"more than a Firehose record holds ({max_record_bytes} bytes)"
            )
        records.append(data[start : cut + 1])
        start = cut + 1
    records.append(data[start:])
    return records


def _pack_each(messages: list[str], max_record_bytes: int, where: str) -> list[bytes]:
    records: list[bytes] = []
    current: list[bytes] = []
    current_size = 0
    for index, message in enumerate(messages):
        line = message.encode("utf-8") + b"\n"
        if len(line) > max_record_bytes:
            raise LineTooLongError(
                f"{where}: log event {index} is {len(line)} bytes with its newline, "
                f"more than a Firehose record holds ({max_record_bytes} bytes)"
            )
        if current_size + len(line) > max_record_bytes:
            records.append(b"".join(current))
            current, current_size = [], 0
        current.append(line)
        current_size += len(line)
    records.append(b"".join(current))
    return records


def batch_records(
    records: list[bytes], max_records: int = MAX_BATCH_RECORDS, max_bytes: int = MAX_BATCH_BYTES
) -> list[list[bytes]]:
    """Records grouped in order into PutRecordBatch calls of at most ``max_records`` and ``max_bytes``."""
    batches: list[list[bytes]] = []
    current: list[bytes] = []
    current_bytes = 0
    for record in records:
        if len(record) > max_bytes:
            raise ValueError(f"a record of {len(record)} bytes exceeds the batch limit of {max_bytes} bytes")
        if current and (len(current) == max_records or current_bytes + len(record) > max_bytes):
            batches.append(current)
            current, current_bytes = [], 0
        current.append(record)
        current_bytes += len(record)
    if current:
        batches.append(current)
    return batches
