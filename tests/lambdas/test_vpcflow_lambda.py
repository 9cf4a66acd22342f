"""lambdas/shared/vpcflow_lambda.py: the configuration errors, environment parsing, remaining time and
summary line both functions share."""

from __future__ import annotations

import json

import pytest
import vpcflow_lambda
from vpcflow_lambda import (
    ConfigError,
    bounded_int,
    configure,
    optional,
    remaining_time,
    required,
    summary_line,
)


def lines(capsys) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_a_missing_required_variable_is_named_with_what_it_is():
    assert required({"STREAM": "  s  "}, "STREAM", "the stream") == "s"
    for env in ({}, {"STREAM": "   "}):
        with pytest.raises(ConfigError, match=r"^environment variable STREAM is required: the stream$"):
            required(env, "STREAM", "the stream")


def test_optional_variables_blank_or_unset_are_none():
    assert optional({"A": " x "}, "A") == "x"
    assert optional({"A": "  "}, "A") is None
    assert optional({}, "A") is None


@pytest.mark.parametrize(
    ("raw", "expected"), [(None, 7), ("", 7), ("  ", 7), ("1", 1), (" 10 ", 10), ("-0", 0)]
)
def test_bounded_int_defaults_when_unset_and_keeps_its_bounds_inclusive(raw, expected):
    env = {} if raw is None else {"N": raw}
    assert bounded_int(env, "N", 7, 0, 10) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("11", r"^environment variable N=11 must be between 0 and 10$"),
        ("-1", r"^environment variable N=-1 must be between 0 and 10$"),
        ("1.5", r"^environment variable N='1.5' is not an integer$"),
        ("ten", r"^environment variable N='ten' is not an integer$"),
    ],
)
def test_bounded_int_errors_name_the_variable_and_the_value(raw, message):
    with pytest.raises(ConfigError, match=message):
        bounded_int({"N": raw}, "N", 7, 0, 10)


def test_remaining_time_asks_the_context(lambda_context):
    left = remaining_time(lambda_context)
    lambda_context.remaining_ms[0] = 1_234
    assert left() == 1_234


@pytest.mark.parametrize("context", [None, object()])
def test_remaining_time_without_a_context_counts_down_from_the_default(context):
    left = remaining_time(context)
    assert vpcflow_lambda.DEFAULT_TIMEOUT_MS - 1_000 < left() <= vpcflow_lambda.DEFAULT_TIMEOUT_MS


def test_summary_line_on_success(lambda_context, capsys):
    # GIVEN counters the body updates
    done = {"items": 0}
    # WHEN the body completes
    with summary_line("fn", lambda_context, lambda: dict(done), table="t") as summary:
        summary["outcome"] = "ok"
        done["items"] = 3
    # THEN one JSON line holds the fields, the counters as they ended, the duration and the request id
    (line,) = lines(capsys)
    assert line == summary
    assert {k: v for k, v in line.items() if k != "duration_ms"} == {
        "function": "fn",
        "table": "t",
        "outcome": "ok",
        "items": 3,
        "request_id": lambda_context.aws_request_id,
    }
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0


def test_summary_line_records_an_exception_and_raises_it(lambda_context, capsys):
    done = {"items": 0}
    # WHEN the body fails after some work
    with pytest.raises(KeyError, match="nope"):
        with summary_line("fn", lambda_context, lambda: dict(done)) as summary:
            done["items"] = 2
            summary["outcome"] = "half way"
            raise KeyError("nope")
    # THEN the line says error, with the exception's type and message, and the work done before it
    (line,) = lines(capsys)
    assert (line["outcome"], line["error"], line["items"]) == ("error", "KeyError: 'nope'", 2)


def test_summary_line_without_a_request_id_leaves_it_out(capsys):
    with summary_line("fn", None) as summary:
        summary["outcome"] = "ok"
    (line,) = lines(capsys)
    assert "request_id" not in line and line["function"] == "fn"


def test_configure_logs_only_a_failure(lambda_context, capsys):
    assert configure("fn", lambda_context, lambda: 42) == 42
    assert capsys.readouterr().out == ""

    def load():
        raise ConfigError("environment variable X is required: x")

    with pytest.raises(ConfigError):
        configure("fn", lambda_context, load)
    assert lines(capsys) == [
        {
            "function": "fn",
            "outcome": "error",
            "error": "ConfigError: environment variable X is required: x",
            "request_id": lambda_context.aws_request_id,
        }
    ]


def test_both_handlers_use_this_one_module(cw_handler, partitioner_handler):
    # In-process tests import the same file the zips carry (tests/vpcflow/test_packaging.py checks those).
    assert cw_handler.ConfigError is partitioner_handler.ConfigError is ConfigError
    assert vpcflow_lambda.__file__.endswith("lambdas/shared/vpcflow_lambda.py")
