"""QuickSight data source and SPICE dataset against localaws (moto lacks the dataset and permission calls)."""

from __future__ import annotations

import dataclasses

import pytest
from vpcflow.model.config import StackConfig
from vpcflow.provision.common import CallRecorder, Clients
from vpcflow.provision.quicksight import (
    DATA_SOURCE_ACTIONS,
    DATASET_ACTIONS,
    delete_data_source,
    delete_dataset,
    ensure_dashboard,
    ensure_data_source,
    ensure_dataset,
    quicksight_type,
)

from tests.vpcflow.provision_fixtures import SESSION

COLUMNS = [
    ("sourceaddress", "string"),
    ("bytes", "bigint"),
    ("start_time", "timestamp"),
    ("ingestdatetime", "string"),
]


@pytest.fixture
def qs_env(localaws, unique):
    recorder = CallRecorder()
    clients = Clients(SESSION, endpoint_url=localaws.endpoint, recorder=recorder)
    account = clients.account
    principal = f"arn:aws:quicksight:us-east-1:{account}:user/default/analyst-{unique}"
    config = StackConfig(
        stack_name=f"qs{unique}",
        bucket=f"qs-{unique}",
        workgroup=f"wg{unique}",
        quicksight_data_source_id=f"ds-{unique}",
        quicksight_dataset_id=f"set-{unique}",
        quicksight_principal=principal,
    )
    return clients, recorder, config, account


def test_data_source_and_dataset_created_then_unchanged(qs_env):
    clients, recorder, config, account = qs_env
    qs = clients("quicksight")
    source = ensure_data_source(qs, config, account)
    assert source.action == "created" and source.id.endswith(f"datasource/{config.quicksight_data_source_id}")
    dataset = ensure_dataset(qs, config, account, source.id, COLUMNS)
    assert dataset.action == "created"

    described = qs.describe_data_set(AwsAccountId=account, DataSetId=config.quicksight_dataset_id)["DataSet"]
    table = described["PhysicalTableMap"]["flows"]["CustomSql"]
    assert described["ImportMode"] == "SPICE"
    # A rolling window of the Parquet table, by partition value: every refresh reads a bounded window.
    assert table["SqlQuery"].startswith(
        f'SELECT {", ".join(n for n, _ in COLUMNS)} FROM "{config.database}"."{config.parquet_table}"'
    )
    assert f"date_add('day', -{config.spice_window_days}, current_timestamp)" in table["SqlQuery"]
    assert [c["Type"] for c in table["Columns"]] == ["STRING", "INTEGER", "DATETIME", "STRING"]
    source_params = qs.describe_data_source(
        AwsAccountId=account, DataSourceId=config.quicksight_data_source_id
    )
    assert (
        source_params["DataSource"]["DataSourceParameters"]["AthenaParameters"]["WorkGroup"]
        == config.spice_workgroup
    )
    perms = qs.describe_data_set_permissions(AwsAccountId=account, DataSetId=config.quicksight_dataset_id)
    assert perms["Permissions"] == [{"Principal": config.quicksight_principal, "Actions": DATASET_ACTIONS}]

    recorder.clear()
    assert ensure_data_source(qs, config, account).action == "unchanged"
    assert ensure_dataset(qs, config, account, source.id, COLUMNS).action == "unchanged"
    assert recorder.writes == []


def test_drift_is_repaired(qs_env):
    clients, recorder, config, account = qs_env
    qs = clients("quicksight")
    source = ensure_data_source(qs, dataclasses.replace(config, quicksight_principal=""), account)
    ensure_dataset(qs, config, account, source.id, COLUMNS)
    recorder.clear()

    # A principal added later gets its permissions; another workgroup updates the source.
    other = dataclasses.replace(config, workgroup="elsewhere")
    assert ensure_data_source(qs, other, account).action == "updated"
    assert sorted(op for _, op in recorder.writes) == ["UpdateDataSource", "UpdateDataSourcePermissions"]
    perms = qs.describe_data_source_permissions(
        AwsAccountId=account, DataSourceId=config.quicksight_data_source_id
    )["Permissions"]
    assert perms == [{"Principal": config.quicksight_principal, "Actions": DATA_SOURCE_ACTIONS}]

    recorder.clear()
    assert (
        ensure_dataset(qs, config, account, source.id, COLUMNS + [("action", "string")]).action == "updated"
    )
    assert [op for _, op in recorder.writes] == ["UpdateDataSet"]


def test_delete_is_idempotent(qs_env):
    clients, _, config, account = qs_env
    qs = clients("quicksight")
    source = ensure_data_source(qs, config, account)
    ensure_dataset(qs, config, account, source.id, COLUMNS)
    assert delete_dataset(qs, config, account).action == "deleted"
    assert delete_dataset(qs, config, account).action == "absent"
    assert delete_data_source(qs, config, account).action == "deleted"
    assert delete_data_source(qs, config, account).action == "absent"


def test_dashboard_hook_placeholder_and_custom(qs_env):
    clients, _, config, account = qs_env
    qs = clients("quicksight")
    assert ensure_dashboard(qs, config, account, "arn:dataset").action == "skipped"
    seen = []
    ensure_dashboard(
        qs, config, account, "arn:dataset", hook=lambda *args: seen.append(args) or ("created", "d")
    )
    assert seen == [(qs, config, account, "arn:dataset")]


def test_quicksight_types():
    assert quicksight_type("decimal(10,2)") == "DECIMAL"
    with pytest.raises(ValueError, match="array<string>"):
        quicksight_type("array<string>")


def test_findings_dataset_is_direct_query_over_the_findings_table_created_then_unchanged_then_deleted(qs_env):
    from vpcflow.provision.dashboard import (
        FINDINGS_COLUMNS,
        delete_findings_dataset,
        ensure_findings_dataset,
        findings_data_set_id,
    )

    clients, recorder, config, account = qs_env
    qs = clients("quicksight")
    source = ensure_data_source(qs, config, account)
    created = ensure_findings_dataset(qs, config, account, source.id)
    assert created.action == "created"
    data_set = qs.describe_data_set(
        AwsAccountId=account, DataSetId=f"{config.quicksight_dataset_id}-findings"
    )
    described = data_set["DataSet"]
    assert described["DataSetId"] == findings_data_set_id(config) and described["Arn"] == created.id
    assert described["ImportMode"] == "DIRECT_QUERY"
    (table,) = described["PhysicalTableMap"].values()
    sql = table["CustomSql"]
    assert sql["DataSourceArn"] == source.id and f'"{config.database}"."vpc_flow_findings"' in sql["SqlQuery"]
    assert [(c["Name"], c["Type"]) for c in sql["Columns"]] == FINDINGS_COLUMNS
    (grant,) = qs.describe_data_set_permissions(AwsAccountId=account, DataSetId=findings_data_set_id(config))[
        "Permissions"
    ]
    assert grant == {"Principal": config.quicksight_principal, "Actions": DATASET_ACTIONS}

    recorder.clear()
    assert ensure_findings_dataset(qs, config, account, source.id).action == "unchanged"
    assert recorder.writes == []
    assert delete_findings_dataset(qs, config, account).action == "deleted"
    assert delete_findings_dataset(qs, config, account).action == "absent"
    delete_data_source(qs, config, account)
