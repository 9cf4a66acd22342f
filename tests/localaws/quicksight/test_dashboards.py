"""Dashboards: definitions stored as given, versions, publishing, permissions, errors."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from localaws.server import LocalAWS

from tests.localaws.quicksight.conftest import ACCOUNT, custom_sql
from tests.localaws.quicksight.test_data_sources import PRINCIPAL, error_of


@pytest.fixture
def data_set_arn(qs: Any, data_source: dict, unique: str) -> str:
    return qs.create_data_set(
        AwsAccountId=ACCOUNT,
        DataSetId=f"dash-set-{unique}",
        Name="flows",
        ImportMode="DIRECT_QUERY",
        PhysicalTableMap=custom_sql(data_source["Arn"], "SELECT 1 AS bytes", [("bytes", "INTEGER")]),
    )["Arn"]


def definition(data_set_arn: str, title: str) -> dict[str, Any]:
    return {
        "DataSetIdentifierDeclarations": [{"Identifier": "flows", "DataSetArn": data_set_arn}],
        "Sheets": [
            {
                "SheetId": "overview",
                "Name": "Overview",
                "Visuals": [
                    {
                        "KPIVisual": {
                            "VisualId": "total-bytes",
                            "Title": {"Visibility": "VISIBLE", "FormatText": {"PlainText": title}},
                            "ChartConfiguration": {
                                "FieldWells": {
                                    "Values": [
                                        {
                                            "NumericalMeasureField": {
                                                "FieldId": "bytes",
                                                "Column": {
                                                    "DataSetIdentifier": "flows",
                                                    "ColumnName": "bytes",
                                                },
                                                "AggregationFunction": {"SimpleNumericalAggregation": "SUM"},
                                            }
                                        }
                                    ]
                                }
                            },
                        }
                    }
                ],
            }
        ],
    }


def test_dashboard_lifecycle(qs: Any, data_set_arn: str, unique: str, localaws: LocalAWS) -> None:
    dashboard_id = f"dash-{unique}"
    created = qs.create_dashboard(
        AwsAccountId=ACCOUNT,
        DashboardId=dashboard_id,
        Name="VPC flows",
        Definition=definition(data_set_arn, "Bytes v1"),
        Permissions=[{"Principal": PRINCIPAL, "Actions": ["quicksight:DescribeDashboard"]}],
    )
    assert created["Status"] == 202
    assert created["Arn"] == f"arn:aws:quicksight:us-east-1:{ACCOUNT}:dashboard/{dashboard_id}"
    assert created["VersionArn"] == created["Arn"] + "/version/1"
    assert created["CreationStatus"] == "CREATION_IN_PROGRESS"

    dashboard = qs.describe_dashboard(AwsAccountId=ACCOUNT, DashboardId=dashboard_id)["Dashboard"]
    assert dashboard["Name"] == "VPC flows"
    assert dashboard["Version"]["VersionNumber"] == 1
    assert dashboard["Version"]["Status"] == "CREATION_SUCCESSFUL"
    assert dashboard["Version"]["DataSetArns"] == [data_set_arn]
    assert dashboard["Version"]["Sheets"] == [{"SheetId": "overview", "Name": "Overview"}]
    stored = qs.describe_dashboard_definition(AwsAccountId=ACCOUNT, DashboardId=dashboard_id)
    assert stored["Definition"] == definition(data_set_arn, "Bytes v1")
    assert stored["ResourceStatus"] == "CREATION_SUCCESSFUL"

    # WHEN it is updated: a new version, not yet published
    updated = qs.update_dashboard(
        AwsAccountId=ACCOUNT,
        DashboardId=dashboard_id,
        Name="VPC flows",
        Definition=definition(data_set_arn, "Bytes v2"),
    )
    assert updated["Status"] == 202  # a body member for UpdateDashboard only
    assert updated["VersionArn"].endswith("/version/2")
    assert (
        qs.describe_dashboard(AwsAccountId=ACCOUNT, DashboardId=dashboard_id)["Dashboard"]["Version"][
            "VersionNumber"
        ]
        == 1
    )
    v2 = qs.describe_dashboard_definition(AwsAccountId=ACCOUNT, DashboardId=dashboard_id, VersionNumber=2)
    assert v2["Definition"] == definition(data_set_arn, "Bytes v2")
    # THEN publishing makes version 2 the one described, listed and rendered
    qs.update_dashboard_published_version(AwsAccountId=ACCOUNT, DashboardId=dashboard_id, VersionNumber=2)
    assert (
        qs.describe_dashboard(AwsAccountId=ACCOUNT, DashboardId=dashboard_id)["Dashboard"]["Version"][
            "VersionNumber"
        ]
        == 2
    )
    summaries = qs.list_dashboards(AwsAccountId=ACCOUNT)["DashboardSummaryList"]
    assert [s["PublishedVersionNumber"] for s in summaries if s["DashboardId"] == dashboard_id] == [2]
    versions = qs.list_dashboard_versions(AwsAccountId=ACCOUNT, DashboardId=dashboard_id)[
        "DashboardVersionSummaryList"
    ]
    assert [v["VersionNumber"] for v in versions] == [1, 2]
    rendered = localaws.services["quicksight"].dashboard_definition(dashboard_id)
    assert (rendered["VersionNumber"], rendered["Definition"]) == (2, definition(data_set_arn, "Bytes v2"))

    # Permissions: stored from Create, then granted and revoked
    answer = qs.update_dashboard_permissions(
        AwsAccountId=ACCOUNT,
        DashboardId=dashboard_id,
        GrantPermissions=[{"Principal": PRINCIPAL, "Actions": ["quicksight:QueryDashboard"]}],
        RevokePermissions=[{"Principal": PRINCIPAL, "Actions": ["quicksight:DescribeDashboard"]}],
    )
    assert answer["Permissions"] == [{"Principal": PRINCIPAL, "Actions": ["quicksight:QueryDashboard"]}]
    described = qs.describe_dashboard_permissions(AwsAccountId=ACCOUNT, DashboardId=dashboard_id)
    assert described["Permissions"] == answer["Permissions"]
    assert described["DashboardArn"] == created["Arn"]

    assert qs.delete_dashboard(AwsAccountId=ACCOUNT, DashboardId=dashboard_id)["DashboardId"] == dashboard_id
    with pytest.raises(ClientError) as info:
        qs.describe_dashboard(AwsAccountId=ACCOUNT, DashboardId=dashboard_id)
    assert error_of(info) == ("ResourceNotFoundException", 404)


def test_dashboard_over_a_missing_data_set_fails_to_build(qs: Any, unique: str) -> None:
    missing = f"arn:aws:quicksight:us-east-1:{ACCOUNT}:dataset/none-{unique}"
    qs.create_dashboard(
        AwsAccountId=ACCOUNT, DashboardId=f"bad-{unique}", Name="bad", Definition=definition(missing, "x")
    )
    version = qs.describe_dashboard(AwsAccountId=ACCOUNT, DashboardId=f"bad-{unique}")["Dashboard"]["Version"]
    assert version["Status"] == "CREATION_FAILED"
    assert version["Errors"][0]["Type"] == "DATA_SET_NOT_FOUND"
    assert missing in version["Errors"][0]["Message"]


def test_dashboard_errors(qs: Any, data_set_arn: str, unique: str) -> None:
    dashboard_id = f"err-{unique}"
    qs.create_dashboard(
        AwsAccountId=ACCOUNT, DashboardId=dashboard_id, Name="d", Definition=definition(data_set_arn, "t")
    )
    cases = [
        (
            lambda: qs.create_dashboard(
                AwsAccountId=ACCOUNT,
                DashboardId=dashboard_id,
                Name="d",
                Definition=definition(data_set_arn, "t"),
            ),
            "ResourceExistsException",
            409,
        ),
        (
            lambda: qs.create_dashboard(AwsAccountId=ACCOUNT, DashboardId=f"empty-{unique}", Name="d"),
            "InvalidParameterValueException",
            400,
        ),
        (
            lambda: qs.describe_dashboard(AwsAccountId=ACCOUNT, DashboardId=dashboard_id, VersionNumber=9),
            "ResourceNotFoundException",
            404,
        ),
        (
            lambda: qs.update_dashboard(
                AwsAccountId=ACCOUNT,
                DashboardId=f"none-{unique}",
                Name="d",
                Definition=definition(data_set_arn, "t"),
            ),
            "ResourceNotFoundException",
            404,
        ),
        (
            lambda: qs.describe_dashboard_definition(AwsAccountId=ACCOUNT, DashboardId=f"none-{unique}"),
            "ResourceNotFoundException",
            404,
        ),
        (
            lambda: qs.delete_dashboard(AwsAccountId=ACCOUNT, DashboardId=dashboard_id, VersionNumber=1),
            "ConflictException",
            409,
        ),
    ]
    for call, code, status in cases:
        with pytest.raises(ClientError) as info:
            call()
        assert error_of(info) == (code, status)
