"""The dashboard definition is valid for QuickSight's API (botocore's model) and consistent in itself."""

from __future__ import annotations

import botocore.session
import duckdb
import pytest
from botocore.validate import validate_parameters
from vpcflow.dashboard import definition as d
from vpcflow.model.formats import parquet_columns

from localaws.dashboard.expressions import UnsupportedExpression, to_sql

FLOWS_ARN = "arn:aws:quicksight:us-east-1:123456789012:dataset/vpcflow-flows"
QUALITY_ARN = "arn:aws:quicksight:us-east-1:123456789012:dataset/vpcflow-flows-quality"
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


@pytest.mark.parametrize("operation", ["CreateDashboard", "UpdateDashboard"])
def test_definition_is_valid_for_the_api(operation):
    definition = d.build_definition(FLOWS_ARN, QUALITY_ARN)
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
    definition = d.build_definition(FLOWS_ARN, QUALITY_ARN)
    definition["Sheets"][0]["Visuals"][0]["LineChartVisual"]["ChartConfiguration"]["Type"] = "SPLINE"
    shape = MODEL.operation_model("CreateDashboard").input_shape.members["Definition"]
    assert _enum_errors(shape, definition) == [
        "Definition.Sheets[0].Visuals[0].LineChartVisual.ChartConfiguration.Type='SPLINE' not in "
        "['LINE', 'AREA', 'STACKED_AREA']"
    ]


def _fields(visual):
    body = next(iter(visual.values()))
    wells = next(iter(body["ChartConfiguration"]["FieldWells"].values()))
    for well in ("Category", "Values", "Colors"):
        for spec in wells.get(well, []):
            yield next(iter(spec.values()))


def test_visuals_fields_filters_and_layout_agree():
    definition = d.build_definition(FLOWS_ARN, QUALITY_ARN)
    (sheet,) = definition["Sheets"]
    ids = [d.visual_id(v) for v in sheet["Visuals"]]
    assert len(ids) == len(set(ids)) == 7
    kinds = [next(iter(v)) for v in sheet["Visuals"]]
    assert (
        kinds.count("LineChartVisual") == 2
        and kinds.count("BarChartVisual") == 4
        and "PieChartVisual" in kinds
    )
    layout = sheet["Layouts"][0]["Configuration"]["GridLayout"]["Elements"]
    assert [e["ElementId"] for e in layout] == ids
    columns = {
        d.FLOWS: {name for name, _ in parquet_columns()}
        | {"ingestdatetime"}
        | {c["Name"] for c in definition["CalculatedFields"]},
        d.QUALITY: {"ingestdatetime", "check_name", "value", "ratio"},
    }
    field_ids = []
    for visual in sheet["Visuals"]:
        for field in _fields(visual):
            field_ids.append(field["FieldId"])
            assert field["Column"]["ColumnName"] in columns[field["Column"]["DataSetIdentifier"]], field
    assert len(field_ids) == len(set(field_ids))  # QuickSight wants field ids unique in a definition
    for group in definition["FilterGroups"]:
        for scope in group["ScopeConfiguration"]["SelectedSheets"]["SheetVisualScopingConfigurations"]:
            assert scope["SheetId"] == sheet["SheetId"] and set(scope["VisualIds"]) <= set(ids)
    top = next(v for v in sheet["Visuals"] if d.visual_id(v) == "top-rejected-sources")["BarChartVisual"]
    assert top["ChartConfiguration"]["SortConfiguration"]["CategoryItemsLimit"]["ItemsLimit"] == 25


def test_calculated_fields_compute_in_duckdb():
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE f AS SELECT * FROM (VALUES ('10.0.0.1', '10.0.0.2', 6), ('a', 'b', 17), "
        "('c', 'd', 1), ('e', 'f', 58), ('g', 'h', 47)) t(sourceaddress, destinationaddress, protocol)"
    )
    talker, proto = to_sql(d.TALKER), to_sql(d.PROTOCOL_NAME)
    rows = con.execute(f"SELECT {talker}, {proto} FROM f").fetchall()
    assert rows == [
        ("10.0.0.1 -> 10.0.0.2", "TCP"),
        ("a -> b", "UDP"),
        ("c -> d", "ICMP"),
        ("e -> f", "ICMPv6"),
        ("g -> h", "IP 47"),
    ]


def test_unsupported_expression_is_named():
    with pytest.raises(UnsupportedExpression, match=r"function percentile\(\)"):
        to_sql("percentile({bytes}, 95)")
