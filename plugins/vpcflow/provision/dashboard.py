"""The dashboard hook of provisioning: the quality dataset, then the dashboard from the repo's definition.

``ensure_vpcflow_dashboard(qs, config, account, flows_data_set_arn)`` has the signature of
``vpcflow.provision.quicksight.DashboardHook``. Like every ensure_* it creates what is missing, updates what
differs (UpdateDashboard, then UpdateDashboardPublishedVersion: an update alone publishes nothing) and
otherwise writes nothing. Definitions are compared only in what vpcflow sets, since AWS adds defaults.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from vpcflow.dashboard.definition import build_definition
from vpcflow.model.config import StackConfig
from vpcflow.provision.common import Result, is_missing
from vpcflow.provision.quicksight import DATASET_ACTIONS

DASHBOARD_ACTIONS = sorted(
    [
        "quicksight:DeleteDashboard",
        "quicksight:DescribeDashboard",
        "quicksight:DescribeDashboardPermissions",
        "quicksight:ListDashboardVersions",
        "quicksight:QueryDashboard",
        "quicksight:UpdateDashboard",
        "quicksight:UpdateDashboardPermissions",
        "quicksight:UpdateDashboardPublishedVersion",
    ]
)
QUALITY_TABLE_ID = "quality"
# The quality table's columns as QuickSight input types (sql/hourly/create_quality_table.sql).
QUALITY_COLUMNS = [
    ("ingestdatetime", "STRING"),
    ("check_name", "STRING"),
    ("value", "INTEGER"),
    ("ratio", "DECIMAL"),
]


def quality_data_set_id(config: StackConfig) -> str:
    return f"{config.quicksight_dataset_id}-quality"


def quality_sql(config: StackConfig) -> str:
    columns = ", ".join(name for name, _ in QUALITY_COLUMNS)
    return f'SELECT {columns} FROM "{config.database}"."{config.raw_table}_quality"'


def _quality_tables(config: StackConfig, data_source_arn: str) -> dict[str, Any]:
    return {
        QUALITY_TABLE_ID: {
            "CustomSql": {
                "DataSourceArn": data_source_arn,
                "Name": f"{config.raw_table}_quality",
                "SqlQuery": quality_sql(config),
                "Columns": [{"Name": name, "Type": kind} for name, kind in QUALITY_COLUMNS],
            }
        }
    }


def _permissions(config: StackConfig, actions: list[str]) -> dict[str, Any]:
    principal = config.quicksight_principal
    return {"Permissions": [{"Principal": principal, "Actions": actions}]} if principal else {}


def _grant(
    describe: Callable[[], list[dict[str, Any]]],
    update: Callable[..., Any],
    config: StackConfig,
    actions: list[str],
) -> bool:
    """Grant the configured principal ``actions`` when it lacks any; other principals are left alone."""
    principal = config.quicksight_principal
    if not principal:
        return False
    have = next((p for p in describe() if p["Principal"] == principal), None)
    if have is not None and set(actions) <= set(have["Actions"]):
        return False
    update(GrantPermissions=[{"Principal": principal, "Actions": actions}])
    return True


def contains(have: Any, want: Any) -> bool:
    """``have`` holds everything ``want`` sets (dicts by key, lists item by item; extra keys in ``have``
    are AWS's defaults). Numbers compare by value: AWS answers 25 where 25.0 was sent and the reverse."""
    if isinstance(want, dict):
        return isinstance(have, dict) and all(k in have and contains(have[k], v) for k, v in want.items())
    if isinstance(want, list):
        return isinstance(have, list) and len(have) == len(want) and all(map(contains, have, want))
    if isinstance(want, int | float) and not isinstance(want, bool):
        return isinstance(have, int | float) and not isinstance(have, bool) and have == want
    return have == want


def ensure_quality_dataset(qs: Any, config: StackConfig, account: str, data_source_arn: str) -> Result:
    ids = {"AwsAccountId": account, "DataSetId": quality_data_set_id(config)}
    name = f"{config.stack_name} quality"
    tables = _quality_tables(config, data_source_arn)
    try:
        current = qs.describe_data_set(**ids)["DataSet"]
    except ClientError as exc:
        if not is_missing(exc):
            raise
        answer = qs.create_data_set(
            **ids,
            Name=name,
            PhysicalTableMap=tables,
            ImportMode="DIRECT_QUERY",
            **_permissions(config, DATASET_ACTIONS),
        )
        return Result("created", answer["Arn"])
    updated = False
    if (
        current.get("Name") != name
        or current.get("ImportMode") != "DIRECT_QUERY"
        or not contains(current.get("PhysicalTableMap") or {}, tables)
    ):
        qs.update_data_set(**ids, Name=name, PhysicalTableMap=tables, ImportMode="DIRECT_QUERY")
        updated = True
    updated |= _grant(
        lambda: qs.describe_data_set_permissions(**ids)["Permissions"],
        lambda **kw: qs.update_data_set_permissions(**ids, **kw),
        config,
        DATASET_ACTIONS,
    )
    return Result("updated" if updated else "unchanged", current["Arn"])


def _wait_version(qs: Any, ids: dict[str, str], version: int) -> None:
    # Creation is asynchronous on AWS: only a successful version can be published.
    for _ in range(120):
        status = qs.describe_dashboard(**ids, VersionNumber=version)["Dashboard"]["Version"]
        if status["Status"].endswith("SUCCESSFUL"):
            return
        if status["Status"].endswith("FAILED"):
            raise RuntimeError(
                f"QuickSight dashboard {ids['DashboardId']} version {version} ended in "
                f"{status['Status']}: {status.get('Errors')}"
            )
        time.sleep(1)
    raise TimeoutError(
        f"QuickSight dashboard {ids['DashboardId']} version {version} still being created after 120 s"
    )


def _version_number(version_arn: str) -> int:
    return int(version_arn.rsplit("/", 1)[1])


def ensure_dashboard_definition(
    qs: Any, config: StackConfig, account: str, definition: dict[str, Any]
) -> Result:
    ids = {"AwsAccountId": account, "DashboardId": config.quicksight_dashboard_id}
    name = f"{config.stack_name} VPC Flow Logs"
    try:
        current = qs.describe_dashboard_definition(**ids)
    except ClientError as exc:
        if not is_missing(exc):
            raise
        answer = qs.create_dashboard(
            **ids, Name=name, Definition=definition, **_permissions(config, DASHBOARD_ACTIONS)
        )
        _wait_version(qs, ids, _version_number(answer["VersionArn"]))
        return Result("created", answer["Arn"])
    arn = qs.describe_dashboard(**ids)["Dashboard"]["Arn"]
    updated = False
    if current.get("Name") != name or not contains(current.get("Definition") or {}, definition):
        answer = qs.update_dashboard(**ids, Name=name, Definition=definition)
        version = _version_number(answer["VersionArn"])
        _wait_version(qs, ids, version)
        qs.update_dashboard_published_version(**ids, VersionNumber=version)
        updated = True
    updated |= _grant(
        lambda: qs.describe_dashboard_permissions(**ids)["Permissions"],
        lambda **kw: qs.update_dashboard_permissions(**ids, **kw),
        config,
        DASHBOARD_ACTIONS,
    )
    return Result("updated" if updated else "unchanged", arn)


def ensure_vpcflow_dashboard(qs: Any, config: StackConfig, account: str, dataset_arn: str) -> Result:
    """The DashboardHook provisioning uses by default: quality dataset, then the dashboard over both."""
    source_arn = qs.describe_data_source(AwsAccountId=account, DataSourceId=config.quicksight_data_source_id)[
        "DataSource"
    ]["Arn"]
    quality = ensure_quality_dataset(qs, config, account, source_arn)
    result = ensure_dashboard_definition(qs, config, account, build_definition(dataset_arn, quality.id or ""))
    if result.action == "unchanged" and quality.action != "unchanged":
        return Result("updated", result.id)
    return result


def delete_quality_dataset(qs: Any, config: StackConfig, account: str) -> Result:
    """For teardown (after the dashboard): the quality dataset the hook created."""
    try:
        qs.delete_data_set(AwsAccountId=account, DataSetId=quality_data_set_id(config))
    except ClientError as exc:
        if is_missing(exc):
            return Result("absent", quality_data_set_id(config))
        raise
    return Result("deleted", quality_data_set_id(config))
