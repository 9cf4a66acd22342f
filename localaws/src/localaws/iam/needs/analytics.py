"""Athena, the Glue Data Catalog and QuickSight.

Athena evaluates a query's actions on its workgroup. Glue needs the catalog, the database and the table for
an action on a table, and a database's tables and functions too to delete it
(https://docs.aws.amazon.com/glue/latest/dg/glue-specifying-resource-arns.html). QuickSight names resources
by the ids in the path; a dataset's ingestion is ``dataset/ID/ingestion/ID``; a call that hands over a data
source or a dataset needs quicksight:PassDataSource or quicksight:PassDataSet on it.
"""

from __future__ import annotations

from collections.abc import Callable

from localaws.iam.calls import Call
from localaws.iam.needs.base import Arns, Need, Params, Resolver, Rule, on, ops, plus, unscoped, values


def _workgroup(p: Params, a: Arns, r: Resolver) -> list[str]:
    return [a("athena", f"workgroup/{p.get('WorkGroup') or 'primary'}")]


def _execution(p: Params, a: Arns, r: Resolver) -> list[str]:
    ids = p.get("QueryExecutionIds") or [p["QueryExecutionId"]]
    # An id localaws never issued names no workgroup: the service answers that it does not exist.
    return [a("athena", f"workgroup/{wg}") for wg in map(r.execution_workgroup, ids) if wg is not None]


def _named_query(p: Params, a: Arns, r: Resolver) -> list[str]:
    ids = p.get("NamedQueryIds") or [p["NamedQueryId"]]
    return [a("athena", f"workgroup/{wg}") for wg in map(r.named_query_workgroup, ids) if wg is not None]


def _data_catalog(p: Params, a: Arns, r: Resolver) -> list[str]:
    return [a("athena", f"datacatalog/{p.get('CatalogName') or p.get('Name')}")]


ATHENA: dict[str, Rule] = {
    **{
        op: on("athena", _workgroup)
        for op in ops("""
            StartQueryExecution ListQueryExecutions GetWorkGroup UpdateWorkGroup DeleteWorkGroup
            CreateNamedQuery ListNamedQueries
        """)
    },
    **{
        op: on("athena", _execution)
        for op in ops("""
            GetQueryExecution GetQueryResults StopQueryExecution GetQueryRuntimeStatistics
            BatchGetQueryExecution
        """)
    },
    **{
        op: on("athena", _named_query)
        for op in ops("GetNamedQuery UpdateNamedQuery DeleteNamedQuery BatchGetNamedQuery")
    },
    **{
        op: on("athena", _data_catalog)
        for op in ops("GetDataCatalog ListDatabases GetDatabase ListTableMetadata GetTableMetadata")
    },
    "CreateWorkGroup": on("athena", lambda p, a, r: [a("athena", f"workgroup/{p['Name']}")]),
    "ListWorkGroups": unscoped("athena"),
}


def _catalog(p: Params, a: Arns) -> str:
    return a("glue", "catalog", account=p.get("CatalogId"))


def _database_name(p: Params) -> str:
    return p.get("DatabaseName") or p.get("Name") or (p.get("DatabaseInput") or {}).get("Name", "")


def _database(p: Params, a: Arns, r: Resolver) -> list[str]:
    return [_catalog(p, a), a("glue", f"database/{_database_name(p)}", account=p.get("CatalogId"))]


def _table(p: Params, a: Arns, r: Resolver) -> list[str]:
    table = p.get("TableName") or (p.get("TableInput") or {}).get("Name") or p.get("Name", "")
    return [*_database(p, a, r), a("glue", f"table/{p['DatabaseName']}/{table}", account=p.get("CatalogId"))]


def _every(*kinds: str) -> Callable[[Params, Arns, Resolver], list[str]]:
    """The database and every one of its tables (or functions): ``table/DB/*``."""

    def resources(p: Params, a: Arns, r: Resolver) -> list[str]:
        db = _database_name(p)
        return [*_database(p, a, r), *(a("glue", f"{k}/{db}/*", account=p.get("CatalogId")) for k in kinds)]

    return resources


GLUE: dict[str, Rule] = {
    **{op: on("glue", _database) for op in ops("GetDatabase CreateDatabase UpdateDatabase")},
    **{
        op: on("glue", _table)
        for op in ops("""
            GetTable CreateTable UpdateTable DeleteTable GetTableVersions GetPartition GetPartitions
            CreatePartition BatchCreatePartition UpdatePartition BatchUpdatePartition DeletePartition
            BatchDeletePartition BatchGetPartition
        """)
    },
    "GetTables": on("glue", _every("table")),
    "DeleteDatabase": on("glue", _every("table", "userDefinedFunction")),
    "GetDatabases": on("glue", lambda p, a, r: [_catalog(p, a), a("glue", "database/*")]),
    "BatchDeleteTable": on(
        "glue",
        lambda p, a, r: [
            *_database(p, a, r),
            *(a("glue", f"table/{p['DatabaseName']}/{t}") for t in p.get("TablesToDelete", [])),
        ],
        "DeleteTable",
    ),
}


def _qs(kind: str, key: str) -> Rule:
    return on(
        "quicksight", lambda p, a, r: [a("quicksight", f"{kind}/{p[key]}", account=p.get("AwsAccountId"))]
    )


def _passes(action: str, key: str) -> Rule:
    def rule(call: Call, arns: Arns, resolver: Resolver) -> list[Need]:
        return [Need(action, arn) for arn in dict.fromkeys(values(call.params, key))]

    return rule


_DATA_SOURCE = _qs("datasource", "DataSourceId")
_DATA_SET = _qs("dataset", "DataSetId")
_DASHBOARD = _qs("dashboard", "DashboardId")
_INGESTION = on(
    "quicksight",
    lambda p, a, r: [
        a(
            "quicksight",
            f"dataset/{p['DataSetId']}/ingestion/{p['IngestionId']}",
            account=p.get("AwsAccountId"),
        )
    ],
)

QUICKSIGHT: dict[str, Rule] = {
    **{
        op: _DATA_SOURCE
        for op in ops("""
            DescribeDataSource CreateDataSource UpdateDataSource DeleteDataSource
            DescribeDataSourcePermissions UpdateDataSourcePermissions
        """)
    },
    **{
        op: _DATA_SET
        for op in ops(
            "DescribeDataSet DeleteDataSet DescribeDataSetPermissions UpdateDataSetPermissions ListIngestions"
        )
    },
    **{
        op: plus(_DATA_SET, _passes("quicksight:PassDataSource", "DataSourceArn"))
        for op in ops("CreateDataSet UpdateDataSet")
    },
    **{
        op: _DASHBOARD
        for op in ops("""
            DescribeDashboard DeleteDashboard DescribeDashboardDefinition DescribeDashboardPermissions
            UpdateDashboardPermissions UpdateDashboardPublishedVersion
        """)
    },
    **{
        op: plus(_DASHBOARD, _passes("quicksight:PassDataSet", "DataSetArn"))
        for op in ops("CreateDashboard UpdateDashboard")
    },
    **{op: _INGESTION for op in ops("CreateIngestion DescribeIngestion CancelIngestion")},
}
