"""The awslogs envelope: what is accepted, and the errors for what is not."""

from __future__ import annotations

import base64
import gzip
import json

import awslogs
import pytest

from tests.lambdas.events import LOG_GROUP, LOG_STREAM, awslogs_envelope, awslogs_event, awslogs_event_from


def test_a_data_message_decodes_to_its_messages_in_order():
    # GIVEN a subscription event holding three flow log lines
    event = awslogs_event(["a b c", "d e f", "g h i"])
    # WHEN decoded
    logs = awslogs.decode(event)
    # THEN the envelope's fields and the messages come back as sent
    assert (logs.message_type, logs.log_group, logs.log_stream) == ("DATA_MESSAGE", LOG_GROUP, LOG_STREAM)
    assert logs.messages == ["a b c", "d e f", "g h i"]


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"Records": []}, r"not a CloudWatch Logs subscription event: no awslogs.data \(got \['Records'\]\)"),
        ({"awslogs": {"data": "not base64 !!"}}, r"awslogs.data is not base64"),
        (
            {"awslogs": {"data": base64.b64encode(b"plain text, no gzip").decode()}},
            r"awslogs.data is not gzip",
        ),
        (awslogs_event_from(gzip.compress(b"{not json")), r"decompressed awslogs.data is not JSON"),
        (awslogs_event_from(gzip.compress(b"[1, 2]")), r"decoded payload is a JSON list, not an object"),
        (awslogs_event_from(gzip.compress(b"\xff\xfe")), r"is not JSON"),
    ],
    ids=["no-awslogs", "not-base64", "not-gzip", "not-json", "json-list", "not-utf8"],
)
def test_undecodable_payloads_say_what_is_wrong(event, expected):
    with pytest.raises(awslogs.PayloadError, match=expected):
        awslogs.decode(event)


def _event(envelope: dict) -> dict:
    return awslogs_event_from(gzip.compress(json.dumps(envelope).encode()))


def test_an_unexpected_envelope_names_the_log_group_and_stream():
    # GIVEN an envelope whose second event has no message
    envelope = awslogs_envelope(["ok", "ok"])
    del envelope["logEvents"][1]["message"]
    # WHEN decoded THEN the error names the group, the stream and the event
    with pytest.raises(
        awslogs.PayloadError, match=rf"log group '{LOG_GROUP}', stream '{LOG_STREAM}': logEvents\[1\]"
    ):
        awslogs.decode(_event(envelope))


def test_an_unknown_message_type_is_an_error():
    envelope = awslogs_envelope(["x"])
    envelope["messageType"] = "SURPRISE"
    with pytest.raises(awslogs.PayloadError, match=r"stream '.*': messageType is 'SURPRISE'"):
        awslogs.decode(_event(envelope))


def test_log_events_must_be_a_list():
    envelope = awslogs_envelope(["x"])
    envelope["logEvents"] = {"message": "x"}
    with pytest.raises(awslogs.PayloadError, match=r"logEvents is a dict, expected a list"):
        awslogs.decode(_event(envelope))
