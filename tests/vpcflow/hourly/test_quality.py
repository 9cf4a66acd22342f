"""Quality verdicts and their evidence, from counts and raw lines."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

import pytest
from vpcflow.hourly.quality import CHECKS, evaluate, failure_message, find_offending_lines, line_failures
from vpcflow.hourly.settings import Thresholds

HOUR = int(datetime(2026, 11, 26, 3, tzinfo=UTC).timestamp())
OK = f"2 123456789012 eni-1 10.0.0.1 10.0.0.2 443 49152 6 10 840 {HOUR + 60} {HOUR + 120} ACCEPT OK"


def _counts(**overrides):
    return {**dict.fromkeys(CHECKS, 0), "total_rows": 1000, **overrides}


def test_clean_hour_passes_every_check():
    results = evaluate(_counts(nodata_rows=40, skipdata_rows=3), Thresholds())
    assert all(r.passed for r in results)
    assert {r.check: r.value for r in results}["nodata_rows"] == 40
    assert failure_message("2026-11-26-03", results, {}) is None


def test_breach_names_each_failed_check_with_numbers_and_samples():
    results = evaluate(_counts(malformed_rows=50, bad_port=1), Thresholds(malformed=0.01, out_of_domain=0.0))
    failed = {r.check for r in results if not r.passed}
    assert failed == {"malformed_rows", "bad_port"}
    message = failure_message("2026-11-26-03", results, {"malformed_rows": ["s3://b/raw/x.gz:7: garbage"]})
    assert "hour 2026-11-26-03" in message
    assert "malformed_rows: 50 rows (5.0000%) > threshold 1.0000%" in message
    assert "bad_port: 1 rows" in message
    assert "s3://b/raw/x.gz:7: garbage" in message


def test_missing_count_is_a_clear_error():
    with pytest.raises(ValueError, match="lacks"):
        evaluate({"total_rows": 1}, Thresholds())


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (OK, set()),
        ("garbage that is not a flow log", {"malformed_rows"}),
        (f"2 123 eni-1 - - - - - - - {HOUR} {HOUR + 60} - NODATA", set()),
        (OK.replace(" 443 ", " 70000 "), {"bad_port"}),
        (OK.replace(" 6 10 ", " 300 10 "), {"bad_protocol"}),
        (OK.replace("ACCEPT", "MAYBE"), {"bad_action"}),
        (OK.replace(" OK", " BROKEN"), {"bad_log_status"}),
        (f"2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 {HOUR + 200} {HOUR + 100} ACCEPT OK", {"bad_time_order"}),
        (f"2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 {HOUR - 86400} {HOUR - 86000} ACCEPT OK", {"outside_hour"}),
    ],
)
def test_line_failures_mirror_the_sql_checks(line, expected):
    assert line_failures(line, HOUR, 1800) == expected


def test_offending_lines_carry_object_and_line_number():
    body = gzip.compress(f"{OK}\nnot a flow log\n{OK}\nstill not\n".encode())
    found = find_offending_lines(
        [("s3://bucket/raw/2026/11/26/03/a.gz", body)], {"malformed_rows"}, HOUR, 1800
    )
    assert found == {
        "malformed_rows": [
            "s3://bucket/raw/2026/11/26/03/a.gz:2: not a flow log",
            "s3://bucket/raw/2026/11/26/03/a.gz:4: still not",
        ]
    }
