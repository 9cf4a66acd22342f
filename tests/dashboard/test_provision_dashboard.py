"""Provisioning deploys the repo's dashboard to localaws's QuickSight: created, then left alone, then repaired."""

from __future__ import annotations

import dataclasses

from vpcflow.dashboard.definition import build_definition
from vpcflow.provision.common import CallRecorder, Clients
from vpcflow.provision.dashboard import (
    DASHBOARD_ACTIONS,
    delete_findings_dataset,
    delete_quality_dataset,
    ensure_vpcflow_dashboard,
    findings_data_set_id,
    quality_data_set_id,
)
from vpcflow.provision.quicksight import contains
from vpcflow.provision.stack import provision_quicksight
from vpcflow.provision.teardown import teardown_quicksight

from tests.reports.stack_data import ACCOUNT


def test_provisioning_deploys_the_definition_with_its_three_datasets(dashboard_stack):
    stack, results = dashboard_stack
    config, qs = stack.config, stack.clients("quicksight")
    assert results["dashboard"].action == "created"
    ids = {"AwsAccountId": ACCOUNT, "DashboardId": config.quicksight_dashboard_id}
    described = qs.describe_dashboard_definition(**ids)
    quality = qs.describe_data_set(AwsAccountId=ACCOUNT, DataSetId=quality_data_set_id(config))["DataSet"]
    findings = qs.describe_data_set(AwsAccountId=ACCOUNT, DataSetId=findings_data_set_id(config))["DataSet"]
    assert quality["ImportMode"] == findings["ImportMode"] == "DIRECT_QUERY"
    assert described["Definition"] == build_definition(results["dataset"].id, quality["Arn"], findings["Arn"])
    assert qs.describe_dashboard(**ids)["Dashboard"]["Version"]["VersionNumber"] == 1
    (grant,) = qs.describe_dashboard_permissions(**ids)["Permissions"]
    assert grant == {"Principal": config.quicksight_principal, "Actions": DASHBOARD_ACTIONS}


def test_second_run_writes_nothing(dashboard_stack, localaws):
    stack, _ = dashboard_stack
    recorder = CallRecorder()
    clients = Clients(endpoint_url=localaws.endpoint, region="us-east-1", recorder=recorder)
    results = provision_quicksight(clients, stack.config)
    assert {r.action for r in results.values()} == {"unchanged"}
    assert recorder.writes == []


def test_a_dashboard_changed_by_hand_is_updated_and_published(dashboard_stack, localaws, unique):
    stack, results = dashboard_stack
    # A dashboard of its own over the same datasets, so the other tests keep theirs.
    config = dataclasses.replace(stack.config, quicksight_dashboard_id=f"drift-{unique}")
    qs = stack.clients("quicksight")
    assert ensure_vpcflow_dashboard(qs, config, ACCOUNT, results["dataset"].id).action == "created"
    ids = {"AwsAccountId": ACCOUNT, "DashboardId": config.quicksight_dashboard_id}
    edited = qs.describe_dashboard_definition(**ids)["Definition"]
    edited["Sheets"][0]["Visuals"].pop()
    version = int(
        qs.update_dashboard(**ids, Name="edited", Definition=edited)["VersionArn"].rsplit("/", 1)[1]
    )
    qs.update_dashboard_published_version(**ids, VersionNumber=version)

    recorder = CallRecorder()
    clients = Clients(endpoint_url=localaws.endpoint, region="us-east-1", recorder=recorder)
    assert (
        ensure_vpcflow_dashboard(clients("quicksight"), config, ACCOUNT, results["dataset"].id).action
        == "updated"
    )
    assert [op for _, op in recorder.writes] == ["UpdateDashboard", "UpdateDashboardPublishedVersion"]
    published = qs.describe_dashboard(**ids)["Dashboard"]["Version"]["VersionNumber"]
    assert published == version + 1
    declared = [d["DataSetArn"] for d in edited["DataSetIdentifierDeclarations"]]
    assert qs.describe_dashboard_definition(**ids)["Definition"] == build_definition(*declared)
    qs.delete_dashboard(**ids)


def test_definitions_compare_only_in_what_vpcflow_sets():
    want = {"a": [{"x": 25}], "b": "s"}
    assert contains({"a": [{"x": 25.0, "aws_default": 1}], "b": "s", "extra": True}, want)
    assert not contains({"a": [{"x": 24}], "b": "s"}, want)
    assert not contains({"a": [{"x": 25}, {"x": 1}], "b": "s"}, want)
    assert not contains({"a": [{"x": True}], "b": "s"}, {"a": [{"x": 1}], "b": "s"})


def test_quality_and_findings_dataset_deletes_are_idempotent(dashboard_stack, unique):
    stack, _ = dashboard_stack
    config = dataclasses.replace(stack.config, quicksight_dataset_id=f"gone-{unique}")
    assert delete_quality_dataset(stack.clients("quicksight"), config, ACCOUNT).action == "absent"
    assert delete_findings_dataset(stack.clients("quicksight"), config, ACCOUNT).action == "absent"


def test_teardown_removes_the_dashboard_and_its_three_datasets(dashboard_stack, unique):
    stack, _ = dashboard_stack
    config = dataclasses.replace(
        stack.config,
        quicksight_data_source_id=f"src-{unique}",
        quicksight_dataset_id=f"flows-{unique}",
        quicksight_dashboard_id=f"dash-{unique}",
    )
    provision_quicksight(stack.clients, config)
    qs = stack.clients("quicksight")
    ours = {config.quicksight_dataset_id, quality_data_set_id(config), findings_data_set_id(config)}
    assert ours <= {d["DataSetId"] for d in qs.list_data_sets(AwsAccountId=ACCOUNT)["DataSetSummaries"]}

    gone = teardown_quicksight(stack.clients, config)
    assert {k: v.action for k, v in gone.items()} == dict.fromkeys(
        ("dashboard", "quality_dataset", "findings_dataset", "dataset", "data_source", "spice_workgroup"),
        "deleted",
    )
    left = {d["DataSetId"] for d in qs.list_data_sets(AwsAccountId=ACCOUNT)["DataSetSummaries"]}
    assert not ours & left
    assert config.quicksight_dashboard_id not in {
        d["DashboardId"] for d in qs.list_dashboards(AwsAccountId=ACCOUNT)["DashboardSummaryList"]
    }
    assert {v.action for v in teardown_quicksight(stack.clients, config).values()} == {"absent"}
