"""QuickSight: the Athena data source, the SPICE dataset over the Parquet table, and a dashboard hook."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from vpcflow.model.config import StackConfig
from vpcflow.provision.common import Result, delete_if_present, get_or_none

DATA_SOURCE_ACTIONS = sorted(
    [
        "quicksight:DeleteDataSource",
        "quicksight:DescribeDataSource",
        "quicksight:DescribeDataSourcePermissions",
        "quicksight:PassDataSource",
        "quicksight:UpdateDataSource",
        "quicksight:UpdateDataSourcePermissions",
    ]
)
DATASET_ACTIONS = sorted(
    [
        "quicksight:CancelIngestion",
        "quicksight:CreateIngestion",
        "quicksight:DeleteDataSet",
        "quicksight:DescribeDataSet",
        "quicksight:DescribeDataSetPermissions",
        "quicksight:DescribeIngestion",
        "quicksight:ListIngestions",
        "quicksight:PassDataSet",
        "quicksight:UpdateDataSet",
        "quicksight:UpdateDataSetPermissions",
    ]
)
PHYSICAL_TABLE_ID = "flows"

# Hive/Glue type -> QuickSight InputColumn type.
_QS_TYPES = {
    "string": "STRING",
    "varchar": "STRING",
    "char": "STRING",
    "tinyint": "INTEGER",
    "smallint": "INTEGER",
    "int": "INTEGER",
    "integer": "INTEGER",
    "bigint": "INTEGER",
    "float": "DECIMAL",
    "double": "DECIMAL",
    "decimal": "DECIMAL",
    "timestamp": "DATETIME",
    "date": "DATETIME",
    "boolean": "BOOLEAN",
}

DashboardHook = Callable[[Any, StackConfig, str, str], Result]


def quicksight_type(hive_type: str) -> str:
    base = hive_type.lower().split("(")[0].strip()
    if base not in _QS_TYPES:
        raise ValueError(f"column type {hive_type!r} has no QuickSight equivalent")
    return _QS_TYPES[base]


def permissions(principal: str, actions: list[str]) -> list[dict[str, Any]]:
    return [{"Principal": principal, "Actions": actions}] if principal else []


def _wait_created(describe: Callable[[], dict[str, Any]], what: str) -> None:
    # Creation is asynchronous on AWS; a failed creation leaves an object that must be fixed by hand.
    for _ in range(120):
        status = describe().get("Status", "CREATION_SUCCESSFUL")
        if status.endswith("SUCCESSFUL"):
            return
        if status.endswith("FAILED"):
            raise RuntimeError(f"QuickSight {what} ended in {status}: {describe().get('ErrorInfo')}")
        time.sleep(1)
    raise TimeoutError(f"QuickSight {what} still being created after 120 s")


def grant_missing(
    describe: Callable[[], list[dict[str, Any]]],
    update: Callable[..., Any],
    principal: str,
    actions: list[str],
) -> bool:
    """Grant ``actions`` to ``principal`` when it lacks any; permissions of other principals are kept."""
    if not principal:
        return False
    have = next((p for p in describe() if p["Principal"] == principal), None)
    if have is not None and set(actions) <= set(have["Actions"]):
        return False
    update(GrantPermissions=permissions(principal, actions))
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


def ensure_data_source(qs: Any, config: StackConfig, account: str) -> Result:
    params = {"AthenaParameters": {"WorkGroup": config.spice_workgroup}}
    name = f"{config.stack_name} Athena"
    ids = {"AwsAccountId": account, "DataSourceId": config.quicksight_data_source_id}

    def describe() -> dict[str, Any]:
        return qs.describe_data_source(**ids)["DataSource"]

    current = get_or_none(describe)
    if current is None:
        kwargs = {"Permissions": permissions(config.quicksight_principal, DATA_SOURCE_ACTIONS)}
        answer = qs.create_data_source(
            **ids,
            Name=name,
            Type="ATHENA",
            DataSourceParameters=params,
            **{k: v for k, v in kwargs.items() if v},
        )
        _wait_created(describe, f"data source {config.quicksight_data_source_id}")
        return Result("created", answer["Arn"])
    updated = False
    # Compare only what vpcflow sets: AWS may add fields (e.g. RoleArn) to the parameters it reports.
    have_workgroup = (current.get("DataSourceParameters") or {}).get("AthenaParameters", {}).get("WorkGroup")
    if current.get("Name") != name or have_workgroup != config.spice_workgroup:
        qs.update_data_source(**ids, Name=name, DataSourceParameters=params)
        updated = True
    updated |= grant_missing(
        lambda: qs.describe_data_source_permissions(**ids)["Permissions"],
        lambda **kw: qs.update_data_source_permissions(**ids, **kw),
        config.quicksight_principal,
        DATA_SOURCE_ACTIONS,
    )
    return Result("updated" if updated else "unchanged", current["Arn"])


def window_sql(config: StackConfig, columns: list[tuple[str, str]]) -> str:
    """The SPICE dataset's query: the Parquet table's last ``spice_window_days`` days of ingest hours, by
    partition value, so every refresh reads a bounded window however long the history grows."""
    names = ", ".join(name for name, _ in columns)
    return (
        f'SELECT {names} FROM "{config.database}"."{config.parquet_table}" WHERE ingestdatetime >= '
        f"date_format(date_add('day', -{config.spice_window_days}, current_timestamp), '%Y-%m-%d-%H')"
    )


def dataset_physical_table(
    config: StackConfig, data_source_arn: str, columns: list[tuple[str, str]]
) -> dict[str, Any]:
    return {
        PHYSICAL_TABLE_ID: {
            "CustomSql": {
                "DataSourceArn": data_source_arn,
                "Name": config.parquet_table,
                "SqlQuery": window_sql(config, columns),
                "Columns": [{"Name": name, "Type": quicksight_type(kind)} for name, kind in columns],
            }
        }
    }


def table_columns(glue: Any, database: str, table: str) -> list[tuple[str, str]]:
    """Data columns then partition keys, as QuickSight sees them through Athena."""
    found = glue.get_table(DatabaseName=database, Name=table)["Table"]
    return [
        (c["Name"], c["Type"]) for c in found["StorageDescriptor"]["Columns"] + found.get("PartitionKeys", [])
    ]


def ensure_data_set(
    qs: Any,
    config: StackConfig,
    account: str,
    data_set_id: str,
    name: str,
    tables: dict[str, Any],
    import_mode: str,
) -> Result:
    """A dataset with exactly these physical tables and import mode (SPICE or DIRECT_QUERY), compared only
    in what vpcflow sets; the stack's principal is granted the dataset actions."""
    ids = {"AwsAccountId": account, "DataSetId": data_set_id}
    current = get_or_none(lambda: qs.describe_data_set(**ids)["DataSet"])
    if current is None:
        perms = permissions(config.quicksight_principal, DATASET_ACTIONS)
        answer = qs.create_data_set(
            **ids,
            Name=name,
            PhysicalTableMap=tables,
            ImportMode=import_mode,
            **({"Permissions": perms} if perms else {}),
        )
        return Result("created", answer["Arn"])
    have_tables = current.get("PhysicalTableMap") or {}
    updated = False
    if (
        current.get("Name") != name
        or current.get("ImportMode") != import_mode
        or set(have_tables) != set(tables)
        or not contains(have_tables, tables)
    ):
        qs.update_data_set(**ids, Name=name, PhysicalTableMap=tables, ImportMode=import_mode)
        updated = True
    updated |= grant_missing(
        lambda: qs.describe_data_set_permissions(**ids)["Permissions"],
        lambda **kw: qs.update_data_set_permissions(**ids, **kw),
        config.quicksight_principal,
        DATASET_ACTIONS,
    )
    return Result("updated" if updated else "unchanged", current["Arn"])


def ensure_dataset(
    qs: Any, config: StackConfig, account: str, data_source_arn: str, columns: list[tuple[str, str]]
) -> Result:
    """The SPICE dataset over the Parquet table (``columns`` from ``table_columns``)."""
    tables = dataset_physical_table(config, data_source_arn, columns)
    return ensure_data_set(
        qs, config, account, config.quicksight_dataset_id, f"{config.stack_name} flows", tables, "SPICE"
    )


def no_dashboard(qs: Any, config: StackConfig, account: str, dataset_arn: str) -> Result:
    """The placeholder dashboard hook: the dashboard definition comes with the dashboard issue."""
    return Result("skipped", None)


def ensure_dashboard(
    qs: Any, config: StackConfig, account: str, dataset_arn: str, hook: DashboardHook | None = None
) -> Result:
    """Delegate to ``hook(qs, config, account, dataset_arn)``; without one, nothing is created."""
    return (hook or no_dashboard)(qs, config, account, dataset_arn)


def delete_dashboard(qs: Any, config: StackConfig, account: str) -> Result:
    return delete_if_present(
        lambda: qs.delete_dashboard(AwsAccountId=account, DashboardId=config.quicksight_dashboard_id),
        config.quicksight_dashboard_id,
    )


def delete_dataset(qs: Any, config: StackConfig, account: str) -> Result:
    return delete_if_present(
        lambda: qs.delete_data_set(AwsAccountId=account, DataSetId=config.quicksight_dataset_id),
        config.quicksight_dataset_id,
    )


def delete_data_source(qs: Any, config: StackConfig, account: str) -> Result:
    return delete_if_present(
        lambda: qs.delete_data_source(AwsAccountId=account, DataSourceId=config.quicksight_data_source_id),
        config.quicksight_data_source_id,
    )
