"""The dashboard's QuickSight ``Definition`` (DashboardVersionDefinition), built in Python.

Three datasets: the SPICE dataset of flows over the Parquet table (identifier ``flows``), and the quality
table as a DIRECT_QUERY dataset (identifier ``quality``): it holds a dozen rows per hour, so QuickSight
reads it from Athena live and no refresh has to keep it current; so is the detections' findings table
(identifier ``findings``, each finding's latest row).

Four sheets. Overview: the controls (time range, VPC or interface, action, protocol, port, address),
KPI tiles, the time series and the top-N charts; clicking a bar of rejected sources or ports, or a
protocol, sets its parameter and opens Flows. Flows: the same controls and the flows they select. Quality:
each ingest hour's verdict and what its checks flagged. Findings (vpcflow.dashboard.findings): the
detections' findings by detector and severity, and a table of them, most severe first. Colours are tied
to values (ColumnConfigurations), not to the order series arrive in, so ACCEPT is the same colour on every
refresh.
"""

from __future__ import annotations

from typing import Any

from vpcflow.dashboard import controls as c
from vpcflow.dashboard.calculated import calculated_fields
from vpcflow.dashboard.charts import bar, drill_to, id_of, kpi, line, pie, summary_table, table
from vpcflow.dashboard.fields import (
    BYTES_FORMAT,
    FINDINGS,
    FLOWS,
    PERCENT_FORMAT,
    PLAIN_NUMBER,
    QUALITY,
    category,
    column,
    count,
    hour,
    latest,
    numeric,
    raw,
)
from vpcflow.dashboard.findings import FINDINGS_SHEET, SEVERITY_COLOURS, findings_visuals

OVERVIEW, FLOWS_SHEET, QUALITY_SHEET = "overview", "flows", "quality"
SHEET_ID = OVERVIEW  # the first sheet, where a dashboard opens
GRID_COLUMNS = 36  # QuickSight's grid layout is 36 columns wide
# The quality checks drawn per hour: what an hour lost or carried that it should not (total_rows and the
# out-of-domain checks are left out: the first dwarfs the rest, the others are zero on healthy data).
QUALITY_CHECKS = ["malformed_rows", "nodata_rows", "skipdata_rows", "duplicate_rows", "outside_hour"]
# A source with a single rejected flow is background noise; the chart is about who keeps knocking.
REPEAT_REJECTS = 2
# Okabe-Ito colours: told apart with the common colour-vision deficiencies.
COLOURS = {
    "action": {"ACCEPT": "#0072B2", "REJECT": "#D55E00"},
    "protocol_name": {"TCP": "#0072B2", "UDP": "#E69F00", "ICMP": "#009E73", "ICMPv6": "#CC79A7"},
    "direction": {"ingress": "#0072B2", "egress": "#E69F00", "internal": "#009E73"},
    "check_name": {
        "malformed_rows": "#D55E00",
        "nodata_rows": "#999999",
        "skipdata_rows": "#CC79A7",
        "duplicate_rows": "#E69F00",
        "outside_hour": "#56B4E9",
    },
    "verdict": {"passed": "#009E73", "warned": "#E69F00", "blocked": "#D55E00"},
    "severity": SEVERITY_COLOURS,
}
KPIS = ["kpi-flows", "kpi-bytes", "kpi-reject-share", "kpi-hours", "kpi-latest"]
REJECT_VISUALS = ["top-rejected-sources", "top-rejected-ports", "reject-reasons"]


def kpis() -> list[dict[str, Any]]:
    return [
        kpi("kpi-flows", "Flows", count("flows-count", FLOWS, "action")),
        kpi("kpi-bytes", "Bytes", numeric("bytes-total", FLOWS, "bytes", fmt=BYTES_FORMAT)),
        kpi("kpi-reject-share", "Rejected share", numeric("reject-share", FLOWS, "is_reject", "AVERAGE", PERCENT_FORMAT)),
        kpi("kpi-hours", "Hours processed", count("hours-count", FLOWS, "ingestdatetime", "DISTINCT_COUNT")),
        kpi("kpi-latest", "Latest hour (UTC)", latest("latest-hour", FLOWS, "ingest_hour")),
    ]  # fmt: skip


def visuals() -> list[dict[str, Any]]:
    """The overview's charts, in reading order; the grid puts two per row."""
    rejected_sources = drill_to(
        "drill-source", FLOWS_SHEET, {"address": "rejected-source"}, {"action": "REJECT"}
    )
    rejected_ports = drill_to("drill-port", FLOWS_SHEET, {"port": "rejected-port"}, {"action": "REJECT"})
    return [
        line("bytes-over-time", "Bytes per hour", hour("ingest-hour", FLOWS, "ingest_hour"),
             numeric("bytes-sum", FLOWS, "bytes", fmt=BYTES_FORMAT), y_label="Bytes"),
        line("flows-by-action", "Accepted vs rejected flows per hour", hour("action-hour", FLOWS, "ingest_hour"),
             count("flow-count", FLOWS, "action"), y_label="Flows", colors=[category("action", FLOWS, "action")]),
        bar("top-rejected-sources", "Top 25 rejected source addresses", category("rejected-source", FLOWS, "sourceaddress"),
            count("rejected-count", FLOWS, "sourceaddress"), value_label="Rejected flows", top_n=25,
            note=f"Sources with at least {REPEAT_REJECTS} rejected flows. Click a bar for its flows.",
            action=rejected_sources),
        bar("top-rejected-ports", "Top destination ports among rejects", category("rejected-port", FLOWS, "port_service"),
            count("rejected-port-count", FLOWS, "destinationport"), value_label="Rejected flows", top_n=15,
            note="Click a bar for its flows.", action=rejected_ports),
        bar("top-talkers", "Top talkers (source -> destination) by bytes", category("talker", FLOWS, "talker"),
            numeric("talker-bytes", FLOWS, "bytes", fmt=BYTES_FORMAT), value_label="Bytes", top_n=15),
        pie("protocol-mix", "Protocol mix (flows)", category("protocol-name", FLOWS, "protocol_name"),
            count("protocol-count", FLOWS, "protocol"),
            action=drill_to("drill-protocol", FLOWS_SHEET, {"protocol": "protocol-name"})),
    ]  # fmt: skip


# Visuals of the fields a custom LogFormat may add: drawn only when the flows dataset has their columns, so
# the default format's dashboard stays the blog's questions and a richer format answers more.
def extra_visuals(columns: set[str]) -> list[dict[str, Any]]:
    found = []
    if "vpc_id" in columns:
        found.append(bar("bytes-by-vpc", "Bytes by VPC", category("vpc", FLOWS, "vpc_id"),
                         numeric("vpc-bytes", FLOWS, "bytes", fmt=BYTES_FORMAT), value_label="Bytes", top_n=15,
                         action=drill_to("drill-vpc", FLOWS_SHEET, {"vpc": "vpc"})))  # fmt: skip
    if "instance_id" in columns:
        found.append(bar("top-instances", "Top instances by bytes", category("instance", FLOWS, "instance_id"),
                         numeric("instance-bytes", FLOWS, "bytes", fmt=BYTES_FORMAT), value_label="Bytes", top_n=15))  # fmt: skip
    if "flow_direction" in columns:
        found.append(pie("flow-direction", "Ingress vs egress (flows)",
                         category("direction", FLOWS, "flow_direction"), count("direction-count", FLOWS, "flow_direction")))  # fmt: skip
    if "pkt_dst_aws_service" in columns:
        found.append(bar("aws-services", "Bytes to AWS services", category("aws-service", FLOWS, "pkt_dst_aws_service"),
                         numeric("aws-service-bytes", FLOWS, "bytes", fmt=BYTES_FORMAT), value_label="Bytes", top_n=15))  # fmt: skip
    if "reject_reason" in columns:
        found.append(bar("reject-reasons", "Rejects by reason", category("reject-reason", FLOWS, "reject_reason"),
                         count("reject-reason-count", FLOWS, "reject_reason"), value_label="Rejected flows", top_n=10))  # fmt: skip
    return found


# The enrichment's breakdowns (vpcflow.enrichment: every stack's Parquet table has these columns): who is
# behind each flow (VPC and subnet, instance), where its peer is (AWS service, country) and its direction.
# Each counts only the flows whose column is known (an hour compacted before the enrichment has none).
ENRICHED_VISUALS = {
    "enriched-subnets": "vpc_subnet",
    "enriched-instances": "interface_instance_id",
    "enriched-aws-services": "peer_aws_service",
    "enriched-countries": "peer_country_name",
    "enriched-direction": "direction",
}


def enriched_visuals() -> list[dict[str, Any]]:
    def bytes_by(visual_id: str, heading: str, name: str, note: str) -> dict[str, Any]:
        return bar(visual_id, heading, category(f"{visual_id}-key", FLOWS, name),
                   numeric(f"{visual_id}-bytes", FLOWS, "bytes", fmt=BYTES_FORMAT), value_label="Bytes",
                   top_n=15, note=note)  # fmt: skip

    return [
        bytes_by("enriched-subnets", "Bytes by VPC / subnet", "vpc_subnet",
                 "The interface's VPC and subnet, from the interface inventory of the flow's hour."),
        bytes_by("enriched-instances", "Top instances by bytes", "interface_instance_id",
                 "Interfaces attached to an EC2 instance."),
        bytes_by("enriched-aws-services", "Bytes with AWS services", "peer_aws_service",
                 "The peer's service in AWS's published ranges (or the log's own pkt-*-aws-service)."),
        bytes_by("enriched-countries", "Bytes by peer country", "peer_country_name",
                 "Public peers, by the offline geo database."),
        pie("enriched-direction", "Ingress, egress and internal (flows)", category("enriched-direction-key", FLOWS, "direction"),
            count("direction-flows", FLOWS, "direction")),
    ]  # fmt: skip


def flows_table(columns: set[str]) -> dict[str, Any]:
    fields = [
        (raw("f-start", FLOWS, "start_time", {"DateTimeFormatConfiguration": {"DateTimeFormat": "yyyy-MM-dd HH:mm:ss"}}), "Start (UTC)"),
        (raw("f-interface", FLOWS, "interfaceid"), "Interface"),
        (raw("f-source", FLOWS, "sourceaddress"), "Source"),
        (raw("f-source-port", FLOWS, "sourceport", PLAIN_NUMBER), "Src port"),
        (raw("f-destination", FLOWS, "destinationaddress"), "Destination"),
        (raw("f-port", FLOWS, "port_service"), "Dst port"),
        (raw("f-protocol", FLOWS, "protocol_name"), "Protocol"),
        (raw("f-action", FLOWS, "action"), "Action"),
        (raw("f-packets", FLOWS, "packets"), "Packets"),
        (raw("f-bytes", FLOWS, "bytes"), "Bytes"),
    ]  # fmt: skip
    if "vpc_id" in columns:
        fields.insert(1, (raw("f-vpc", FLOWS, "vpc_id"), "VPC"))
    return table("flows-table", "Flows, largest first", fields, sort_field="f-bytes",
                 note="The flows the controls select; a bar or slice clicked on Overview sets them.")  # fmt: skip


def quality_visuals() -> list[dict[str, Any]]:
    verdicts = summary_table(
        "quality-verdicts",
        "Verdict per ingest hour",
        [(category("q-hour", QUALITY, "ingestdatetime"), "Ingest hour"),
         (category("q-verdict", QUALITY, "verdict"), "Verdict")],
        [(numeric("q-rows", QUALITY, "total_rows"), "Rows"),
         (numeric("q-failed", QUALITY, "failed_checks"), "Failed checks")],
        sort_field="q-hour",
        note="blocked: a block check failed and the hour was not published; warned: late or duplicate rows.",
    )  # fmt: skip
    chart = bar(
        "quality-per-hour",
        "Data quality per ingest hour (rows flagged per check)",
        category("quality-hour", QUALITY, "hour_verdict"),
        numeric("quality-value", QUALITY, "value"),
        value_label="Rows",
        colors=[category("quality-check", QUALITY, "check_name")],
        orientation="VERTICAL",
        sort_by_value=False,
        note="Each hour is marked ✓ passed, ⚠ warned or ✗ blocked.",
    )
    return [verdicts, chart]


def _layout(ids: list[str], kpi_ids: list[str] = (), wide: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """KPI tiles in a row, then two visuals per row; a ``wide`` one takes a row of its own."""
    spans = [7, 7, 7, 7, 8][: len(kpi_ids)]
    elements = [
        {"ElementId": vid, "ElementType": "VISUAL", "ColumnIndex": sum(spans[:i]), "ColumnSpan": span,
         "RowIndex": 0, "RowSpan": 4}
        for i, (vid, span) in enumerate(zip(kpi_ids, spans, strict=True))
    ]  # fmt: skip
    top = 4 if kpi_ids else 0
    half, slot = GRID_COLUMNS // 2, 0  # slot: half-width places used, two per row of 12
    for vid in ids:
        if vid in wide:
            slot += slot % 2
        elements.append({"ElementId": vid, "ElementType": "VISUAL", "ColumnIndex": (slot % 2) * half,
                         "ColumnSpan": GRID_COLUMNS if vid in wide else half,
                         "RowIndex": top + (slot // 2) * 12, "RowSpan": 12})  # fmt: skip
        slot += 2 if vid in wide else 1
    return [{"Configuration": {"GridLayout": {"Elements": elements}}}]


def _sheet(
    sheet_id: str, name: str, title: str, sheet_visuals: list, controls: list, kpi_count: int = 0, wide=()
):
    ids = [id_of(v) for v in sheet_visuals]
    return {
        "SheetId": sheet_id,
        "Name": name,
        "Title": title,
        "ParameterControls": c.parameter_controls(sheet_id, controls),
        "SheetControlLayouts": c.control_layout(sheet_id, controls),
        "Visuals": sheet_visuals,
        "Layouts": _layout(ids[kpi_count:], ids[:kpi_count], tuple(wide)),
    }


def _colours() -> list[dict[str, Any]]:
    data_set = {"check_name": QUALITY, "verdict": QUALITY, "severity": FINDINGS}
    configs = [
        {
            "Column": column(data_set.get(name, FLOWS), name),
            "ColorsConfiguration": {
                "CustomColors": [{"FieldValue": value, "Color": colour} for value, colour in colours.items()]
            },
        }
        for name, colours in COLOURS.items()
    ]
    bytes_format = {"NumberFormatConfiguration": {"FormatConfiguration": BYTES_FORMAT}}
    return configs + [{"Column": column(FLOWS, "bytes"), "FormatConfiguration": bytes_format}]


def build_definition(
    flows_data_set_arn: str,
    quality_data_set_arn: str,
    findings_data_set_arn: str,
    extra_columns: set[str] | frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """The DashboardVersionDefinition for CreateDashboard/UpdateDashboard; ``extra_columns`` are the flows
    dataset's columns beyond version 2 (the stack's LogFormat), which add their visuals and controls."""
    columns = set(extra_columns)
    flow_controls = c.flow_controls(columns)
    controls = c.range_controls() + flow_controls
    overview = kpis() + visuals() + enriched_visuals() + extra_visuals(columns)
    overview_ids = [id_of(v) for v in overview]
    flows_sheet = [flows_table(columns)]
    every_flow_visual = {OVERVIEW: None, FLOWS_SHEET: None}
    counted = {OVERVIEW: [i for i in overview_ids if i != "kpi-hours"], FLOWS_SHEET: None}
    rejects = [i for i in REJECT_VISUALS if i in overview_ids]
    return {
        "DataSetIdentifierDeclarations": [
            {"Identifier": FLOWS, "DataSetArn": flows_data_set_arn},
            {"Identifier": QUALITY, "DataSetArn": quality_data_set_arn},
            {"Identifier": FINDINGS, "DataSetArn": findings_data_set_arn},
        ],
        "CalculatedFields": calculated_fields(),
        "ParameterDeclarations": c.parameter_declarations(flow_controls),
        "Sheets": [
            _sheet(OVERVIEW, "Overview", "VPC Flow Logs", overview, controls, kpi_count=len(KPIS)),
            _sheet(FLOWS_SHEET, "Flows", "Flows", flows_sheet, controls),
            _sheet(
                QUALITY_SHEET,
                "Quality",
                "Data quality per ingest hour",
                quality_visuals(),
                c.range_controls(),
            ),
            _sheet(
                FINDINGS_SHEET,
                "Findings",
                "Findings of the detections (each finding as of the last hour it was seen in)",
                findings_visuals(),
                c.range_controls(),
                wide=("findings-table",),
            ),
        ],
        "FilterGroups": [
            c.filter_group("time-range", [c.time_range("flows-range", FLOWS)], every_flow_visual),
            c.filter_group(
                "quality-range", [c.time_range("quality-range-filter", QUALITY)], {QUALITY_SHEET: None}
            ),
            c.filter_group(
                "findings-range", [c.time_range("findings-range-filter", FINDINGS)], {FINDINGS_SHEET: None}
            ),
            # "Hours processed" counts the window's hours whatever the other controls select.
            c.filter_group("flow-controls", c.control_filters(flow_controls), counted),
            # NODATA/SKIPDATA records carry no flow: every flow visual counts OK records only.
            c.filter_group(
                "ok-records", [c.values_in("ok-records-filter", FLOWS, "logstatus", ["OK"])], counted
            ),
            c.filter_group(
                "rejects-only",
                [c.values_in("rejects-only-filter", FLOWS, "action", ["REJECT"])],
                {OVERVIEW: rejects},
            ),
            c.filter_group(
                "repeat-rejects",
                [c.at_least("repeat-rejects-filter", "sourceaddress", REPEAT_REJECTS)],
                {OVERVIEW: ["top-rejected-sources"]},
            ),
            *[
                c.filter_group(
                    f"{vid}-known", [c.at_least(f"{vid}-known-filter", name, 1)], {OVERVIEW: [vid]}
                )
                for vid, name in ENRICHED_VISUALS.items()
            ],
            c.filter_group(
                "flagged-checks",
                [c.values_in("flagged-checks-filter", QUALITY, "check_name", QUALITY_CHECKS)],
                {QUALITY_SHEET: ["quality-per-hour"]},
            ),
        ],  # fmt: skip
        "ColumnConfigurations": _colours(),
        "AnalysisDefaults": {
            "DefaultNewSheetConfiguration": {
                "InteractiveLayoutConfiguration": {
                    "Grid": {"CanvasSizeOptions": {"ScreenCanvasSizeOptions": {"ResizeOption": "RESPONSIVE"}}}
                },
                "SheetContentType": "INTERACTIVE",
            }
        },
    }


visual_id = id_of
