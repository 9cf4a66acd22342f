"""One detection run over a set of hours: the body of vpcflow_detections' ``detect`` task.

For the hours asked for (those the asset events named, or a manual run's ``hours``), in time order:

1. **profile** each hour (sql/detections/hour_profile.sql) into vpc_flow_baselines, and any hour of the
   baselines' window that has a Parquet partition but no profile yet (detections enabled on old data);
2. run every **detector** (sql/detections/<name>.sql) over the hours, each hour against the baselines of
   the hours before it;
3. **assemble** the hits into findings (vpcflow.detections.findings), carrying incidents on from the
   findings of the hours before, and write each hour's findings (a rerun replaces them);
4. record what each hour's run read and found in vpc_flow_detection_runs.

A run reads only the Parquet partitions of its hours, the baselines and findings tables (and the catalog's
``$partitions``), never the raw text. Hours are judged in one statement per detector whatever their
number (up to ``CHUNK_HOURS`` at a time), so a backfill of a week costs a handful of queries, and gives the
same findings as a week of hourly runs.

Out of order: when an hour arrives after later hours were judged without it (two hourly runs racing in a
backfill), those later hours are judged again in the same run, and findings after it are assembled again
from their stored hourly values, so incidents and ids come out as if the hours had arrived in order.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from vpcflow.athena import Athena
from vpcflow.detections import hours as hourlib
from vpcflow.detections.context import DetectionContext
from vpcflow.detections.findings import Hit, Incidents, Row, same_rows
from vpcflow.detections.settings import DetectionSettings
from vpcflow.detections.tables import BASELINES, FINDINGS, RUNS, typed, write_rows
from vpcflow.model.config import StackConfig
from vpcflow.model.hour_tables import HourTable
from vpcflow.model.partitions import Partition, add_partitions_sql

log = logging.getLogger(__name__)

CHUNK_HOURS = 168


class HourNotCompacted(ValueError):
    """An hour asked for has no partition in the Parquet table: there is nothing to judge yet."""


@dataclass
class Report:
    requested: list[str]
    judged: list[str] = field(default_factory=list)
    rejudged: list[str] = field(default_factory=list)
    profiled: list[str] = field(default_factory=list)
    rewritten: list[str] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)
    findings: int = 0
    new: int = 0
    escalated: int = 0
    by_detector: dict[str, int] = field(default_factory=dict)
    queries: int = 0
    bytes_scanned: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class _Counted:
    """An Athena runner that adds up what it ran and scanned."""

    def __init__(self, athena: Athena):
        self.athena = athena
        self.queries = 0
        self.bytes_scanned = 0

    def run(self, sql: str) -> dict[str, Any]:
        execution = self.athena.run(sql)
        self.queries += 1
        self.bytes_scanned += int(execution.get("Statistics", {}).get("DataScannedInBytes") or 0)
        return execution

    def query(self, sql: str) -> list[dict[str, Any]]:
        return self.athena.rows(self.run(sql)["QueryExecutionId"])


def detect(
    athena_client: Any,
    s3_client: Any,
    stack: StackConfig,
    settings: DetectionSettings,
    hours: list[str],
    run_id: str = "manual",
    **athena_options: Any,
) -> Report:
    """Judge ``hours`` (labels); see the module docstring. Returns what the run did."""
    requested = sorted({hourlib.parse_label(h) for h in hours})
    report = Report(requested)
    if not requested:
        return report
    athena = _Counted(Athena.for_stack(athena_client, stack, **athena_options))
    outer = DetectionContext(stack, settings, tuple(requested))
    horizon = hourlib.shift(outer.last, outer.lookback_hours)

    compacted, profiled, runs_missing = _catalog(athena, outer, horizon)
    missing = [h for h in requested if h not in compacted]
    if missing:
        raise HourNotCompacted(
            f"hour(s) {missing} have no partition in {outer.parquet_table}: vpcflow_hourly has not compacted "
            "them (detections read only the Parquet table)"
        )
    arriving = set(requested)
    rejudge = {h for h, gaps in runs_missing.items() if h > outer.first and arriving & gaps}
    judged = sorted(arriving | (rejudge & compacted))
    report.judged, report.rejudged = judged, sorted(set(judged) - set(requested))

    gap = settings.incident_gap_hours
    stored = _stored_findings(athena, outer, hourlib.shift(outer.first, -(gap + 1)), horizon)

    hits: dict[str, list[Hit]] = defaultdict(list)
    for chunk in hourlib.chunks(judged, CHUNK_HOURS):
        ctx = DetectionContext(stack, settings, tuple(chunk))
        heal = {h for h in compacted if ctx.lookback_first <= h < ctx.last} - profiled - set(judged)
        _profile(athena, s3_client, stack, settings, sorted(heal | set(chunk)))
        profiled |= heal | set(chunk)
        report.profiled += sorted(heal)
        for detector in settings.detectors:
            for row in athena.query(ctx.detector_sql(detector)):
                hits[row["hour"]].append(Hit.from_row(detector, row))

    rows = _assemble(stack, settings, judged, hits, stored, report)
    _write(athena, s3_client, stack, FINDINGS, {h: rows[h] for h in report.rewritten})

    report.queries, report.bytes_scanned = athena.queries, athena.bytes_scanned
    share = athena.bytes_scanned // len(judged)
    runs = {}
    for hour in judged:
        window = hourlib.span(hourlib.shift(hour, -outer.lookback_hours), hourlib.shift(hour, -1))
        new = [r for r in rows[hour] if r["status"] == "new"]
        runs[hour] = [
            {
                "run_id": run_id,
                "hours_in_run": len(judged),
                "queries": athena.queries,
                "bytes_scanned": share,
                "findings": len(rows[hour]),
                "new_findings": len(new),
                "escalated_findings": sum(1 for r in rows[hour] if r["status"] == "escalated"),
                "baseline_hours": sum(1 for h in window if h in compacted),
                "missing_hours": ",".join(h for h in window if h not in compacted),
                "detectors": ",".join(d.name for d in settings.detectors),
            }
        ]
    _write(athena, s3_client, stack, RUNS, runs)
    log.info(
        "detections over %d hour(s) (%d judged again): %d findings rows, %d new, %d escalated; %d queries, "
        "%d bytes scanned",
        len(requested), len(report.rejudged), report.findings, report.new, report.escalated, athena.queries,
        athena.bytes_scanned,
    )  # fmt: skip
    return report


def _catalog(
    athena: _Counted, ctx: DetectionContext, horizon: str
) -> tuple[set[str], set[str], dict[str, set[str]]]:
    """In one statement: the hours with a Parquet partition and with a profile (from the catalog's
    ``$partitions``: nothing is scanned), and the hours already judged after the run's first hour with the
    hours their baselines lacked."""
    rows = athena.query(
        f"SELECT 'parquet' AS kind, ingestdatetime, CAST(NULL AS VARCHAR) AS missing_hours "
        f"FROM {ctx.parquet_partitions} WHERE ingestdatetime BETWEEN '{ctx.lookback_first}' AND '{horizon}' "
        f"UNION ALL SELECT 'profiled', ingestdatetime, CAST(NULL AS VARCHAR) "
        f'FROM {ctx.stack.database}."{BASELINES.name}$partitions" '
        f"WHERE ingestdatetime BETWEEN '{ctx.lookback_first}' AND '{ctx.last}' "
        f"UNION ALL SELECT 'judged', ingestdatetime, missing_hours FROM {ctx.runs_table} "
        f"WHERE ingestdatetime > '{ctx.first}' AND ingestdatetime <= '{horizon}'"
    )
    kinds: dict[str, set[str]] = {"parquet": set(), "profiled": set()}
    judged: dict[str, set[str]] = {}
    for row in rows:
        if row["kind"] == "judged":
            judged[row["ingestdatetime"]] = set((row["missing_hours"] or "").split(","))
        else:
            kinds[row["kind"]].add(row["ingestdatetime"])
    return kinds["parquet"], kinds["profiled"], judged


def _stored_findings(athena: _Counted, ctx: DetectionContext, first: str, last: str) -> dict[str, list[Row]]:
    rows = athena.query(
        f"SELECT * FROM {ctx.findings_table} WHERE ingestdatetime BETWEEN '{first}' AND '{last}'"
    )
    by_hour: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_hour[row["ingestdatetime"]].append(typed(FINDINGS, row))
    return by_hour


def _profile(
    athena: _Counted, s3: Any, stack: StackConfig, settings: DetectionSettings, hours: list[str]
) -> None:
    if not hours:
        return
    ctx = DetectionContext(stack, settings, tuple(hours))
    by_hour: dict[str, list[dict[str, Any]]] = {h: [] for h in hours}
    for row in athena.query(ctx.profile_sql):
        by_hour[row["hour"]].append(typed(BASELINES, row))
    _write(athena, s3, stack, BASELINES, by_hour)


def _write(
    athena: _Counted, s3: Any, stack: StackConfig, table: HourTable, by_hour: dict[str, list[Row]]
) -> None:
    """Each hour's rows as its one object (replacing the earlier one), then the partitions registered."""
    if not by_hour:
        return
    for hour, rows in by_hour.items():
        write_rows(s3, table, stack, hour, rows)
    ctx = DetectionContext(stack, DetectionSettings(), tuple(by_hour))
    partitions = [Partition(h, table.location(stack, h)) for h in sorted(by_hour)]
    for start in range(0, len(partitions), 100):
        athena.run(add_partitions_sql(ctx.table(table.name), partitions[start : start + 100]))


def _assemble(
    stack: StackConfig,
    settings: DetectionSettings,
    judged: list[str],
    hits: dict[str, list[Hit]],
    stored: dict[str, list[Row]],
    report: Report,
) -> dict[str, list[Row]]:
    """Findings rows of the judged hours, and of later stored hours whose incidents changed; fills
    ``report.rewritten`` and ``report.superseded``."""
    incidents = Incidents(settings.incident_gap_hours, settings.evidence_flows)
    first = judged[0]
    judged_set = set(judged)
    rows: dict[str, list[Row]] = {}
    for hour in sorted(set(stored) | judged_set):
        if hour < first:
            incidents.remember(stored[hour])
            continue
        if hour in judged_set:
            rows[hour] = incidents.hour(hour, hits.get(hour, []))
        else:
            again = incidents.hour(hour, [Hit.from_finding(r) for r in stored[hour]])
            if same_rows(again, stored[hour]):
                incidents.remember(stored[hour])
                continue
            rows[hour] = again
    report.rewritten = sorted(rows)
    old = {r["finding_id"]: r for h in report.rewritten for r in stored.get(h, [])}
    new_ids = {r["finding_id"] for h in report.rewritten for r in rows[h]}
    report.superseded = sorted(i for i, r in old.items() if i not in new_ids and r["first_hour"] in rows)
    for hour in judged:
        for row in rows[hour]:
            report.findings += 1
            report.new += row["status"] == "new"
            report.escalated += row["status"] == "escalated"
            report.by_detector[row["detector"]] = report.by_detector.get(row["detector"], 0) + 1
    return rows
