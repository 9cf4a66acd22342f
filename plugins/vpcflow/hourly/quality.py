"""Quality checks of one ingest hour: what the one-scan query counts, the verdict, and the evidence.

sql/hourly/check_quality.sql counts every check in one scan; ``evaluate`` turns those counts into one
row per check (what the quality table stores); ``failure_message`` names each failed check with its
numbers and a few offending raw lines, which ``find_offending_lines`` locates in the hour's S3 objects.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from vpcflow.hourly.settings import Thresholds
from vpcflow.model.formats import BLOG_REGEX

# The count columns of check_quality.sql, in order, and which threshold each answers to (None: reported
# only — NODATA and SKIPDATA are records AWS writes on purpose, not defects).
CHECKS: dict[str, str | None] = {
    "total_rows": None,
    "malformed_rows": "malformed",
    "nodata_rows": None,
    "skipdata_rows": None,
    "bad_port": "out_of_domain",
    "bad_protocol": "out_of_domain",
    "bad_action": "out_of_domain",
    "bad_log_status": "out_of_domain",
    "bad_time_order": "out_of_domain",
    "negative_counts": "out_of_domain",
    "outside_hour": "outside_hour",
    "duplicate_rows": "duplicates",
}

_LINE = re.compile(BLOG_REGEX)


@dataclass(frozen=True)
class CheckResult:
    check: str
    value: int
    ratio: float
    threshold: float | None
    passed: bool

    def as_row(self) -> dict[str, object]:
        return {
            "check_name": self.check,
            "value": self.value,
            "ratio": self.ratio,
            "threshold": self.threshold,
            "passed": self.passed,
        }


def evaluate(counts: Mapping[str, int | None], thresholds: Thresholds) -> list[CheckResult]:
    """One result per check; a check passes while its share of the hour's rows stays within its threshold."""
    missing = [name for name in CHECKS if name not in counts]
    if missing:
        raise ValueError(f"quality query result lacks {missing}; got {sorted(counts)}")
    total = int(counts["total_rows"] or 0)
    results = []
    for name, kind in CHECKS.items():
        value = int(counts[name] or 0)
        ratio = value / total if total else 0.0
        limit = getattr(thresholds, kind) if kind else None
        results.append(CheckResult(name, value, round(ratio, 6), limit, limit is None or ratio <= limit))
    return results


def failure_message(
    hour: str, results: Iterable[CheckResult], samples: Mapping[str, list[str]]
) -> str | None:
    """The message a breached hour fails with, or None when every check passed."""
    failed = [r for r in results if not r.passed]
    if not failed:
        return None
    lines = [f"quality checks failed for hour {hour}:"]
    for result in failed:
        lines.append(
            f"  {result.check}: {result.value} rows ({result.ratio:.4%}) > threshold {result.threshold:.4%}"
        )
        lines.extend(f"    {sample}" for sample in samples.get(result.check, []))
    return "\n".join(lines)


def line_failures(line: str, hour_start: int, tolerance_s: int) -> set[str]:
    """The checks one raw line fails, judged as check_quality.sql judges its row (for the evidence)."""
    match = _LINE.match(line)
    if not match:
        return {"malformed_rows"}
    (_v, _acct, _eni, _src, _dst, sport, dport, proto, packets, nbytes, start, end, action, status) = (
        match.groups()
    )
    failed = set()
    if status not in ("OK", "NODATA", "SKIPDATA"):
        failed.add("bad_log_status")
    if status != "OK":
        return failed
    if not all(_int_between(p, 0, 65535) for p in (sport, dport)):
        failed.add("bad_port")
    if not _int_between(proto, 0, 255):
        failed.add("bad_protocol")
    if action not in ("ACCEPT", "REJECT"):
        failed.add("bad_action")
    if int(start) > int(end):
        failed.add("bad_time_order")
    if any(v.lstrip("-").isdigit() and int(v) < 0 for v in (packets, nbytes)):
        failed.add("negative_counts")
    if not hour_start - tolerance_s <= int(start) < hour_start + 3600 + tolerance_s:
        failed.add("outside_hour")
    return failed


def _int_between(text: str, low: int, high: int) -> bool:
    return text.isdigit() and low <= int(text) <= high


def iter_lines(body: bytes) -> Iterator[tuple[int, str]]:
    """(line number from 1, line) of an object as Firehose wrote it (gzip detected by its magic bytes)."""
    data = gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body
    yield from enumerate(data.decode("utf-8", errors="replace").splitlines(), start=1)


def find_offending_lines(
    objects: Iterable[tuple[str, bytes]], checks: set[str], hour_start: int, tolerance_s: int, limit: int = 3
) -> dict[str, list[str]]:
    """Up to ``limit`` raw lines per failed check, each with its S3 object and line number."""
    found: dict[str, list[str]] = {check: [] for check in checks}
    for uri, body in objects:
        for number, line in iter_lines(body):
            for check in line_failures(line, hour_start, tolerance_s) & checks:
                if len(found[check]) < limit:
                    found[check].append(f"{uri}:{number}: {line[:300]}")
            if all(len(v) >= limit for v in found.values()):
                return found
    return found
