"""Dashboards: the definition is stored as given, one version per Create/Update, one published version.

UpdateDashboard adds a version without publishing it (UpdateDashboardPublishedVersion does that), and
Describe* without a version number describe the published version, as the API reference says.
"""

from __future__ import annotations

from typing import Any

from localaws.quicksight.errors import conflict, exists, invalid, not_found
from localaws.quicksight.params import check_id, merge_permissions, page, require
from localaws.quicksight.routes import Call
from localaws.quicksight.store import Region, now, public, version_of


def _get(region: Region, call: Call) -> dict[str, Any]:
    dashboard_id = call.params["DashboardId"]
    if dashboard_id not in region.dashboards:
        raise not_found("DASHBOARD", f"Dashboard {dashboard_id}")
    return region.dashboards[dashboard_id]


def _new_version(region: Region, dashboard: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    if not body.get("Definition") and not body.get("SourceEntity"):
        raise invalid("Either a SourceEntity or a Definition must be provided.")
    number = dashboard["_versions"][-1]["VersionNumber"] + 1 if dashboard["_versions"] else 1
    definition = body.get("Definition")
    errors = []
    if definition is not None:
        data_set_arns = [d.get("DataSetArn") for d in definition.get("DataSetIdentifierDeclarations", [])]
        for arn in data_set_arns:
            if region.data_set_by_arn(arn) is None:
                errors.append({"Type": "DATA_SET_NOT_FOUND", "Message": f"Data set {arn} does not exist."})
        sheets = [
            {"SheetId": s.get("SheetId"), "Name": s.get("Name", "")} for s in definition.get("Sheets", [])
        ]
        source_arn = None
    else:
        template = body["SourceEntity"].get("SourceTemplate", {})
        data_set_arns = [r.get("DataSetArn") for r in template.get("DataSetReferences", [])]
        source_arn = template.get("Arn")
        sheets = []
        errors.append(
            {
                "Type": "SOURCE_NOT_FOUND",
                "Message": f"localaws keeps no templates; pass a Definition ({source_arn}).",
            }
        )
    version = {
        "VersionNumber": number,
        "Arn": f"{dashboard['Arn']}/version/{number}",
        "CreatedTime": now(),
        "Status": "CREATION_FAILED" if errors else "CREATION_SUCCESSFUL",
        "DataSetArns": data_set_arns,
        "Sheets": sheets,
        "_definition": definition,
        "_publish_options": body.get("DashboardPublishOptions"),
        "_parameters": body.get("Parameters"),
    }
    for key, value in (
        ("Errors", errors),
        ("Description", body.get("VersionDescription")),
        ("ThemeArn", body.get("ThemeArn")),
        ("SourceEntityArn", source_arn),
    ):
        if value:
            version[key] = value
    dashboard["_versions"].append(version)
    return version


def create(region: Region, call: Call) -> tuple[int, dict[str, Any]]:
    dashboard_id = check_id("DashboardId", call.params["DashboardId"])
    require(call.body, "Name")
    if dashboard_id in region.dashboards:
        raise exists("DASHBOARD", f"Dashboard {dashboard_id}")
    created = now()
    dashboard: dict[str, Any] = {
        "DashboardId": dashboard_id,
        "Arn": region.arn("dashboard", dashboard_id),
        "Name": call.body["Name"],
        "CreatedTime": created,
        "LastPublishedTime": created,
        "LastUpdatedTime": created,
        "_versions": [],
        "_published": 1,
        "_permissions": call.body.get("Permissions", []),
        "_tags": call.body.get("Tags", []),
    }
    if call.body.get("LinkEntities"):
        dashboard["LinkEntities"] = call.body["LinkEntities"]
    version = _new_version(region, dashboard, call.body)
    region.dashboards[dashboard_id] = dashboard
    # AWS answers 202 and builds the dashboard asynchronously; here it is built before the answer.
    return 202, {
        "Arn": dashboard["Arn"],
        "VersionArn": version["Arn"],
        "DashboardId": dashboard_id,
        "CreationStatus": "CREATION_IN_PROGRESS",
    }


def update(region: Region, call: Call) -> tuple[int, dict[str, Any]]:
    dashboard = _get(region, call)
    require(call.body, "Name")
    version = _new_version(region, dashboard, call.body)
    dashboard["Name"] = call.body["Name"]
    dashboard["LastUpdatedTime"] = version["CreatedTime"]
    return 202, {
        "Arn": dashboard["Arn"],
        "VersionArn": version["Arn"],
        "DashboardId": dashboard["DashboardId"],
        "CreationStatus": "CREATION_IN_PROGRESS",
    }


def describe(region: Region, call: Call) -> tuple[int, dict[str, Any]]:
    dashboard = _get(region, call)
    version = version_of(dashboard, call.query.get("version-number"), call.query.get("alias-name"))
    return 200, {"Dashboard": {**public(dashboard), "Version": public(version)}}


def describe_definition(region: Region, call: Call) -> tuple[int, dict[str, Any]]:
    dashboard = _get(region, call)
    version = version_of(dashboard, call.query.get("version-number"), call.query.get("alias-name"))
    answer = {
        "DashboardId": dashboard["DashboardId"],
        "Name": dashboard["Name"],
        "ResourceStatus": version["Status"],
        "Definition": version["_definition"],
    }
    for key, value in (
        ("Errors", version.get("Errors")),
        ("ThemeArn", version.get("ThemeArn")),
        ("DashboardPublishOptions", version.get("_publish_options")),
    ):
        if value:
            answer[key] = value
    return 200, answer


def list_(region: Region, call: Call) -> tuple[int, dict[str, Any]]:
    summaries = [
        {
            "Arn": d["Arn"],
            "DashboardId": d["DashboardId"],
            "Name": d["Name"],
            "CreatedTime": d["CreatedTime"],
            "LastUpdatedTime": d["LastUpdatedTime"],
            "PublishedVersionNumber": d["_published"],
            "LastPublishedTime": d["LastPublishedTime"],
        }
        for d in region.dashboards.values()
    ]
    summaries, token = page(summaries, call.query)
    return 200, {"DashboardSummaryList": summaries, **({"NextToken": token} if token else {})}


def list_versions(region: Region, call: Call) -> tuple[int, dict[str, Any]]:
    dashboard = _get(region, call)
    keys = ("Arn", "CreatedTime", "VersionNumber", "Status", "SourceEntityArn", "Description")
    summaries = [{k: v[k] for k in keys if k in v} for v in dashboard["_versions"]]
    summaries, token = page(summaries, call.query)
    return 200, {"DashboardVersionSummaryList": summaries, **({"NextToken": token} if token else {})}


def publish(region: Region, call: Call) -> tuple[int, dict[str, Any]]:
    dashboard = _get(region, call)
    version = version_of(dashboard, call.params["VersionNumber"])
    if version["Status"] == "CREATION_FAILED":
        raise invalid(
            f"Version {version['VersionNumber']} of dashboard {dashboard['DashboardId']} failed to build "
            f"({version.get('Errors')}); it cannot be published."
        )
    dashboard["_published"] = version["VersionNumber"]
    dashboard["LastPublishedTime"] = now()
    return 200, {"DashboardId": dashboard["DashboardId"], "DashboardArn": dashboard["Arn"]}


def delete(region: Region, call: Call) -> tuple[int, dict[str, Any]]:
    dashboard = _get(region, call)
    number = call.query.get("version-number")
    if number:
        version = version_of(dashboard, number)
        if version["VersionNumber"] == dashboard["_published"]:
            raise conflict(
                f"Version {number} is the published version of dashboard {dashboard['DashboardId']}."
            )
        dashboard["_versions"].remove(version)
    else:
        del region.dashboards[dashboard["DashboardId"]]
    return 200, {"Arn": dashboard["Arn"], "DashboardId": dashboard["DashboardId"]}


def _permissions_answer(dashboard: dict[str, Any]) -> dict[str, Any]:
    return {
        "DashboardArn": dashboard["Arn"],
        "DashboardId": dashboard["DashboardId"],
        "Permissions": dashboard["_permissions"],
        "LinkSharingConfiguration": {"Permissions": dashboard.get("_link_permissions", [])},
    }


def describe_permissions(region: Region, call: Call) -> tuple[int, dict[str, Any]]:
    return 200, _permissions_answer(_get(region, call))


def update_permissions(region: Region, call: Call) -> tuple[int, dict[str, Any]]:
    dashboard = _get(region, call)
    body = call.body
    dashboard["_permissions"] = merge_permissions(
        dashboard["_permissions"], body.get("GrantPermissions"), body.get("RevokePermissions")
    )
    dashboard["_link_permissions"] = merge_permissions(
        dashboard.get("_link_permissions", []),
        body.get("GrantLinkPermissions"),
        body.get("RevokeLinkPermissions"),
    )
    return 200, _permissions_answer(dashboard)


HANDLERS = {
    "CreateDashboard": create,
    "UpdateDashboard": update,
    "DescribeDashboard": describe,
    "DescribeDashboardDefinition": describe_definition,
    "ListDashboards": list_,
    "ListDashboardVersions": list_versions,
    "UpdateDashboardPublishedVersion": publish,
    "DeleteDashboard": delete,
    "DescribeDashboardPermissions": describe_permissions,
    "UpdateDashboardPermissions": update_permissions,
}
