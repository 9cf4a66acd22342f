"""The dashboard definition is valid for QuickSight's API (botocore's model) and consistent in itself."""

from __future__ import annotations

import re

import botocore.session
import duckdb
import pytest
from botocore.validate import validate_parameters
from localaws.dashboard.expressions import UnsupportedExpression, to_sql
from vpcflow.dashboard import calculated as c
from vpcflow.dashboard import definition as d
from vpcflow.model.formats import parquet_table_columns
from vpcflow.provision.dashboard import FINDINGS_COLUMNS, QUALITY_COLUMNS

FLOWS_ARN = "arn:aws:quicksight:us-east-1:123456789012:dataset/vpcflow-flows"
QUALITY_ARN = "arn:aws:quicksight:us-east-1:123456789012:dataset/vpcflow-flows-quality"
FINDINGS_ARN = "arn:aws:quicksight:us-east-1:123456789012:dataset/vpcflow-flows-findings"
MODEL = botocore.session.get_session().get_service_model("quicksight")


def _enum_errors(shape, value, path="Definition") -> list[str]:
    """What botocore's validator leaves out: every string of an enum shape is one of its values."""
    errors = []
    if shape.type_name == "structure":
        for key, item in value.items():
            errors += _enum_errors(shape.members[key], item, f"{path}.{key}")
    elif shape.type_name == "list":
        for i, item in enumerate(value):
            errors += _enum_errors(shape.member, item, f"{path}[{i}]")
    elif shape.type_name == "string" and shape.enum and value not in shape.enum:
        errors.append(f"{path}={value!r} not in {shape.enum}")
    return errors


EXTRAS = {"vpc_id", "instance_id", "flow_direction", "pkt_dst_aws_service", "reject_reason"}


@pytest.mark.parametrize("extra", [set(), EXTRAS], ids=["default-format", "every-extra-field"])
@pytest.mark.parametrize("operation", ["CreateDashboard", "UpdateDashboard"])
def test_definition_is_valid_for_the_api(operation, extra):
    definition = d.build_definition(FLOWS_ARN, QUALITY_ARN, FINDINGS_ARN, extra)
    shape = MODEL.operation_model(operation).input_shape
    validate_parameters(
        {
            "AwsAccountId": "123456789012",
            "DashboardId": "vpcflow-dashboard",
            "Name": "vpcflow VPC Flow Logs",
            "Definition": definition,
        },
        shape,
    )
    assert _enum_errors(shape.members["Definition"], definition) == []


def test_enum_check_catches_a_bad_value():
    definition = d.build_definition(FLOWS_ARN, QUALITY_ARN, FINDINGS_ARN)
    line = next(v for v in definition["Sheets"][0]["Visuals"] if "LineChartVisual" in v)
    line["LineChartVisual"]["ChartConfiguration"]["Type"] = "SPLINE"
    shape = MODEL.operation_model("CreateDashboard").input_shape.members["Definition"]
    (error,) = _enum_errors(shape, definition)
    assert error.endswith(
        ".LineChartVisual.ChartConfiguration.Type='SPLINE' not in ['LINE', 'AREA', 'STACKED_AREA']"
    )


def _fields(visual):
    body = next(iter(visual.values()))
    wells = next(iter(body["ChartConfiguration"]["FieldWells"].values()))
    if "Values" in body["ChartConfiguration"]["FieldWells"]:  # a KPI's wells are not nested
        wells = body["ChartConfiguration"]["FieldWells"]
    for well in ("Category", "Values", "Colors", "GroupBy"):
        for spec in wells.get(well, []):
            yield spec if "FieldId" in spec else next(iter(spec.values()))


def _columns(definition):
    calculated = {(c["DataSetIdentifier"], c["Name"]) for c in definition["CalculatedFields"]}
    return {
        d.FLOWS: {name for name, _ in parquet_table_columns()} | {"ingestdatetime"} | EXTRAS
        | {n for i, n in calculated if i == d.FLOWS},
        d.QUALITY: {name for name, _ in QUALITY_COLUMNS} | {n for i, n in calculated if i == d.QUALITY},
        d.FINDINGS: {name for name, _ in FINDINGS_COLUMNS} | {n for i, n in calculated if i == d.FINDINGS},
    }  # fmt: skip


def test_visuals_fields_filters_controls_and_layout_agree():
    definition = d.build_definition(FLOWS_ARN, QUALITY_ARN, FINDINGS_ARN, EXTRAS)
    sheets = {s["SheetId"]: s for s in definition["Sheets"]}
    assert list(sheets) == [d.OVERVIEW, d.FLOWS_SHEET, d.QUALITY_SHEET, d.FINDINGS_SHEET]
    columns = _columns(definition)
    parameters = {next(iter(p.values()))["Name"] for p in definition["ParameterDeclarations"]}
    field_ids, visual_ids = [], []
    for sheet in sheets.values():
        ids = [d.visual_id(v) for v in sheet["Visuals"]]
        visual_ids += ids
        layout = sheet["Layouts"][0]["Configuration"]["GridLayout"]["Elements"]
        assert sorted(e["ElementId"] for e in layout) == sorted(ids)
        assert all(e["ColumnIndex"] + e["ColumnSpan"] <= d.GRID_COLUMNS for e in layout)
        for visual in sheet["Visuals"]:
            for field in _fields(visual):
                field_ids.append(field["FieldId"])
                assert field["Column"]["ColumnName"] in columns[field["Column"]["DataSetIdentifier"]], field
        controls = [next(iter(c.values())) for c in sheet["ParameterControls"]]
        assert {c["SourceParameterName"] for c in controls} <= parameters
        placed = sheet["SheetControlLayouts"][0]["Configuration"]["GridLayout"]["Elements"]
        assert [e["ElementId"] for e in placed] == [c["ParameterControlId"] for c in controls]
    assert len(field_ids) == len(set(field_ids))  # QuickSight wants field ids unique in a definition
    assert len(visual_ids) == len(set(visual_ids))
    for group in definition["FilterGroups"]:
        for scope in group["ScopeConfiguration"]["SelectedSheets"]["SheetVisualScopingConfigurations"]:
            assert scope["SheetId"] in sheets
            assert set(scope.get("VisualIds", [])) <= {
                d.visual_id(v) for v in sheets[scope["SheetId"]]["Visuals"]
            }
        for spec in group["Filters"]:
            body = next(iter(spec.values()))
            assert body["Column"]["ColumnName"] in columns[body["Column"]["DataSetIdentifier"]], body
            named = [
                body.get("ParameterName"),
                (body.get("Configuration", {}).get("CustomFilterConfiguration") or {}).get("ParameterName"),
            ]
            named += [
                (body.get(k) or {}).get("Parameter") for k in ("RangeMinimumValue", "RangeMaximumValue")
            ]
            assert {n for n in named if n} <= parameters
    for calc in definition["CalculatedFields"]:
        assert set(re.findall(r"\$\{(\w+)\}", calc["Expression"])) <= parameters


def test_every_control_the_issue_names_is_there():
    for extra, scope in ((set(), "interface"), ({"vpc_id"}, "vpc")):
        definition = d.build_definition(FLOWS_ARN, QUALITY_ARN, FINDINGS_ARN, extra)
        overview = definition["Sheets"][0]
        controlled = [next(iter(c.values()))["SourceParameterName"] for c in overview["ParameterControls"]]
        assert controlled == ["rangeStart", "rangeEnd", scope, "action", "protocol", "port", "address"]
        kinds = [next(iter(v)) for v in overview["Visuals"]]
        assert kinds[:5] == ["KPIVisual"] * 5


def test_drill_down_actions_set_declared_parameters_from_their_own_fields():
    definition = d.build_definition(FLOWS_ARN, QUALITY_ARN, FINDINGS_ARN, EXTRAS)
    parameters = {next(iter(p.values()))["Name"] for p in definition["ParameterDeclarations"]}
    sheets = {s["SheetId"] for s in definition["Sheets"]}
    drills = 0
    for visual in definition["Sheets"][0]["Visuals"]:
        body = next(iter(visual.values()))
        own = {f["FieldId"] for f in _fields(visual)}
        for action in body.get("Actions", []):
            drills += 1
            (set_values, navigate) = action["ActionOperations"]
            for value in set_values["SetParametersOperation"]["ParameterValueConfigurations"]:
                assert value["DestinationParameterName"] in parameters
                assert value["Value"].get("SourceField", next(iter(own))) in own
            assert navigate["NavigationOperation"]["LocalNavigationConfiguration"]["TargetSheetId"] in sheets
    assert drills == 4  # rejected sources, rejected ports, protocols, VPCs


def test_colours_are_tied_to_values():
    definition = d.build_definition(FLOWS_ARN, QUALITY_ARN, FINDINGS_ARN)
    colours = {
        c["Column"]["ColumnName"]: {
            x["FieldValue"]: x["Color"] for x in c["ColorsConfiguration"]["CustomColors"]
        }
        for c in definition["ColumnConfigurations"]
        if "ColorsConfiguration" in c
    }
    assert set(colours["check_name"]) == set(d.QUALITY_CHECKS)
    assert colours["action"] == {"ACCEPT": "#0072B2", "REJECT": "#D55E00"}


def test_calculated_fields_compute_in_duckdb():
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE f AS SELECT * FROM (VALUES ('10.0.0.1', '10.0.0.2', 6, 22, '2026-11-30-05'), "
        "('a', 'b', 17, 53, '2026-11-30-06'), ('c', 'd', 1, 0, '2026-11-30-07'), ('e', 'f', 58, 0, '2026-11-30-08'), "
        "('g', 'h', 47, 40000, '2026-11-30-09')) t(sourceaddress, destinationaddress, protocol, destinationport, "
        "ingestdatetime)"
    )
    port = to_sql(c.PORT_SERVICE)
    talker, proto, hour = to_sql(c.TALKER), to_sql(c.PROTOCOL_NAME), to_sql(c.INGEST_HOUR)
    rows = con.execute(f"SELECT {talker}, {proto}, {port}, strftime({hour}, '%H') FROM f").fetchall()
    assert rows == [
        ("10.0.0.1 -> 10.0.0.2", "TCP", "22 ssh", "05"),
        ("a -> b", "UDP", "53 dns", "06"),
        ("c -> d", "ICMP", "0", "07"),
        ("e -> f", "ICMPv6", "0", "08"),
        ("g -> h", "IP 47", "40000", "09"),
    ]


@pytest.mark.parametrize(
    ("address", "matches"), [(None, 5), ("10.0.0.2", 1), ("b", 1), ("10.0.0", 0)], ids=str
)
def test_the_address_parameter_matches_either_end_and_nothing_when_unset(address, matches):
    con = duckdb.connect()
    con.execute("CREATE TABLE f AS SELECT * FROM (VALUES ('10.0.0.1', '10.0.0.2'), ('a', 'b'), ('c', 'd'), "
                "('e', 'f'), ('g', 'h')) t(sourceaddress, destinationaddress)")  # fmt: skip
    literal = "NULL" if address is None else f"'{address}'"
    match = to_sql(c.ADDRESS_MATCH, parameter=lambda name: literal)
    assert con.execute(f"SELECT count(*) FROM f WHERE {match} = 'yes'").fetchall() == [(matches,)]


def test_unsupported_expression_is_named():
    with pytest.raises(UnsupportedExpression, match=r"function percentile\(\)"):
        to_sql("percentile({bytes}, 95)")


def test_each_hour_gets_the_verdict_of_its_worst_failed_check():
    """The quality dataset's SQL (hour_state) and the calculated verdict, on DuckDB: a failed block check
    blocks the hour, a failed warn check only warns, info checks never fail it."""
    from vpcflow.model.config import StackConfig
    from vpcflow.provision.dashboard import quality_sql

    config = StackConfig.isolated("verdict", "abc123")
    con = duckdb.connect()
    con.execute(f"CREATE SCHEMA {config.database}")
    con.execute(
        f"CREATE TABLE {config.database}.{config.raw_table}_quality AS SELECT * FROM (VALUES "
        "('2026-11-30-05', 'malformed_rows', 9, 0.01, 'block', false), ('2026-11-30-05', 'duplicate_rows', 3, 0.1, 'warn', false), "
        "('2026-11-30-06', 'duplicate_rows', 3, 0.1, 'warn', false), ('2026-11-30-06', 'nodata_rows', 5, 0.0, 'info', true), "
        "('2026-11-30-07', 'nodata_rows', 5, 0.0, 'info', true), ('2026-11-30-07', 'total_rows', 100, 1.0, 'info', NULL)"
        ") t(ingestdatetime, check_name, value, ratio, severity, passed)"
    )  # fmt: skip
    verdict, failed = to_sql(c.VERDICT, lambda name: name), to_sql(c.FAILED, lambda name: name)
    rows = con.execute(
        f"SELECT ingestdatetime, min({verdict}), sum({failed}) FROM ({quality_sql(config)}) GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert rows == [
        ("2026-11-30-05", "blocked", 2),
        ("2026-11-30-06", "warned", 1),
        ("2026-11-30-07", "passed", 0),
    ]


def test_the_findings_sheet_lists_each_finding_most_severe_first_over_its_own_dataset():
    definition = d.build_definition(FLOWS_ARN, QUALITY_ARN, FINDINGS_ARN)
    assert {"Identifier": d.FINDINGS, "DataSetArn": FINDINGS_ARN} in definition[
        "DataSetIdentifierDeclarations"
    ]
    sheet = next(s for s in definition["Sheets"] if s["SheetId"] == d.FINDINGS_SHEET)
    visuals = {d.visual_id(v): next(iter(v.values())) for v in sheet["Visuals"]}
    assert list(visuals) == ["findings-by-detector", "findings-by-severity", "findings-table"]
    # Every field of the sheet reads the findings dataset, and only columns it has.
    columns = _columns(definition)[d.FINDINGS]
    for visual in sheet["Visuals"]:
        for field in _fields(visual):
            assert field["Column"] == {
                "DataSetIdentifier": d.FINDINGS,
                "ColumnName": field["Column"]["ColumnName"],
            }
            assert field["Column"]["ColumnName"] in columns

    config = visuals["findings-table"]["ChartConfiguration"]
    shown = {o["FieldId"]: o for o in config["FieldOptions"]["SelectedFieldOptions"]}
    by_id = {
        f["FieldId"]: f["Column"]["ColumnName"]
        for f in config["FieldWells"]["TableUnaggregatedFieldWells"]["Values"]
    }
    assert {"severity", "title", "entity", "first_seen", "last_seen", "hours_active", "finding_id"} <= set(
        by_id.values()
    )
    sorts = [
        (s["FieldSort"]["FieldId"], s["FieldSort"]["Direction"])
        for s in config["SortConfiguration"]["RowSort"]
    ]
    assert [(by_id[f], direction) for f, direction in sorts] == [
        ("severity_rank", "DESC"),
        ("last_seen", "DESC"),
    ]
    assert [f for f, o in shown.items() if o.get("Visibility") == "HIDDEN"] == [
        sorts[0][0]
    ]  # the rank only sorts

    bars = visuals["findings-by-detector"]["ChartConfiguration"]["FieldWells"]["BarChartAggregatedFieldWells"]
    (colour,) = bars["Colors"]
    assert colour["CategoricalDimensionField"]["Column"]["ColumnName"] == "severity"
    (value,) = bars["Values"]
    assert value["CategoricalMeasureField"]["AggregationFunction"] == "DISTINCT_COUNT"

    # The time range narrows the sheet by the hour each finding was last seen in (its latest row's).
    (group,) = [g for g in definition["FilterGroups"] if g["FilterGroupId"] == "findings-range"]
    (scope,) = group["ScopeConfiguration"]["SelectedSheets"]["SheetVisualScopingConfigurations"]
    assert scope == {"SheetId": d.FINDINGS_SHEET, "Scope": "ALL_VISUALS"}
    (time_range,) = group["Filters"]
    assert time_range["TimeRangeFilter"]["Column"] == {
        "DataSetIdentifier": d.FINDINGS,
        "ColumnName": "ingest_hour",
    }
    controls = [next(iter(c.values()))["SourceParameterName"] for c in sheet["ParameterControls"]]
    assert controls == ["rangeStart", "rangeEnd"]

    # The table takes the sheet's whole width, under the chart.
    layout = {e["ElementId"]: e for e in sheet["Layouts"][0]["Configuration"]["GridLayout"]["Elements"]}
    assert layout["findings-table"]["ColumnSpan"] == d.GRID_COLUMNS
    assert layout["findings-table"]["RowIndex"] > layout["findings-by-detector"]["RowIndex"]


def test_severities_have_fixed_colours():
    from vpcflow.detections.detectors import SEVERITIES

    definition = d.build_definition(FLOWS_ARN, QUALITY_ARN, FINDINGS_ARN)
    (severity,) = [c for c in definition["ColumnConfigurations"] if c["Column"]["ColumnName"] == "severity"]
    assert severity["Column"]["DataSetIdentifier"] == d.FINDINGS
    colours = {c["FieldValue"]: c["Color"] for c in severity["ColorsConfiguration"]["CustomColors"]}
    assert set(colours) == set(SEVERITIES) and len(set(colours.values())) == len(SEVERITIES)
    assert colours["CRITICAL"] == "#D55E00"


def test_the_findings_sql_keeps_each_findings_latest_row():
    """The findings dataset's SQL on DuckDB (Athena's SQL where they agree): one row per finding, its latest
    hour's, with its entity and severity rank; hours before the window are not read."""
    from datetime import UTC, datetime, timedelta

    from vpcflow.model.config import StackConfig
    from vpcflow.provision.dashboard import FINDINGS_COLUMNS, findings_sql

    config = StackConfig.isolated("findings", "abc123")
    now = datetime.now(UTC)
    hour = [f"{now - timedelta(hours=h):%Y-%m-%d-%H}" for h in (3, 2, 1)]
    old = f"{now - timedelta(days=config.spice_window_days + 1):%Y-%m-%d-%H}"
    con = duckdb.connect()
    con.execute("CREATE MACRO date_add(unit, n, t) AS t + to_days(n)")
    con.execute("CREATE MACRO date_format(t, f) AS strftime(t, f)")
    con.execute(f"CREATE SCHEMA {config.database}")
    con.execute(
        f"CREATE TABLE {config.database}.vpc_flow_findings AS SELECT * FROM (VALUES "
        f"('a', 'brute_force', 'SSH/RDP brute force', 'HIGH', 'new', 'eni-1', '203.0.113.5', '10.0.0.5', 22, NULL, 1, 40, '{hour[0]}'), "
        f"('a', 'brute_force', 'SSH/RDP brute force', 'HIGH', 'continued', 'eni-1', '203.0.113.5', '10.0.0.5', 22, NULL, 2, 90, '{hour[1]}'), "
        f"('b', 'capture_health', 'Capture gap', 'LOW', 'new', 'eni-2', NULL, NULL, NULL, 'silent', 1, 0, '{hour[2]}'), "
        f"('c', 'port_scan_horizontal', 'Horizontal port scan', 'MEDIUM', 'new', 'eni-3', '198.51.100.7', NULL, NULL, NULL, 1, 9, '{old}')"
        ") t(finding_id, detector, title, severity, status, interfaceid, source, destination, port, subtype, hours_active, "
        "flows, ingestdatetime)"
    )  # fmt: skip
    missing = {n for n, _ in FINDINGS_COLUMNS} - {r[0] for r in con.execute(
        f"DESCRIBE {config.database}.vpc_flow_findings").fetchall()} - {"entity", "severity_rank"}  # fmt: skip
    for name in missing:
        con.execute(f"ALTER TABLE {config.database}.vpc_flow_findings ADD COLUMN {name} VARCHAR")
    sql = findings_sql(config).replace('"', "")
    rows = con.execute(
        f"SELECT finding_id, status, hours_active, flows, entity, severity_rank, ingestdatetime FROM ({sql}) ORDER BY 1"
    ).fetchall()
    assert rows == [
        ("a", "continued", 2, 90, "203.0.113.5 -> 10.0.0.5:22", 3, hour[1]),
        ("b", "new", 1, 0, "eni-2 (silent)", 1, hour[2]),
    ]
