"""Data sources: create, describe, list, update, delete, permissions, and the errors QuickSight gives."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.localaws.quicksight.conftest import ACCOUNT

PRINCIPAL = "arn:aws:quicksight:us-east-1:123456789012:user/default/admin"


def error_of(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    return info.value.response["Error"]["Code"], info.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_create_describe_list_an_athena_data_source(qs: Any, unique: str) -> None:
    # GIVEN an Athena data source created with permissions
    created = qs.create_data_source(
        AwsAccountId=ACCOUNT,
        DataSourceId=f"src-{unique}",
        Name="flow logs",
        Type="ATHENA",
        DataSourceParameters={"AthenaParameters": {"WorkGroup": "vpcflow"}},
        Permissions=[{"Principal": PRINCIPAL, "Actions": ["quicksight:DescribeDataSource"]}],
    )
    # THEN AWS's answer: 202, creation in progress, the ARN
    assert created["Status"] == 202
    assert created["CreationStatus"] == "CREATION_IN_PROGRESS"
    assert created["Arn"] == f"arn:aws:quicksight:us-east-1:{ACCOUNT}:datasource/src-{unique}"
    assert created["RequestId"]

    described = qs.describe_data_source(AwsAccountId=ACCOUNT, DataSourceId=f"src-{unique}")["DataSource"]
    assert described["Status"] == "CREATION_SUCCESSFUL"
    assert described["Type"] == "ATHENA"
    assert described["DataSourceParameters"] == {"AthenaParameters": {"WorkGroup": "vpcflow"}}

    listed = qs.list_data_sources(AwsAccountId=ACCOUNT)["DataSources"]
    assert f"src-{unique}" in [d["DataSourceId"] for d in listed]

    permissions = qs.describe_data_source_permissions(AwsAccountId=ACCOUNT, DataSourceId=f"src-{unique}")
    assert permissions["Permissions"] == [
        {"Principal": PRINCIPAL, "Actions": ["quicksight:DescribeDataSource"]}
    ]


def test_update_data_source_and_its_permissions(qs: Any, data_source: dict[str, Any]) -> None:
    source_id = data_source["DataSourceId"]
    updated = qs.update_data_source(
        AwsAccountId=ACCOUNT,
        DataSourceId=source_id,
        Name="renamed",
        DataSourceParameters={"AthenaParameters": {"WorkGroup": "other"}},
    )
    assert updated["UpdateStatus"] == "UPDATE_IN_PROGRESS"
    described = qs.describe_data_source(AwsAccountId=ACCOUNT, DataSourceId=source_id)["DataSource"]
    assert (described["Name"], described["Status"]) == ("renamed", "UPDATE_SUCCESSFUL")
    assert described["DataSourceParameters"]["AthenaParameters"]["WorkGroup"] == "other"

    qs.update_data_source_permissions(
        AwsAccountId=ACCOUNT,
        DataSourceId=source_id,
        GrantPermissions=[
            {
                "Principal": PRINCIPAL,
                "Actions": ["quicksight:DescribeDataSource", "quicksight:PassDataSource"],
            }
        ],
    )
    qs.update_data_source_permissions(
        AwsAccountId=ACCOUNT,
        DataSourceId=source_id,
        RevokePermissions=[{"Principal": PRINCIPAL, "Actions": ["quicksight:PassDataSource"]}],
    )
    permissions = qs.describe_data_source_permissions(AwsAccountId=ACCOUNT, DataSourceId=source_id)[
        "Permissions"
    ]
    assert permissions == [{"Principal": PRINCIPAL, "Actions": ["quicksight:DescribeDataSource"]}]


def test_delete_data_source_then_it_is_gone(qs: Any, data_source: dict[str, Any]) -> None:
    deleted = qs.delete_data_source(AwsAccountId=ACCOUNT, DataSourceId=data_source["DataSourceId"])
    assert deleted["Arn"] == data_source["Arn"]
    with pytest.raises(ClientError) as info:
        qs.describe_data_source(AwsAccountId=ACCOUNT, DataSourceId=data_source["DataSourceId"])
    assert error_of(info) == ("ResourceNotFoundException", 404)


def test_duplicate_data_source_is_resource_exists(qs: Any, data_source: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as info:
        qs.create_data_source(
            AwsAccountId=ACCOUNT,
            DataSourceId=data_source["DataSourceId"],
            Name="again",
            Type="ATHENA",
            DataSourceParameters={"AthenaParameters": {"WorkGroup": "primary"}},
        )
    assert error_of(info) == ("ResourceExistsException", 409)
    assert data_source["DataSourceId"] in info.value.response["Error"]["Message"]


def test_invalid_input_is_invalid_parameter_value(qs: Any, unique: str) -> None:
    with pytest.raises(ClientError) as info:  # an ATHENA source without AthenaParameters
        qs.create_data_source(AwsAccountId=ACCOUNT, DataSourceId=f"bad-{unique}", Name="bad", Type="ATHENA")
    assert error_of(info) == ("InvalidParameterValueException", 400)
    assert "AthenaParameters" in info.value.response["Error"]["Message"]

    with pytest.raises(ClientError) as info:  # an account id that is not 12 digits
        qs.list_data_sources(AwsAccountId="12345678901x")
    assert error_of(info) == ("InvalidParameterValueException", 400)


def test_unknown_data_source_errors(qs: Any) -> None:
    for call in (
        lambda: qs.describe_data_source(AwsAccountId=ACCOUNT, DataSourceId="missing"),
        lambda: qs.update_data_source(AwsAccountId=ACCOUNT, DataSourceId="missing", Name="x"),
        lambda: qs.delete_data_source(AwsAccountId=ACCOUNT, DataSourceId="missing"),
        lambda: qs.update_data_source_permissions(AwsAccountId=ACCOUNT, DataSourceId="missing"),
    ):
        with pytest.raises(ClientError) as info:
            call()
        assert error_of(info) == ("ResourceNotFoundException", 404)
        assert "missing" in info.value.response["Error"]["Message"]


def test_list_data_sources_pages(qs: Any, unique: str) -> None:
    for i in range(3):
        qs.create_data_source(
            AwsAccountId=ACCOUNT,
            DataSourceId=f"page-{unique}-{i}",
            Name=f"page {i}",
            Type="ATHENA",
            DataSourceParameters={"AthenaParameters": {"WorkGroup": "primary"}},
        )
    seen = []
    for result in qs.get_paginator("list_data_sources").paginate(
        AwsAccountId=ACCOUNT, PaginationConfig={"PageSize": 2}
    ):
        assert len(result["DataSources"]) <= 2
        seen += [d["DataSourceId"] for d in result["DataSources"]]
    assert {f"page-{unique}-{i}" for i in range(3)} <= set(seen)
    assert len(seen) == len(set(seen))
