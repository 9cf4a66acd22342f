"""localaws Security Hub: a hub must be enabled, BatchImportFindings checks the AWS Security Finding Format
the way Security Hub does and updates a finding by its id, GetFindings filters, sorts and pages, and what
localaws does not emulate is refused by name."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

ACCOUNT = "123456789012"


def finding(region: str, finding_id: str, **changes) -> dict:
    base = {
        "SchemaVersion": "2018-10-08",
        "Id": finding_id,
        "ProductArn": f"arn:aws:securityhub:{region}:{ACCOUNT}:product/{ACCOUNT}/default",
        "GeneratorId": "vpcflow/detections/brute_force",
        "AwsAccountId": ACCOUNT,
        "Types": ["TTPs/Credential Access/BruteForce"],
        "CreatedAt": "2026-11-26T05:00:00Z",
        "UpdatedAt": "2026-11-26T05:00:00Z",
        "Severity": {"Label": "HIGH"},
        "Title": "SSH/RDP brute force",
        "Description": "144 connection attempts",
        "Resources": [{"Type": "AwsEc2NetworkInterface", "Id": "eni-0123456789abcdef0"}],
    }
    base.update(changes)
    return base


@pytest.fixture
def hub(localaws):
    """A region of its own (the localaws is shared by the session's tests), its hub enabled."""
    import boto3

    region = "eu-west-3"
    client = boto3.client("securityhub", endpoint_url=localaws.endpoint, region_name=region)
    try:
        client.disable_security_hub()
    except ClientError:
        pass
    client.enable_security_hub(EnableDefaultStandards=False)
    yield client, region
    client.disable_security_hub()


def test_a_hub_that_is_not_enabled_refuses_findings(localaws):
    import boto3

    client = boto3.client("securityhub", endpoint_url=localaws.endpoint, region_name="ap-south-2")
    with pytest.raises(ClientError) as raised:
        client.batch_import_findings(Findings=[finding("ap-south-2", "x")])
    assert raised.value.response["Error"]["Code"] == "InvalidAccessException"
    assert "not subscribed to AWS Security Hub" in raised.value.response["Error"]["Message"]
    with pytest.raises(ClientError, match="InvalidAccessException"):
        client.describe_hub()


def test_enabling_twice_conflicts_and_describe_names_the_hub(hub):
    client, region = hub
    with pytest.raises(ClientError, match="ResourceConflictException"):
        client.enable_security_hub()
    assert client.describe_hub()["HubArn"] == f"arn:aws:securityhub:{region}:{ACCOUNT}:hub/default"


def test_findings_that_break_the_format_fail_alone_with_security_hubs_message(hub):
    client, region = hub
    broken = finding(region, "too-long", Title="x" * 257)
    missing = finding(region, "no-resources", Resources=[])
    other_account = finding(region, "elsewhere", AwsAccountId="210987654321")
    bad_type = finding(region, "bad-type", Types=["Attacks/Brute"])
    answer = client.batch_import_findings(
        Findings=[finding(region, "ok"), broken, missing, other_account, bad_type]
    )
    assert (answer["SuccessCount"], answer["FailedCount"]) == (1, 4)
    errors = {f["Id"]: f["ErrorMessage"] for f in answer["FailedFindings"]}
    assert all(f["ErrorCode"] == "InvalidInput" for f in answer["FailedFindings"])
    assert errors["too-long"] == (
        "Finding does not adhere to Amazon Finding Format. data.Title should NOT be longer than 256 characters."
    )
    assert "data.Resources should NOT have fewer than 1 items" in errors["no-resources"]
    assert "210987654321" in errors["elsewhere"]
    assert "namespace" in errors["bad-type"]
    assert [f["Id"] for f in client.get_findings()["Findings"]] == ["ok"]


def test_another_products_arn_refuses_the_whole_batch(hub):
    client, region = hub
    partner = finding(
        region, "p", ProductArn=f"arn:aws:securityhub:{region}::product/aquasecurity/aquasecurity"
    )
    with pytest.raises(ClientError, match="InvalidInputException"):
        client.batch_import_findings(Findings=[partner])


def test_a_second_import_updates_the_finding_and_keeps_the_customers_workflow(hub):
    client, region = hub
    client.batch_import_findings(Findings=[finding(region, "f1")])
    stored = client.get_findings()["Findings"][0]
    assert stored["Workflow"] == {"Status": "NEW"} and stored["RecordState"] == "ACTIVE"
    assert stored["FindingProviderFields"]["Severity"] == {"Label": "HIGH"}
    escalated = finding(
        region,
        "f1",
        UpdatedAt="2026-11-26T07:00:00Z",
        FindingProviderFields={"Severity": {"Label": "CRITICAL"}, "Types": ["TTPs/Credential Access"]},
    )
    client.batch_import_findings(Findings=[escalated])
    (stored,) = client.get_findings()["Findings"]
    assert stored["Severity"] == {"Label": "CRITICAL"}, (
        "FindingProviderFields is how a provider changes severity"
    )
    assert stored["UpdatedAt"] == "2026-11-26T07:00:00Z" and stored["Workflow"] == {"Status": "NEW"}


def test_get_findings_filters_sorts_and_pages(hub):
    client, region = hub
    findings = [
        finding(region, f"f{i}", GeneratorId=f"vpcflow/detections/{'scan' if i % 2 else 'brute'}",
                UpdatedAt=f"2026-11-26T0{i}:00:00Z", Severity={"Label": "LOW" if i < 3 else "HIGH"})
        for i in range(6)
    ]  # fmt: skip
    client.batch_import_findings(Findings=findings)
    scans = client.get_findings(
        Filters={"GeneratorId": [{"Value": "vpcflow/detections/scan", "Comparison": "EQUALS"}]}
    )
    assert sorted(f["Id"] for f in scans["Findings"]) == ["f1", "f3", "f5"]
    high = client.get_findings(Filters={"SeverityLabel": [{"Value": "HIGH", "Comparison": "EQUALS"}]})
    assert sorted(f["Id"] for f in high["Findings"]) == ["f3", "f4", "f5"]
    dated = client.get_findings(
        Filters={"UpdatedAt": [{"Start": "2026-11-26T02:00:00Z", "End": "2026-11-26T03:00:00Z"}]},
        SortCriteria=[{"Field": "UpdatedAt", "SortOrder": "asc"}],
    )
    assert [f["Id"] for f in dated["Findings"]] == ["f2", "f3"]
    pages = client.get_paginator("get_findings").paginate(
        SortCriteria=[{"Field": "UpdatedAt", "SortOrder": "desc"}], PaginationConfig={"PageSize": 4}
    )
    assert [f["Id"] for page in pages for f in page["Findings"]] == ["f5", "f4", "f3", "f2", "f1", "f0"]


def test_what_localaws_does_not_emulate_is_refused_by_name(hub):
    client, _ = hub
    with pytest.raises(ClientError) as raised:
        client.get_findings(Filters={"ComplianceStatus": [{"Value": "FAILED", "Comparison": "EQUALS"}]})
    assert raised.value.response["Error"]["Code"] == "UnsupportedOperation"
    assert "ComplianceStatus" in raised.value.response["Error"]["Message"]
    with pytest.raises(ClientError, match="UnsupportedOperation"):
        client.get_enabled_standards()
