"""Detections measured against labelled attacks: precision and recall per detector, alerts per day.

    .venv/bin/python benchmarks/bench_detections.py        # or: .venv/bin/python benchmarks/run.py detections

For each seed, a scenario (vpcflow.synthetic.scenario) of ``BENCH_DETECT_HISTORY_DAYS`` days of benign
look-alikes (health checks, monitoring, an allowlisted scanner, nightly backups, deployments, campaign
spikes, an ETL interface, administrators) followed by ``BENCH_DETECT_DAYS`` scored days that add labelled
incidents, is written straight into a fresh stack's Parquet table on an in-process LocalAWS
(vpcflow.synthetic.parquet_sink), and every hour is judged by vpcflow.detections.engine.detect in one
backfill run. Findings that start in the scored days are scored (vpcflow.synthetic.scoring). Benign
seeds run the same scenario without incidents: their alerts per day are the false-alarm load of a quiet
week.

The detectors' thresholds were tuned on the seeds in ``TUNING_SEEDS``; the figures come from the others.
``BENCH_DETECT_SEEDS`` / ``BENCH_DETECT_BENIGN_SEEDS`` (comma-separated) choose other seeds,
``BENCH_DETECT_RECORDS`` the ordinary records per hour, ``BENCH_DETECT_EQUIVALENCE=0`` skips the check that
hourly runs in order give the findings of the backfill (a second stack of the first seed: its history as
a backfill, then its scored week one run per hour).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
for path in (REPO, REPO / "plugins", REPO / "localaws" / "src"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

# 201 and 202 were a first evaluation: 202's one false positive (a jump host's short SSH sessions taken for
# probes) changed the probe definition, so both joined the seeds the detectors were tuned on.
TUNING_SEEDS = (101, 102, 201, 202)
SEEDS = tuple(int(s) for s in os.environ.get("BENCH_DETECT_SEEDS", "401,402,403,404,405").split(",") if s)
BENIGN_SEEDS = tuple(int(s) for s in os.environ.get("BENCH_DETECT_BENIGN_SEEDS", "501,502").split(",") if s)
HISTORY_DAYS = int(os.environ.get("BENCH_DETECT_HISTORY_DAYS", "7"))
DAYS = int(os.environ.get("BENCH_DETECT_DAYS", "7"))
RECORDS = int(os.environ.get("BENCH_DETECT_RECORDS", "3000"))
EQUIVALENCE = os.environ.get("BENCH_DETECT_EQUIVALENCE", "1") != "0"
START = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday
TARGET_RECALL, TARGET_PRECISION, TARGET_ALERTS_PER_DAY = 0.95, 0.90, 5.0


@dataclass
class SeedRun:
    seed: int
    incidents: bool
    hours: int
    lines: int
    write_s: float
    detect_s: float
    queries: int
    bytes_scanned: int
    parquet_bytes: int
    score: Any
    rows: list[dict[str, Any]]


def _stack(endpoint: str, suffix: str) -> tuple[Any, Any]:
    from vpcflow.model.config import StackConfig
    from vpcflow.provision.common import Clients
    from vpcflow.provision.stack import provision_catalog, provision_storage

    config = StackConfig.isolated("bench", suffix, quicksight=False)
    clients = Clients(endpoint_url=endpoint, region="us-east-1")
    provision_storage(clients, config)
    provision_catalog(clients, config)
    return config, clients


def _findings(clients: Any, config: Any) -> list[dict[str, Any]]:
    from vpcflow.athena import Athena

    athena = Athena.for_stack(clients("athena"), config, first_poll_s=0.02, max_poll_s=0.05)
    return athena.query(f"SELECT * FROM {config.database}.vpc_flow_findings")


def run_seed(endpoint: str, seed: int, incidents: bool, hourly: bool = False) -> SeedRun:
    from vpcflow.detections.detectors import DETECTORS
    from vpcflow.detections.engine import detect
    from vpcflow.detections.settings import DetectionSettings
    from vpcflow.synthetic.parquet_sink import write_parquet_hours
    from vpcflow.synthetic.scenario import ScenarioConfig, build_scenario
    from vpcflow.synthetic.scoring import Finding, score

    scenario = build_scenario(START, ScenarioConfig(seed, RECORDS, HISTORY_DAYS, DAYS, incidents=incidents))
    os.environ.update(scenario.environment())
    config, clients = _stack(endpoint, f"{seed}{'h' if hourly else ''}{'i' if incidents else 'b'}")
    started = time.monotonic()
    lines = 0

    def counted():
        nonlocal lines
        for batch in scenario.batches():
            lines += len(batch.lines)
            yield batch

    labels = write_parquet_hours(counted(), clients("s3"), clients("glue"), config)
    written = time.monotonic() - started
    settings = DetectionSettings()
    options = {"first_poll_s": 0.02, "max_poll_s": 0.05}
    started = time.monotonic()
    queries = scanned = 0
    if hourly:
        # The history as a backfill, then the scored days as hourly runs, one per hour in order.
        history = [h for h in labels if h < f"{scenario.scored_from:%Y-%m-%d-%H}"]
        detect(clients("athena"), clients("s3"), config, settings, history, "history", **options)
        labels = [h for h in labels if h not in history]
        started = time.monotonic()
        for label in labels:
            report = detect(clients("athena"), clients("s3"), config, settings, [label], "hourly", **options)
            queries, scanned = queries + report.queries, scanned + report.bytes_scanned
    else:
        report = detect(clients("athena"), clients("s3"), config, settings, labels, "backfill", **options)
        queries, scanned = report.queries, report.bytes_scanned
    detected = time.monotonic() - started
    rows = _findings(clients, config)
    parquet = sum(
        o["Size"]
        for page in clients("s3")
        .get_paginator("list_objects_v2")
        .paginate(Bucket=config.bucket, Prefix=config.parquet_prefix)
        for o in page.get("Contents", [])
    )
    result = score(
        Finding.from_rows(rows), scenario.labels, scenario.scored_from, DAYS, [d.name for d in DETECTORS]
    )
    return SeedRun(
        seed, incidents, len(labels), lines, written, detected, queries, scanned, parquet, result, rows
    )


def _fmt(value: float | None) -> str:
    return "   n/a" if value is None else f"{value:6.3f}"


def table(runs: list[SeedRun]) -> tuple[str, bool]:
    from vpcflow.detections.detectors import DETECTORS

    attack = [r for r in runs if r.incidents]
    benign = [r for r in runs if not r.incidents]
    out = [
        f"{'detector':22} {'incidents':>9} {'found':>5} {'recall':>6} {'findings':>8} {'TP':>4} {'precision':>9}"
    ]
    met = True
    for det in DETECTORS:
        expected = sum(r.score.detectors[det.name].expected for r in attack)
        found = sum(r.score.detectors[det.name].found for r in attack)
        findings = sum(r.score.detectors[det.name].findings for r in attack)
        tp = sum(r.score.detectors[det.name].true_positives for r in attack)
        recall = found / expected if expected else None
        precision = tp / findings if findings else None
        met &= (
            recall is not None
            and recall >= TARGET_RECALL
            and (precision is None or precision >= TARGET_PRECISION)
        )
        out.append(
            f"{det.name:22} {expected:9d} {found:5d} {_fmt(recall)} {findings:8d} {tp:4d} {_fmt(precision):>9}"
        )
    days = sum(r.score.days for r in attack)
    alerts = sum(r.score.alerts for r in attack)
    out.append(
        f"alerts per day, attack weeks: {alerts / days:.1f} ({alerts} new or escalated over {days:.0f} days)"
    )
    if benign:
        bdays = sum(r.score.days for r in benign)
        balerts = sum(r.score.alerts for r in benign)
        per_day = balerts / bdays
        met &= per_day <= TARGET_ALERTS_PER_DAY
        out.append(f"alerts per day, benign weeks: {per_day:.1f} ({balerts} over {bdays:.0f} days)")
    return "\n".join(out), met


def _canonical(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    keep = ("ingestdatetime", "finding_id", "detector", "severity", "status", "first_hour", "hours_active",
            "flows", "bytes", "score", "first_seen", "last_seen", "evidence")  # fmt: skip
    return sorted(tuple(r.get(k) for k in keep) for r in rows)


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "localaws")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "localaws")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    from localaws.server import LocalAWS

    print(
        f"scenario: {HISTORY_DAYS} history days + {DAYS} scored days, {RECORDS} ordinary records/hour; "
        f"seeds {list(SEEDS)} (tuned on {list(TUNING_SEEDS)}), benign {list(BENIGN_SEEDS)}",
        flush=True,
    )
    runs = []
    with LocalAWS(port=0) as aws:
        for seed, incidents in [(s, True) for s in SEEDS] + [(s, False) for s in BENIGN_SEEDS]:
            run = run_seed(aws.endpoint, seed, incidents)
            runs.append(run)
            det = run.score.detectors
            misses = [m for d in det.values() for m in d.missed]
            fps = [f"{n}: {fp}" for n, d in det.items() for fp in d.false_positives]
            print(
                f"seed {seed} ({'incidents' if incidents else 'benign'}): {run.hours} hours, {run.lines:,} lines "
                f"written in {run.write_s:.1f} s; backfill judged in {run.detect_s:.1f} s, {run.queries} queries, "
                f"{run.bytes_scanned:,} bytes scanned ({run.bytes_scanned / run.hours:,.0f} per hour; the Parquet "
                f"table holds {run.parquet_bytes:,}); {sum(d.findings for d in det.values())} findings scored"
                + (f"\n  missed: {misses}" if misses else "")
                + (f"\n  false positives: {fps}" if fps else ""),
                flush=True,
            )
        text, met = table(runs)
        print("\n" + text)
        print(f"targets (recall >= {TARGET_RECALL}, precision >= {TARGET_PRECISION} per detector, <= "
              f"{TARGET_ALERTS_PER_DAY:.0f} alerts/day on benign weeks): {'met' if met else 'NOT met'}")  # fmt: skip
        if EQUIVALENCE and SEEDS:
            hourly = run_seed(aws.endpoint, SEEDS[0], True, hourly=True)
            same = _canonical(hourly.rows) == _canonical(runs[0].rows)
            print(
                f"\nseed {SEEDS[0]}, its scored week judged one run per hour: {hourly.detect_s:.1f} s, "
                f"{hourly.queries} queries, {hourly.bytes_scanned / hourly.hours:,.0f} bytes scanned per hour; "
                f"findings {'identical to' if same else 'DIFFERENT from'} the backfill's ({len(hourly.rows)} rows)"
            )
            met &= same
    print(json.dumps({"targets_met": met}))


if __name__ == "__main__":
    main()
