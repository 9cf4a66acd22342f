"""Quality verdicts and their evidence, from counts and raw lines, for any flow-log format."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

import pytest
from vpcflow.hourly.quality import (
    CHECKS,
    Window,
    blocking,
    checks_for,
    evaluate,
    failure_message,
    find_offending_lines,
    line_failures,
    warnings,
)
from vpcflow.hourly.settings import Thresholds
from vpcflow.model.formats import DEFAULT_FORMAT, parse_log_format

HOUR = int(datetime(2026, 11, 26, 3, tzinfo=UTC).timestamp())
WINDOW = Window(HOUR - 1800, HOUR + 3600 + 1800)
OK = f"2 123456789012 eni-1 10.0.0.1 10.0.0.2 443 49152 6 10 840 {HOUR + 60} {HOUR + 120} ACCEPT OK"
# AWS's NAT-gateway example format (VPC user guide, "Flow log record examples"): no status, no action.
NAT = parse_log_format("${instance-id} ${interface-id} ${srcaddr} ${dstaddr} ${pkt-srcaddr} ${pkt-dstaddr}")


def _counts(**overrides):
    return {**{c.name: 0 for c in CHECKS}, "total_rows": 1000, **overrides}


def test_clean_hour_passes_every_check():
    results = evaluate(_counts(nodata_rows=40, skipdata_rows=3), Thresholds(), DEFAULT_FORMAT)
    assert all(r.passed for r in results)
    assert {r.check: r.value for r in results}["nodata_rows"] == 40
    assert failure_message("2026-11-26-03", blocking(results), {}) is None


def test_breach_names_each_failed_check_with_numbers_and_samples():
    results = evaluate(
        _counts(malformed_rows=50, bad_port=1), Thresholds(malformed=0.01, out_of_domain=0.0), DEFAULT_FORMAT
    )
    assert {r.check for r in blocking(results)} == {"malformed_rows", "bad_port"}
    message = failure_message(
        "2026-11-26-03", blocking(results), {"malformed_rows": ["s3://b/raw/x.gz:7: garbage"]}
    )
    assert "hour 2026-11-26-03" in message
    assert "malformed_rows (block): 50 rows (5.0000%) > threshold 1.0000%" in message
    assert "bad_port (block): 1 rows" in message
    assert "s3://b/raw/x.gz:7: garbage" in message


def test_late_flows_and_duplicates_warn_without_blocking():
    results = evaluate(_counts(outside_hour=200, duplicate_rows=50), Thresholds(), DEFAULT_FORMAT)
    assert blocking(results) == []
    assert {r.check for r in warnings(results)} == {"outside_hour", "duplicate_rows"}


def test_missing_count_is_a_clear_error():
    with pytest.raises(ValueError, match="lacks"):
        evaluate({"total_rows": 1}, Thresholds(), DEFAULT_FORMAT)


def test_a_format_runs_only_the_checks_it_has_the_fields_for():
    assert [c.name for c in checks_for(NAT)] == ["malformed_rows", "duplicate_rows"]
    assert [c.name for c in checks_for(DEFAULT_FORMAT)] == [c.name for c in CHECKS]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (OK, set()),
        ("garbage that is not a flow log", {"malformed_rows"}),
        (OK.replace(f" {HOUR + 60} ", f" {HOUR}x ", 1), {"malformed_rows"}),  # a time that is no number
        (f"2 123456789012 eni-1 - - - - - - - {HOUR} {HOUR + 60} - NODATA", set()),
        # AWS writes 'unknown' (or '-') as the account of interfaces services own: not a defect
        (OK.replace("123456789012", "unknown"), set()),
        (OK.replace("123456789012", "-"), set()),
        (OK.replace("123456789012", "12345"), {"bad_account"}),
        (OK.replace(" 443 ", " 70000 "), {"bad_port"}),
        (OK.replace(" 443 ", " - "), {"bad_port"}),
        (OK.replace(" 6 10 ", " 300 10 "), {"bad_protocol"}),
        (OK.replace("ACCEPT", "MAYBE"), {"bad_action"}),
        (OK.replace(" OK", " BROKEN"), {"bad_log_status"}),
        (f"2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 {HOUR + 200} {HOUR + 100} ACCEPT OK", {"bad_time_order"}),
        (f"2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 {HOUR - 86400} {HOUR - 86000} ACCEPT OK", {"outside_hour"}),
    ],
)  # fmt: skip
def test_line_failures_mirror_the_sql_checks(line, expected):
    assert line_failures(line, DEFAULT_FORMAT, WINDOW) == expected


def test_line_failures_follow_the_format_not_the_blog():
    # AWS's NAT-gateway example records: six tokens, '-' where a field does not apply
    assert (
        line_failures("- eni-1235b8ca123456789 10.0.1.5 10.0.0.220 10.0.1.5 203.0.113.5", NAT, WINDOW)
        == set()
    )
    assert line_failures(OK, NAT, WINDOW) == {"malformed_rows"}


def test_offending_lines_carry_object_and_line_number():
    body = gzip.compress(f"{OK}\nnot a flow log\n{OK}\nstill not\n".encode())
    found = find_offending_lines(
        [("s3://bucket/raw/2026/11/26/03/a.gz", body)], {"malformed_rows"}, DEFAULT_FORMAT, WINDOW
    )
    assert found == {
        "malformed_rows": [
            "s3://bucket/raw/2026/11/26/03/a.gz:2: not a flow log",
            "s3://bucket/raw/2026/11/26/03/a.gz:4: still not",
        ]
    }
