"""Lines -> records -> batches: Firehose limits, order and exact bytes."""

from __future__ import annotations

import packing
import pytest

from tests.lambdas.events import flow_log_lines


def lines_bytes(messages: list[str]) -> bytes:
    return "".join(m + "\n" for m in messages).encode()


def test_few_lines_make_one_record_with_exactly_the_lines():
    # GIVEN ten flow log records
    messages = flow_log_lines(10)
    # WHEN they are packed
    records = packing.pack_lines(messages)
    # THEN one record holds every line, newline-terminated, in order
    assert records == [lines_bytes(messages)]


def test_no_messages_make_no_records():
    assert packing.pack_lines([]) == []


def test_records_respect_the_limit_keep_lines_whole_and_in_order():
    # GIVEN lines of varied length, some multi-byte, and a small record limit
    messages = [("é" * (i % 37)) + f"line {i}" for i in range(2_000)]
    # WHEN packed into records of at most 300 bytes
    records = packing.pack_lines(messages, max_record_bytes=300)
    # THEN no record exceeds it, each ends at a line end, and together they are exactly the lines
    assert all(len(r) <= 300 for r in records)
    assert all(r.endswith(b"\n") for r in records)
    assert b"".join(records) == lines_bytes(messages)
    # AND records are full: the next line would not have fitted
    for record, following in zip(records, records[1:], strict=False):
        assert len(record) + len(following.split(b"\n", 1)[0]) + 1 > 300


def test_real_limit_of_1000_kib_per_record():
    # GIVEN about 3 MB of flow log lines
    messages = flow_log_lines(30_000)
    # WHEN packed with Firehose's limit
    records = packing.pack_lines(messages)
    # THEN every record is at most 1,000 KiB, all but the last nearly full, and the bytes are exact
    assert packing.MAX_RECORD_BYTES == 1_024_000
    assert all(len(r) <= 1_024_000 for r in records)
    assert all(len(r) > 1_024_000 - 200 for r in records[:-1])
    assert b"".join(records) == lines_bytes(messages)


def test_a_message_with_its_own_newline_stays_in_one_record():
    # GIVEN messages that carry newlines themselves (multi-line log events)
    messages = [f"event {i}\ncontinued" if i % 3 == 0 else f"event {i}" for i in range(200)]
    # WHEN packed into small records
    records = packing.pack_lines(messages, max_record_bytes=64)
    # THEN each event's bytes stay within one record, and the concatenation is exact
    assert b"".join(records) == lines_bytes(messages)
    for i in range(0, 200, 3):
        whole = f"event {i}\ncontinued\n".encode()
        assert any(whole in r for r in records)


@pytest.mark.parametrize("embedded_newline", [False, True])
def test_a_line_longer_than_a_record_is_an_error_naming_the_event(embedded_newline):
    # GIVEN a line of 101 bytes (with its newline) among short ones, and records of 100 bytes
    long = "x" * 50 + ("\n" if embedded_newline else "y") + "z" * 49
    messages = ["short", "short", long, "short"]
    # WHEN packed THEN the error names where, which event and the sizes
    with pytest.raises(
        packing.LineTooLongError, match=r"log group 'g'.*log event 2 is 101 bytes.*\(100 bytes\)"
    ):
        packing.pack_lines(messages, max_record_bytes=100, where="log group 'g'")


def test_batches_hold_at_most_500_records_in_order():
    # GIVEN 1,201 small records
    records = [f"{i}\n".encode() for i in range(1_201)]
    # WHEN batched THEN 500 + 500 + 201, in order
    batches = packing.batch_records(records)
    assert [len(b) for b in batches] == [500, 500, 201]
    assert [r for b in batches for r in b] == records


def test_batches_hold_at_most_4_mib():
    # GIVEN five full 1,000 KiB records
    records = [bytes([65 + i]) * 1_024_000 for i in range(5)]
    # WHEN batched THEN four fit in 4 MiB (4,096,000 <= 4,194,304), the fifth goes alone, order kept
    batches = packing.batch_records(records)
    assert [len(b) for b in batches] == [4, 1]
    assert all(sum(map(len, b)) <= 4 * 1024 * 1024 for b in batches)
    assert [r for b in batches for r in b] == records


def test_batch_limits_are_configurable():
    records = [b"a" * 10] * 10
    assert [len(b) for b in packing.batch_records(records, max_records=3)] == [3, 3, 3, 1]
    assert [len(b) for b in packing.batch_records(records, max_bytes=25)] == [2] * 5
