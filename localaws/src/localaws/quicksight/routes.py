"""Which QuickSight operation a REST-JSON request is: method plus URI template, as in botocore's model."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from localaws.quicksight.store import RESOURCE_KINDS

_ID = r"(?P<{}>[^/]+)"

# (method, URI template, operation). Templates copied from the 2018-04-01 service model.
_TEMPLATES = (
    ("POST", "/accounts/{AwsAccountId}/data-sources", "CreateDataSource"),
    ("GET", "/accounts/{AwsAccountId}/data-sources", "ListDataSources"),
    ("GET", "/accounts/{AwsAccountId}/data-sources/{DataSourceId}", "DescribeDataSource"),
    ("PUT", "/accounts/{AwsAccountId}/data-sources/{DataSourceId}", "UpdateDataSource"),
    ("DELETE", "/accounts/{AwsAccountId}/data-sources/{DataSourceId}", "DeleteDataSource"),
    (
        "GET",
        "/accounts/{AwsAccountId}/data-sources/{DataSourceId}/permissions",
        "DescribeDataSourcePermissions",
    ),
    (
        "POST",
        "/accounts/{AwsAccountId}/data-sources/{DataSourceId}/permissions",
        "UpdateDataSourcePermissions",
    ),
    ("POST", "/accounts/{AwsAccountId}/data-sets", "CreateDataSet"),
    ("GET", "/accounts/{AwsAccountId}/data-sets", "ListDataSets"),
    ("GET", "/accounts/{AwsAccountId}/data-sets/{DataSetId}", "DescribeDataSet"),
    ("PUT", "/accounts/{AwsAccountId}/data-sets/{DataSetId}", "UpdateDataSet"),
    ("DELETE", "/accounts/{AwsAccountId}/data-sets/{DataSetId}", "DeleteDataSet"),
    ("GET", "/accounts/{AwsAccountId}/data-sets/{DataSetId}/permissions", "DescribeDataSetPermissions"),
    ("POST", "/accounts/{AwsAccountId}/data-sets/{DataSetId}/permissions", "UpdateDataSetPermissions"),
    (
        "PUT",
        "/accounts/{AwsAccountId}/data-sets/{DataSetId}/refresh-properties",
        "PutDataSetRefreshProperties",
    ),
    (
        "GET",
        "/accounts/{AwsAccountId}/data-sets/{DataSetId}/refresh-properties",
        "DescribeDataSetRefreshProperties",
    ),
    (
        "DELETE",
        "/accounts/{AwsAccountId}/data-sets/{DataSetId}/refresh-properties",
        "DeleteDataSetRefreshProperties",
    ),
    ("GET", "/accounts/{AwsAccountId}/data-sets/{DataSetId}/ingestions", "ListIngestions"),
    ("PUT", "/accounts/{AwsAccountId}/data-sets/{DataSetId}/ingestions/{IngestionId}", "CreateIngestion"),
    ("GET", "/accounts/{AwsAccountId}/data-sets/{DataSetId}/ingestions/{IngestionId}", "DescribeIngestion"),
    ("DELETE", "/accounts/{AwsAccountId}/data-sets/{DataSetId}/ingestions/{IngestionId}", "CancelIngestion"),
    ("GET", "/accounts/{AwsAccountId}/dashboards", "ListDashboards"),
    ("POST", "/accounts/{AwsAccountId}/dashboards/{DashboardId}", "CreateDashboard"),
    ("PUT", "/accounts/{AwsAccountId}/dashboards/{DashboardId}", "UpdateDashboard"),
    ("GET", "/accounts/{AwsAccountId}/dashboards/{DashboardId}", "DescribeDashboard"),
    ("DELETE", "/accounts/{AwsAccountId}/dashboards/{DashboardId}", "DeleteDashboard"),
    ("GET", "/accounts/{AwsAccountId}/dashboards/{DashboardId}/definition", "DescribeDashboardDefinition"),
    ("GET", "/accounts/{AwsAccountId}/dashboards/{DashboardId}/permissions", "DescribeDashboardPermissions"),
    ("PUT", "/accounts/{AwsAccountId}/dashboards/{DashboardId}/permissions", "UpdateDashboardPermissions"),
    ("GET", "/accounts/{AwsAccountId}/dashboards/{DashboardId}/versions", "ListDashboardVersions"),
    (
        "PUT",
        "/accounts/{AwsAccountId}/dashboards/{DashboardId}/versions/{VersionNumber}",
        "UpdateDashboardPublishedVersion",
    ),
    ("POST", "/resources/{ResourceArn+}/tags", "TagResource"),
    ("GET", "/resources/{ResourceArn+}/tags", "ListTagsForResource"),
    ("DELETE", "/resources/{ResourceArn+}/tags", "UntagResource"),
)


def _compile(template: str) -> re.Pattern[str]:
    # {Name+} spans slashes: an ARN arrives with its %2F already decoded to "/".
    pattern = re.sub(r"\{(\w+)\+\}", lambda m: f"(?P<{m.group(1)}>.+)", template)
    pattern = re.sub(r"\{(\w+)\}", lambda m: _ID.format(m.group(1)), pattern)
    return re.compile(f"^{pattern}/?$")


ROUTES = tuple((method, _compile(template), operation) for method, template, operation in _TEMPLATES)


def match(method: str, path: str) -> tuple[str, dict[str, str]] | None:
    """(operation, URI parameters) for a request path (already URL-decoded), or None: moto answers it."""
    for route_method, pattern, operation in ROUTES:
        if route_method == method:
            found = pattern.match(path)
            if found:
                return operation, found.groupdict()
    return None


def parse_arn(arn: str) -> tuple[str, str, str, str] | None:
    """(region, account, kind, id) of a QuickSight ARN localaws keeps, else None (a tag call moto answers)."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[2] != "quicksight":
        return None
    kind, _, resource_id = parts[5].partition("/")
    if kind not in RESOURCE_KINDS or not resource_id or "/" in resource_id:
        return None
    return parts[3], parts[4], kind, resource_id


@dataclass
class Call:
    """One matched request: its operation, where it is addressed, and its decoded input."""

    operation: str
    account_id: str
    region: str
    params: dict[str, str]
    query: Any  # werkzeug MultiDict: .get(name) and .getlist(name)
    body: dict[str, Any]
