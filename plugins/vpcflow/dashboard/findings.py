"""The Findings sheet: what vpcflow_detections raised, each finding once in its current state.

The ``findings`` dataset (DIRECT_QUERY, vpcflow.provision.dashboard.findings_sql) holds the latest row of
each finding_id of vpc_flow_findings: an incident that spans hours is one row, with its first and last
seen, the hours it was active and its cumulative counts. The sheet's time range selects findings by the
last hour they were seen in (the latest row's ingest hour). Severities have fixed Okabe-Ito colours.
"""

from __future__ import annotations

from typing import Any

from vpcflow.dashboard.charts import bar, pie, table
from vpcflow.dashboard.fields import (
    BYTES_FORMAT,
    FINDINGS,
    PLAIN_NUMBER,
    category,
    count,
    raw,
    sort,
)

FINDINGS_SHEET = "findings"
# Okabe-Ito, from vermillion for CRITICAL to grey for INFORMATIONAL.
SEVERITY_COLOURS = {
    "CRITICAL": "#D55E00",
    "HIGH": "#E69F00",
    "MEDIUM": "#CC79A7",
    "LOW": "#56B4E9",
    "INFORMATIONAL": "#999999",
}
_WHEN = {"DateTimeFormatConfiguration": {"DateTimeFormat": "yyyy-MM-dd HH:mm"}}
_BYTES = {"NumberFormatConfiguration": {"FormatConfiguration": BYTES_FORMAT}}
RANK_FIELD = "fd-rank"  # severity as a number, to sort by; a hidden column of the table


def findings_table() -> dict[str, Any]:
    """One row per finding: the most severe first, then the most recently seen."""
    columns = [
        (raw("fd-severity", FINDINGS, "severity"), "Severity"),
        (raw("fd-title", FINDINGS, "title"), "Finding"),
        (raw("fd-entity", FINDINGS, "entity"), "Source / entity"),
        (raw("fd-asset", FINDINGS, "asset"), "Instance / VPC"),
        (raw("fd-peer", FINDINGS, "peer_origin"), "Peer country / org"),
        (raw("fd-first", FINDINGS, "first_seen", _WHEN), "First seen (UTC)"),
        (raw("fd-last", FINDINGS, "last_seen", _WHEN), "Last seen (UTC)"),
        (raw("fd-hours", FINDINGS, "hours_active", PLAIN_NUMBER), "Hours"),
        (raw("fd-flows", FINDINGS, "flows"), "Flows"),
        (raw("fd-bytes", FINDINGS, "bytes", _BYTES), "Bytes"),
        (raw("fd-status", FINDINGS, "status"), "Status"),
        (raw("fd-id", FINDINGS, "finding_id"), "Finding id"),
        (raw(RANK_FIELD, FINDINGS, "severity_rank"), "Severity rank"),
    ]
    visual = table(
        "findings-table",
        "Findings, most severe first",
        columns,
        sort_field=RANK_FIELD,
        note="Each finding once, as of the last hour it was seen in; counts are over all its hours.",
    )
    config = visual["TableVisual"]["ChartConfiguration"]
    config["SortConfiguration"]["RowSort"] = sort(RANK_FIELD, "DESC") + sort("fd-last", "DESC")
    for option in config["FieldOptions"]["SelectedFieldOptions"]:
        if option["FieldId"] == RANK_FIELD:
            option["Visibility"] = "HIDDEN"
    return visual


def findings_visuals() -> list[dict[str, Any]]:
    by_detector = bar(
        "findings-by-detector",
        "Findings by detector and severity",
        category("fd-detector", FINDINGS, "title"),
        count("fd-count", FINDINGS, "finding_id", "DISTINCT_COUNT"),
        value_label="Findings",
        colors=[category("fd-colour", FINDINGS, "severity")],
        top_n=15,
    )
    by_severity = pie(
        "findings-by-severity",
        "Findings by severity",
        category("fd-severity-key", FINDINGS, "severity"),
        count("fd-severity-count", FINDINGS, "finding_id", "DISTINCT_COUNT"),
    )
    return [by_detector, by_severity, findings_table()]
