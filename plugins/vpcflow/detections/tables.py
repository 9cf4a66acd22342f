"""The tables detections keep, one Parquet object per hour each (a rerun of the hour replaces it):

- ``vpc_flow_findings``: each finding as of each hour it was seen in (an incident spanning hours is one
  finding_id with one row per hour, its counts cumulative); the latest row of an id is its current state.
- ``vpc_flow_baselines``: each hour's profile (per interface, per egress source, per sensitive-port peer),
  from which the detectors compute rolling baselines without reading old flows again.
- ``vpc_flow_detection_runs``: per judged hour, what the run read (bytes scanned, baseline hours present,
  the Parquet partition's location) and found.

Their DDL is provisioned with the stack's other tables (vpcflow.provision.stack.table_ddl).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from vpcflow.model.config import StackConfig
from vpcflow.model.hour_tables import HourTable, write_parquet

FINDINGS_TABLE = "vpc_flow_findings"
BASELINES_TABLE = "vpc_flow_baselines"
RUNS_TABLE = "vpc_flow_detection_runs"
FINDINGS_PREFIX = "findings/"
BASELINES_PREFIX = "baselines/"
DETECTIONS_PREFIX = "detections/"  # runs/ and the delivery ledger (delivered/)

FINDINGS = HourTable(
    FINDINGS_TABLE,
    FINDINGS_PREFIX,
    (
        ("finding_id", "STRING"),
        ("detector", "STRING"),
        ("title", "STRING"),
        ("severity", "STRING"),
        ("status", "STRING"),
        ("technique", "STRING"),
        ("tactic", "STRING"),
        ("interfaceid", "STRING"),
        ("account", "STRING"),
        ("source", "STRING"),
        ("destination", "STRING"),
        ("port", "INT"),
        ("protocol", "INT"),
        ("subtype", "STRING"),
        ("first_seen", "TIMESTAMP"),
        ("last_seen", "TIMESTAMP"),
        ("first_hour", "STRING"),
        ("hours_active", "BIGINT"),
        ("flows", "BIGINT"),
        ("packets", "BIGINT"),
        ("bytes", "BIGINT"),
        ("hour_flows", "BIGINT"),
        ("hour_packets", "BIGINT"),
        ("hour_bytes", "BIGINT"),
        ("score", "DOUBLE"),
        ("max_score", "DOUBLE"),
        ("threshold", "DOUBLE"),
        ("detail", "STRING"),
        ("evidence", "STRING"),
        ("hour_evidence", "STRING"),
        ("hour_first_seen", "TIMESTAMP"),
        ("hour_last_seen", "TIMESTAMP"),
        # Who is behind the finding (vpcflow.detections.findings.CONTEXT_COLUMNS): NULL where the hours'
        # enrichment said nothing, and in findings written before these columns existed.
        ("instance_id", "STRING"),
        ("vpc_id", "STRING"),
        ("subnet_id", "STRING"),
        ("peer_address", "STRING"),
        ("peer_country", "STRING"),
        ("peer_country_name", "STRING"),
        ("peer_as_org", "STRING"),
        ("peer_aws_service", "STRING"),
    ),
)

BASELINES = HourTable(
    BASELINES_TABLE,
    BASELINES_PREFIX,
    (
        ("metric", "STRING"),
        ("interfaceid", "STRING"),
        ("account", "STRING"),
        ("address", "STRING"),
        ("port", "INT"),
        ("flows", "BIGINT"),
        ("rejects", "BIGINT"),
        ("nodata", "BIGINT"),
        ("skipdata", "BIGINT"),
        ("bytes", "BIGINT"),
        ("top_bytes", "BIGINT"),
        ("peers", "BIGINT"),
    ),
)

RUNS = HourTable(
    RUNS_TABLE,
    f"{DETECTIONS_PREFIX}runs/",
    (
        ("run_id", "STRING"),
        ("hours_in_run", "BIGINT"),
        ("queries", "BIGINT"),
        ("bytes_scanned", "BIGINT"),
        ("findings", "BIGINT"),
        ("new_findings", "BIGINT"),
        ("escalated_findings", "BIGINT"),
        ("baseline_hours", "BIGINT"),
        ("missing_hours", "STRING"),
        ("detectors", "STRING"),
    ),
)

TABLES = (FINDINGS, BASELINES, RUNS)


def detection_tables() -> tuple[HourTable, ...]:
    return TABLES


def write_rows(
    s3: Any, table: HourTable, config: StackConfig, label: str, rows: Sequence[Mapping[str, Any]]
) -> str:
    """``rows`` as the hour's one Parquet object of ``table`` (replacing any earlier one); its URI."""
    return write_parquet(s3, table.location(config, label), table.key_name(label), table, rows)


def typed(table: HourTable, row: Mapping[str, Any]) -> dict[str, Any]:
    """A row as Athena's GetQueryResults gives it (strings) with the table's types back."""
    from vpcflow.detections.findings import parse_timestamp

    out: dict[str, Any] = {}
    for name, kind in table.columns:
        value = row.get(name)
        if value is None or (value == "" and kind != "STRING"):
            out[name] = None
        elif kind in ("BIGINT", "INT"):
            out[name] = int(value)
        elif kind == "DOUBLE":
            out[name] = float(value)
        elif kind == "BOOLEAN":
            out[name] = str(value).lower() == "true"
        elif kind == "TIMESTAMP":
            out[name] = parse_timestamp(value)
        else:
            out[name] = value
    if "ingestdatetime" in row:
        out["hour"] = row["ingestdatetime"]
    return out
