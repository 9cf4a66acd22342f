"""Datasets: create (SPICE / DIRECT_QUERY, RelationalTable / CustomSql), describe, list, update, delete."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.localaws.quicksight.conftest import ACCOUNT, custom_sql, relational
from tests.localaws.quicksight.test_data_sources import PRINCIPAL, error_of

COLUMNS = [
    ("srcaddr", "STRING"),
    ("bytes", "INTEGER"),
    ("ratio", "DECIMAL"),
    ("start", "DATETIME"),
    ("ok", "BIT"),
]
LOGICAL = {"l1": {"Alias": "flows", "Source": {"PhysicalTableId": "t1"}}}


def test_create_spice_data_set_starts_its_first_ingestion(qs: Any, data_source: dict, unique: str) -> None:
    created = qs.create_data_set(
        AwsAccountId=ACCOUNT,
        DataSetId=f"set-{unique}",
        Name="flows",
        ImportMode="SPICE",
        PhysicalTableMap=relational(data_source["Arn"], "db", "flows", COLUMNS),
        LogicalTableMap=LOGICAL,
        Permissions=[{"Principal": PRINCIPAL, "Actions": ["quicksight:DescribeDataSet"]}],
    )
    assert created["Status"] == 201
    assert created["Arn"] == f"arn:aws:quicksight:us-east-1:{ACCOUNT}:dataset/set-{unique}"
    assert created["IngestionArn"] == f"{created['Arn']}/ingestion/{created['IngestionId']}"
    first = qs.describe_ingestion(
        AwsAccountId=ACCOUNT, DataSetId=f"set-{unique}", IngestionId=created["IngestionId"]
    )
    assert first["Ingestion"]["RequestType"] == "INITIAL_INGESTION"

    data_set = qs.describe_data_set(AwsAccountId=ACCOUNT, DataSetId=f"set-{unique}")["DataSet"]
    assert data_set["ImportMode"] == "SPICE"
    assert data_set["LogicalTableMap"] == LOGICAL
    assert data_set["PhysicalTableMap"]["t1"]["RelationalTable"]["Schema"] == "db"
    assert data_set["OutputColumns"] == [
        {"Name": "srcaddr", "Type": "STRING"},
        {"Name": "bytes", "Type": "INTEGER"},
        {"Name": "ratio", "Type": "DECIMAL", "SubType": "FLOAT"},
        {"Name": "start", "Type": "DATETIME"},
        {"Name": "ok", "Type": "INTEGER"},
    ]
    permissions = qs.describe_data_set_permissions(AwsAccountId=ACCOUNT, DataSetId=f"set-{unique}")
    assert permissions["Permissions"] == [{"Principal": PRINCIPAL, "Actions": ["quicksight:DescribeDataSet"]}]

    summaries = qs.list_data_sets(AwsAccountId=ACCOUNT)["DataSetSummaries"]
    mine = [s for s in summaries if s["DataSetId"] == f"set-{unique}"]
    assert mine and mine[0]["ImportMode"] == "SPICE" and mine[0]["Name"] == "flows"


def test_direct_query_custom_sql_data_set_has_no_ingestion(qs: Any, data_source: dict, unique: str) -> None:
    created = qs.create_data_set(
        AwsAccountId=ACCOUNT,
        DataSetId=f"dq-{unique}",
        Name="direct",
        ImportMode="DIRECT_QUERY",
        PhysicalTableMap=custom_sql(data_source["Arn"], "SELECT 1 AS one", [("one", "INTEGER")]),
    )
    assert "IngestionId" not in created
    data_set = qs.describe_data_set(AwsAccountId=ACCOUNT, DataSetId=f"dq-{unique}")["DataSet"]
    assert data_set["PhysicalTableMap"]["t1"]["CustomSql"]["SqlQuery"] == "SELECT 1 AS one"
    assert data_set["ImportMode"] == "DIRECT_QUERY"


def test_update_data_set_and_permissions(qs: Any, data_source: dict, unique: str) -> None:
    set_id = f"upd-{unique}"
    qs.create_data_set(
        AwsAccountId=ACCOUNT,
        DataSetId=set_id,
        Name="before",
        ImportMode="DIRECT_QUERY",
        PhysicalTableMap=custom_sql(data_source["Arn"], "SELECT 1 AS one", [("one", "INTEGER")]),
    )
    updated = qs.update_data_set(
        AwsAccountId=ACCOUNT,
        DataSetId=set_id,
        Name="after",
        ImportMode="SPICE",
        PhysicalTableMap=custom_sql(data_source["Arn"], "SELECT 'x' AS two", [("two", "STRING")]),
    )
    # Switching to SPICE fills it: AWS's answer names an EDIT ingestion.
    edit = qs.describe_ingestion(AwsAccountId=ACCOUNT, DataSetId=set_id, IngestionId=updated["IngestionId"])
    assert edit["Ingestion"]["RequestType"] == "EDIT"
    data_set = qs.describe_data_set(AwsAccountId=ACCOUNT, DataSetId=set_id)["DataSet"]
    assert (data_set["Name"], data_set["ImportMode"]) == ("after", "SPICE")
    assert data_set["OutputColumns"] == [{"Name": "two", "Type": "STRING"}]
    assert data_set["LastUpdatedTime"] >= data_set["CreatedTime"]

    qs.update_data_set_permissions(
        AwsAccountId=ACCOUNT,
        DataSetId=set_id,
        GrantPermissions=[
            {"Principal": PRINCIPAL, "Actions": ["quicksight:DescribeDataSet", "quicksight:PassDataSet"]}
        ],
    )
    qs.update_data_set_permissions(
        AwsAccountId=ACCOUNT,
        DataSetId=set_id,
        RevokePermissions=[
            {"Principal": PRINCIPAL, "Actions": ["quicksight:DescribeDataSet", "quicksight:PassDataSet"]}
        ],
    )
    assert qs.describe_data_set_permissions(AwsAccountId=ACCOUNT, DataSetId=set_id)["Permissions"] == []


def test_delete_data_set(qs: Any, data_source: dict, unique: str) -> None:
    set_id = f"del-{unique}"
    created = qs.create_data_set(
        AwsAccountId=ACCOUNT,
        DataSetId=set_id,
        Name="doomed",
        ImportMode="DIRECT_QUERY",
        PhysicalTableMap=custom_sql(data_source["Arn"], "SELECT 1 AS one", [("one", "INTEGER")]),
    )
    assert qs.delete_data_set(AwsAccountId=ACCOUNT, DataSetId=set_id)["Arn"] == created["Arn"]
    for call in (
        lambda: qs.describe_data_set(AwsAccountId=ACCOUNT, DataSetId=set_id),
        lambda: qs.delete_data_set(AwsAccountId=ACCOUNT, DataSetId=set_id),
        lambda: qs.list_ingestions(AwsAccountId=ACCOUNT, DataSetId=set_id),
    ):
        with pytest.raises(ClientError) as info:
            call()
        assert error_of(info) == ("ResourceNotFoundException", 404)


def test_create_data_set_errors(qs: Any, data_source: dict, unique: str) -> None:
    good = relational(data_source["Arn"], "db", "t", [("a", "STRING")])
    qs.create_data_set(
        AwsAccountId=ACCOUNT,
        DataSetId=f"dup-{unique}",
        Name="d",
        ImportMode="DIRECT_QUERY",
        PhysicalTableMap=good,
    )
    cases = [
        (
            {"DataSetId": f"dup-{unique}", "ImportMode": "DIRECT_QUERY", "PhysicalTableMap": good},
            "ResourceExistsException",
            409,
        ),
        (
            {
                "DataSetId": f"nosrc-{unique}",
                "ImportMode": "SPICE",
                "PhysicalTableMap": relational(data_source["Arn"] + "-gone", "db", "t", [("a", "STRING")]),
            },
            "ResourceNotFoundException",
            404,
        ),
        (
            {
                "DataSetId": f"type-{unique}",
                "ImportMode": "SPICE",
                "PhysicalTableMap": relational(data_source["Arn"], "db", "t", [("a", "VARCHAR")]),
            },
            "InvalidParameterValueException",
            400,
        ),
    ]
    for kwargs, code, status in cases:
        with pytest.raises(ClientError) as info:
            qs.create_data_set(AwsAccountId=ACCOUNT, Name="x", **kwargs)
        assert error_of(info) == (code, status), kwargs
        assert info.value.response["Error"]["Message"]


def test_refresh_properties(qs: Any, data_source: dict, unique: str) -> None:
    set_id = f"rp-{unique}"
    qs.create_data_set(
        AwsAccountId=ACCOUNT,
        DataSetId=set_id,
        Name="rp",
        ImportMode="DIRECT_QUERY",
        PhysicalTableMap=relational(data_source["Arn"], "db", "t", [("start", "DATETIME"), ("n", "INTEGER")]),
    )
    properties = {
        "RefreshConfiguration": {
            "IncrementalRefresh": {"LookbackWindow": {"ColumnName": "start", "Size": 2, "SizeUnit": "HOUR"}}
        }
    }
    qs.put_data_set_refresh_properties(
        AwsAccountId=ACCOUNT, DataSetId=set_id, DataSetRefreshProperties=properties
    )
    assert (
        qs.describe_data_set_refresh_properties(AwsAccountId=ACCOUNT, DataSetId=set_id)[
            "DataSetRefreshProperties"
        ]
        == properties
    )

    bad = {
        "RefreshConfiguration": {
            "IncrementalRefresh": {"LookbackWindow": {"ColumnName": "n", "Size": 2, "SizeUnit": "HOUR"}}
        }
    }
    with pytest.raises(ClientError) as info:  # the lookback column must be a DATETIME column
        qs.put_data_set_refresh_properties(
            AwsAccountId=ACCOUNT, DataSetId=set_id, DataSetRefreshProperties=bad
        )
    assert error_of(info) == ("InvalidParameterValueException", 400)

    qs.delete_data_set_refresh_properties(AwsAccountId=ACCOUNT, DataSetId=set_id)
    with pytest.raises(ClientError) as info:
        qs.describe_data_set_refresh_properties(AwsAccountId=ACCOUNT, DataSetId=set_id)
    assert error_of(info) == ("ResourceNotFoundException", 404)


def test_logical_table_renames_and_casts_shape_the_output_columns(
    qs: Any, data_source: dict, unique: str
) -> None:
    logical = {
        "l1": {
            "Alias": "flows",
            "Source": {"PhysicalTableId": "t1"},
            "DataTransforms": [
                {"RenameColumnOperation": {"ColumnName": "srcaddr", "NewColumnName": "source"}},
                {"CastColumnTypeOperation": {"ColumnName": "bytes", "NewColumnType": "DECIMAL"}},
                {"ProjectOperation": {"ProjectedColumns": ["source", "bytes"]}},
            ],
        }
    }
    qs.create_data_set(
        AwsAccountId=ACCOUNT,
        DataSetId=f"lt-{unique}",
        Name="lt",
        ImportMode="DIRECT_QUERY",
        PhysicalTableMap=relational(data_source["Arn"], "db", "flows", COLUMNS),
        LogicalTableMap=logical,
    )
    columns = qs.describe_data_set(AwsAccountId=ACCOUNT, DataSetId=f"lt-{unique}")["DataSet"]["OutputColumns"]
    assert columns == [
        {"Name": "source", "Type": "STRING"},
        {"Name": "bytes", "Type": "DECIMAL", "SubType": "FLOAT"},
    ]

    wrong = {
        "l1": {
            "Alias": "flows",
            "Source": {"PhysicalTableId": "t1"},
            "DataTransforms": [{"ProjectOperation": {"ProjectedColumns": ["nope"]}}],
        }
    }
    with pytest.raises(ClientError) as info:
        qs.create_data_set(
            AwsAccountId=ACCOUNT,
            DataSetId=f"lt-bad-{unique}",
            Name="lt",
            ImportMode="DIRECT_QUERY",
            PhysicalTableMap=relational(data_source["Arn"], "db", "flows", COLUMNS),
            LogicalTableMap=wrong,
        )
    assert error_of(info) == ("InvalidParameterValueException", 400)
    assert "'nope'" in info.value.response["Error"]["Message"]


def test_tags_of_data_sets(qs: Any, data_source: dict, unique: str) -> None:
    arn = qs.create_data_set(
        AwsAccountId=ACCOUNT,
        DataSetId=f"tag-{unique}",
        Name="tagged",
        ImportMode="DIRECT_QUERY",
        PhysicalTableMap=custom_sql(data_source["Arn"], "SELECT 1 AS one", [("one", "INTEGER")]),
        Tags=[{"Key": "project", "Value": "vpcflow"}],
    )["Arn"]
    qs.tag_resource(
        ResourceArn=arn, Tags=[{"Key": "env", "Value": "local"}, {"Key": "project", "Value": "vpcflow2"}]
    )
    assert qs.list_tags_for_resource(ResourceArn=arn)["Tags"] == [
        {"Key": "project", "Value": "vpcflow2"},
        {"Key": "env", "Value": "local"},
    ]
    qs.untag_resource(ResourceArn=arn, TagKeys=["project"])
    assert qs.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "env", "Value": "local"}]
    with pytest.raises(ClientError) as info:
        qs.list_tags_for_resource(ResourceArn=arn + "-gone")
    assert error_of(info) == ("ResourceNotFoundException", 404)
