"""Quality checks of one ingest hour: what the one-scan query counts, the verdict, and the evidence.

``CHECKS`` is the table: each check's count (a SQL predicate over one typed row, and the same predicate in
Python for the evidence), the fields it needs, the threshold it answers to and what a breach does. A format
without a check's fields does not run that check (its rows would be meaningless, not zero).

Severities: a breach of a ``block`` check fails the hour before anything reaches the Parquet table
(values AWS would not write: the data is not what vpcflow thinks it is); a ``warn`` breach lets the hour
through and notifies (late flows and duplicates are normal under at-least-once delivery; compaction keeps
each distinct record once); ``info`` counts are reported only (NODATA and SKIPDATA are records AWS writes
on purpose).

sql/hourly/check_quality.sql counts every applicable check in one scan; ``evaluate`` turns those counts
into one row per check (what the quality table stores); ``failure_message`` names each failed check with its
numbers and a few offending raw lines, which ``find_offending_lines`` locates in the hour's S3 objects.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from vpcflow.hourly.settings import Thresholds
from vpcflow.model.formats import FlowLogFormat

Severity = Literal["block", "warn", "info"]
Row = Mapping[str, Any]  # field name -> typed value, as FlowLogFormat.typed_row gives it


@dataclass(frozen=True)
class Window:
    """Where a flow's start may lie for its ingest hour (epoch seconds, end exclusive)."""

    earliest: int
    latest: int


@dataclass(frozen=True)
class Check:
    name: str
    needs: tuple[str, ...]  # format fields; a format without them does not run the check
    threshold: str | None  # the Thresholds attribute it answers to; None: reported only
    severity: Severity
    # The predicate over one non-malformed typed row, in Athena SQL: {field} names its column, {ok} is the
    # "a flow record" predicate, {earliest}/{latest} the window. Counted over every row when malformed.
    sql: str
    matches: Callable[[Row, Window], bool]
    counts_malformed: bool = False


def _ok(row: Row) -> bool:
    return row.get("log-status", "OK") == "OK"


def _between(value: Any, low: int, high: int) -> bool:
    return value is not None and low <= value <= high


def _account_ok(value: Any) -> bool:
    return value in ("unknown", "-") or (isinstance(value, str) and len(value) == 12 and value.isdigit())


CHECKS: tuple[Check, ...] = (
    Check("malformed_rows", (), "malformed", "block", "true", lambda r, w: False, counts_malformed=True),
    Check("nodata_rows", ("log-status",), None, "info", "{log_status} = 'NODATA'",
          lambda r, w: r["log-status"] == "NODATA"),
    Check("skipdata_rows", ("log-status",), None, "info", "{log_status} = 'SKIPDATA'",
          lambda r, w: r["log-status"] == "SKIPDATA"),
    Check("bad_log_status", ("log-status",), "out_of_domain", "block",
          "NOT coalesce({log_status} IN ('OK', 'NODATA', 'SKIPDATA'), false)",
          lambda r, w: r["log-status"] not in ("OK", "NODATA", "SKIPDATA")),
    Check("bad_account", ("account-id",), "out_of_domain", "block",
          "NOT coalesce(regexp_like({account_id}, '^[0-9]{{12}}$') OR {account_id} IN ('unknown', '-'), false)",
          lambda r, w: not _account_ok(r["account-id"])),
    Check("bad_port", ("srcport", "dstport"), "out_of_domain", "block",
          "{ok} AND NOT (coalesce({srcport} BETWEEN 0 AND 65535, false) "
          "AND coalesce({dstport} BETWEEN 0 AND 65535, false))",
          lambda r, w: _ok(r) and not (_between(r["srcport"], 0, 65535) and _between(r["dstport"], 0, 65535))),
    Check("bad_protocol", ("protocol",), "out_of_domain", "block",
          "{ok} AND NOT coalesce({protocol} BETWEEN 0 AND 255, false)",
          lambda r, w: _ok(r) and not _between(r["protocol"], 0, 255)),
    Check("bad_action", ("action",), "out_of_domain", "block",
          "{ok} AND NOT coalesce({action} IN ('ACCEPT', 'REJECT'), false)",
          lambda r, w: _ok(r) and r["action"] not in ("ACCEPT", "REJECT")),
    Check("bad_time_order", ("start", "end"), "out_of_domain", "block",
          "{ok} AND NOT coalesce({start} <= {end}, false)",
          lambda r, w: _ok(r) and not (r["start"] is not None and r["end"] is not None and r["start"] <= r["end"])),
    Check("negative_counts", ("packets", "bytes"), "out_of_domain", "block",
          "{ok} AND NOT (coalesce({packets} >= 0, false) AND coalesce({bytes} >= 0, false))",
          lambda r, w: _ok(r) and not (_between(r["packets"], 0, 2**63) and _between(r["bytes"], 0, 2**63))),
    Check("outside_hour", ("start",), "outside_hour", "warn",
          "{ok} AND ({start} < {earliest} OR {start} >= {latest})",
          lambda r, w: _ok(r) and r["start"] is not None and not w.earliest <= r["start"] < w.latest),
    Check("duplicate_rows", (), "duplicates", "warn", "", lambda r, w: False),
)  # fmt: skip
TOTAL = "total_rows"


def checks_for(fmt: FlowLogFormat) -> list[Check]:
    """The checks ``fmt`` has the fields for, in table order."""
    return [check for check in CHECKS if fmt.has(*check.needs)]


def count_expressions(fmt: FlowLogFormat, window: Window) -> list[tuple[str, str]]:
    """(check, SQL sum) for check_quality.sql, over rows grouped by every column (``n`` copies of each)
    with a ``malformed`` flag: the check table's predicates with the format's column names."""
    names = {f.name.replace("-", "_"): f.column.lower() for f in fmt.fields}
    ok = "coalesce({log_status} = 'OK', false)".format(**names) if fmt.has("log-status") else "true"
    sums = []
    for check in checks_for(fmt):
        if check.counts_malformed:
            expression = "sum(CASE WHEN malformed THEN n ELSE 0 END)"
        elif check.name == "duplicate_rows":
            expression = "sum(CASE WHEN NOT malformed THEN n - 1 ELSE 0 END)"
        else:
            predicate = check.sql.format(ok=ok, earliest=window.earliest, latest=window.latest, **names)
            expression = f"sum(CASE WHEN NOT malformed AND ({predicate}) THEN n ELSE 0 END)"
        sums.append((check.name, expression))
    return sums


@dataclass(frozen=True)
class CheckResult:
    check: str
    value: int
    ratio: float
    threshold: float | None
    passed: bool
    severity: Severity

    def as_row(self) -> dict[str, object]:
        return {
            "check_name": self.check,
            "value": self.value,
            "ratio": self.ratio,
            "threshold": self.threshold,
            "passed": self.passed,
            "severity": self.severity,
        }


def evaluate(
    counts: Mapping[str, int | None], thresholds: Thresholds, fmt: FlowLogFormat
) -> list[CheckResult]:
    """One result per check (the total first); a check passes while its share of the hour's rows stays
    within its threshold."""
    checks = checks_for(fmt)
    missing = [name for name in (TOTAL, *(c.name for c in checks)) if name not in counts]
    if missing:
        raise ValueError(f"quality query result lacks {missing}; got {sorted(counts)}")
    total = int(counts[TOTAL] or 0)
    results = [CheckResult(TOTAL, total, 1.0 if total else 0.0, None, True, "info")]
    for check in checks:
        value = int(counts[check.name] or 0)
        ratio = value / total if total else 0.0
        limit = getattr(thresholds, check.threshold) if check.threshold else None
        passed = limit is None or ratio <= limit
        results.append(CheckResult(check.name, value, round(ratio, 6), limit, passed, check.severity))
    return results


def blocking(results: Iterable[CheckResult]) -> list[CheckResult]:
    return [r for r in results if not r.passed and r.severity == "block"]


def warnings(results: Iterable[CheckResult]) -> list[CheckResult]:
    return [r for r in results if not r.passed and r.severity == "warn"]


def failure_message(hour: str, failed: Iterable[CheckResult], samples: Mapping[str, list[str]]) -> str | None:
    """What a breached hour reports: each failed check with its numbers and sample lines; None if none."""
    failed = list(failed)
    if not failed:
        return None
    lines = [f"quality checks failed for hour {hour}:"]
    for result in failed:
        lines.append(
            f"  {result.check} ({result.severity}): {result.value} rows ({result.ratio:.4%}) > threshold "
            f"{result.threshold:.4%}"
        )
        lines.extend(f"    {sample}" for sample in samples.get(result.check, []))
    return "\n".join(lines)


def line_failures(line: str, fmt: FlowLogFormat, window: Window) -> set[str]:
    """The checks one raw line fails, judged as check_quality.sql judges its row (for the evidence).
    Duplicates are a property of the hour, not of a line: never reported here."""
    row = fmt.typed_row(line)
    if row is None:
        return {"malformed_rows"}
    return {
        check.name
        for check in checks_for(fmt)
        if check.severity != "info" and not check.counts_malformed and check.matches(row, window)
    }


def iter_lines(body: bytes) -> Iterator[tuple[int, str]]:
    """(line number from 1, line) of an object as Firehose wrote it (gzip detected by its magic bytes)."""
    data = gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body
    yield from enumerate(data.decode("utf-8", errors="replace").splitlines(), start=1)


def find_offending_lines(
    objects: Iterable[tuple[str, bytes]],
    checks: set[str],
    fmt: FlowLogFormat,
    window: Window,
    limit: int = 3,
) -> dict[str, list[str]]:
    """Up to ``limit`` raw lines per failed check, each with its S3 object and line number."""
    found: dict[str, list[str]] = {check: [] for check in checks}
    for uri, body in objects:
        for number, line in iter_lines(body):
            for check in line_failures(line, fmt, window) & checks:
                if len(found[check]) < limit:
                    found[check].append(f"{uri}:{number}: {line[:300]}")
            if all(len(v) >= limit for v in found.values()):
                return found
    return found
