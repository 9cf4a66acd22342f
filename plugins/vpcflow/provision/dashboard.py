"""The dashboard hook of provisioning: the quality and findings datasets, then the dashboard from the repo's
definition.

``ensure_vpcflow_dashboard(qs, config, account, flows_data_set_arn)`` has the signature of
``vpcflow.provision.quicksight.DashboardHook``. Like every ensure_* it creates what is missing, updates what
differs (UpdateDashboard, then UpdateDashboardPublishedVersion: an update alone publishes nothing) and
otherwise writes nothing. Definitions are compared only in what vpcflow sets, since AWS adds defaults.
"""

from __future__ import annotations

import time
from typing import Any

from vpcflow.dashboard.definition import build_definition
from vpcflow.detections.detectors import SEVERITIES
from vpcflow.detections.tables import FINDINGS_TABLE
from vpcflow.model.config import StackConfig
from vpcflow.model.formats import parquet_extra_fields
from vpcflow.provision import quicksight
from vpcflow.provision.common import Result, delete_if_present, get_or_none
from vpcflow.provision.quicksight import ensure_data_set

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
# The quality dataset's columns as QuickSight input types: the quality table's (vpcflow.hourly.tables), with
# `passed` as 0/1 (QuickSight has no boolean to aggregate) and each hour's state beside every row of it.
QUALITY_COLUMNS = [
    ("ingestdatetime", "STRING"),
    ("check_name", "STRING"),
    ("value", "INTEGER"),
    ("ratio", "DECIMAL"),
    ("severity", "STRING"),
    ("passed", "INTEGER"),
    ("hour_state", "INTEGER"),
]


FINDINGS_TABLE_ID = "findings"
# The findings dataset's columns: each finding's latest row of vpc_flow_findings (vpcflow.detections.tables),
# with its entity in a few words and its severity as a number to sort by.
FINDINGS_COLUMNS = [
    ("finding_id", "STRING"),
    ("detector", "STRING"),
    ("title", "STRING"),
    ("severity", "STRING"),
    ("severity_rank", "INTEGER"),
    ("status", "STRING"),
    ("technique", "STRING"),
    ("interfaceid", "STRING"),
    ("source", "STRING"),
    ("destination", "STRING"),
    ("port", "INTEGER"),
    ("entity", "STRING"),
    ("instance_id", "STRING"),
    ("vpc_id", "STRING"),
    ("subnet_id", "STRING"),
    ("asset", "STRING"),
    ("peer_country", "STRING"),
    ("peer_as_org", "STRING"),
    ("peer_aws_service", "STRING"),
    ("peer_origin", "STRING"),
    ("first_seen", "DATETIME"),
    ("last_seen", "DATETIME"),
    ("hours_active", "INTEGER"),
    ("flows", "INTEGER"),
    ("packets", "INTEGER"),
    ("bytes", "INTEGER"),
    ("max_score", "DECIMAL"),
    ("threshold", "DECIMAL"),
    ("detail", "STRING"),
    ("ingestdatetime", "STRING"),
]


def quality_data_set_id(config: StackConfig) -> str:
    return f"{config.quicksight_dataset_id}-quality"


def findings_data_set_id(config: StackConfig) -> str:
    return f"{config.quicksight_dataset_id}-findings"


def quality_sql(config: StackConfig) -> str:
    """hour_state is 2 when a block check of the hour failed, 1 when only a warn check did, else 0: the
    hour's verdict, computed where the rows are so the dashboard marks each hour without a level-aware
    calculation. Rows written before `passed` existed count as passed."""
    passed = "coalesce(passed, true)"
    return (
        "SELECT ingestdatetime, check_name, value, ratio, severity, "
        f"CASE WHEN {passed} THEN 1 ELSE 0 END AS passed, "
        f"max(CASE WHEN {passed} THEN 0 WHEN severity = 'block' THEN 2 ELSE 1 END) "
        "OVER (PARTITION BY ingestdatetime) AS hour_state "
        f'FROM "{config.database}"."{config.raw_table}_quality"'
    )


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


def findings_sql(config: StackConfig) -> str:
    """The latest row of each finding (its current state: counts are cumulative) among the hours of the
    dashboard's window (``spice_window_days``, by partition value, so Athena reads only those hours)."""
    names = ", ".join(name for name, _ in FINDINGS_COLUMNS)
    rank = " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(SEVERITIES))
    port = "':' || CAST(port AS varchar)"
    entity = (
        "coalesce(source || coalesce(' -> ' || destination, ''), destination, interfaceid, '') "
        f"|| coalesce(CASE WHEN destination IS NULL THEN ' port ' || CAST(port AS varchar) ELSE {port} END, '') "
        "|| coalesce(' (' || subtype || ')', '')"
    )
    # Who is behind the finding (vpcflow.detections.listing.asset and peer_origin say the same), '' unknown.
    asset = "coalesce(instance_id || coalesce(' / ' || vpc_id, ''), vpc_id, '')"
    origin = "coalesce('AWS ' || peer_aws_service, peer_country || coalesce(', ' || peer_as_org, ''), peer_as_org, '')"
    return (
        f"SELECT {names} FROM (SELECT f.*, {entity} AS entity, {asset} AS asset, {origin} AS peer_origin, "
        f"CASE severity {rank} ELSE 0 END AS severity_rank, "
        "row_number() OVER (PARTITION BY finding_id ORDER BY ingestdatetime DESC) AS latest "
        f'FROM "{config.database}"."{FINDINGS_TABLE}" f WHERE ingestdatetime >= '
        f"date_format(date_add('day', -{config.spice_window_days}, current_timestamp), '%Y-%m-%d-%H')) "
        "WHERE latest = 1"
    )


def ensure_findings_dataset(qs: Any, config: StackConfig, account: str, data_source_arn: str) -> Result:
    """The detections' findings as a DIRECT_QUERY dataset: a few rows per hour, read live like quality."""
    tables = {
        FINDINGS_TABLE_ID: {
            "CustomSql": {
                "DataSourceArn": data_source_arn,
                "Name": "vpc_flow_findings",
                "SqlQuery": findings_sql(config),
                "Columns": [{"Name": name, "Type": kind} for name, kind in FINDINGS_COLUMNS],
            }
        }
    }
    return ensure_data_set(
        qs,
        config,
        account,
        findings_data_set_id(config),
        f"{config.stack_name} findings",
        tables,
        "DIRECT_QUERY",
    )


def ensure_quality_dataset(qs: Any, config: StackConfig, account: str, data_source_arn: str) -> Result:
    """The quality table as a DIRECT_QUERY dataset: small, and always as fresh as the last hour."""
    tables = _quality_tables(config, data_source_arn)
    return ensure_data_set(
        qs,
        config,
        account,
        quality_data_set_id(config),
        f"{config.stack_name} quality",
        tables,
        "DIRECT_QUERY",
    )


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
    current = get_or_none(lambda: qs.describe_dashboard_definition(**ids))
    if current is None:
        perms = quicksight.permissions(config.quicksight_principal, DASHBOARD_ACTIONS)
        answer = qs.create_dashboard(
            **ids, Name=name, Definition=definition, **({"Permissions": perms} if perms else {})
        )
        _wait_version(qs, ids, _version_number(answer["VersionArn"]))
        return Result("created", answer["Arn"])
    arn = qs.describe_dashboard(**ids)["Dashboard"]["Arn"]
    updated = False
    if current.get("Name") != name or not quicksight.contains(current.get("Definition") or {}, definition):
        answer = qs.update_dashboard(**ids, Name=name, Definition=definition)
        version = _version_number(answer["VersionArn"])
        _wait_version(qs, ids, version)
        qs.update_dashboard_published_version(**ids, VersionNumber=version)
        updated = True
    updated |= quicksight.grant_missing(
        lambda: qs.describe_dashboard_permissions(**ids)["Permissions"],
        lambda **kw: qs.update_dashboard_permissions(**ids, **kw),
        config.quicksight_principal,
        DASHBOARD_ACTIONS,
    )
    return Result("updated" if updated else "unchanged", arn)


def ensure_vpcflow_dashboard(qs: Any, config: StackConfig, account: str, dataset_arn: str) -> Result:
    """The DashboardHook provisioning uses by default: the quality and findings datasets, then the
    dashboard over the three."""
    source_arn = qs.describe_data_source(AwsAccountId=account, DataSourceId=config.quicksight_data_source_id)[
        "DataSource"
    ]["Arn"]
    quality = ensure_quality_dataset(qs, config, account, source_arn)
    findings = ensure_findings_dataset(qs, config, account, source_arn)
    extras = {f.column.lower() for f in parquet_extra_fields(config.flow_log_format)}
    definition = build_definition(dataset_arn, quality.id or "", findings.id or "", extras)
    result = ensure_dashboard_definition(qs, config, account, definition)
    if result.action == "unchanged" and {quality.action, findings.action} != {"unchanged"}:
        return Result("updated", result.id)
    return result


def delete_quality_dataset(qs: Any, config: StackConfig, account: str) -> Result:
    """For teardown (after the dashboard): the quality dataset the hook created."""
    data_set_id = quality_data_set_id(config)
    return delete_if_present(
        lambda: qs.delete_data_set(AwsAccountId=account, DataSetId=data_set_id), data_set_id
    )


def delete_findings_dataset(qs: Any, config: StackConfig, account: str) -> Result:
    """For teardown (after the dashboard): the findings dataset the hook created."""
    data_set_id = findings_data_set_id(config)
    return delete_if_present(
        lambda: qs.delete_data_set(AwsAccountId=account, DataSetId=data_set_id), data_set_id
    )
