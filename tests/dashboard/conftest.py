"""The loaded stack (tests/reports/stack_data.py) with QuickSight provisioned, its SPICE dataset ingested, and
the detections run over its hours (their port scans and brute force are the Findings sheet's findings)."""

from __future__ import annotations

import time

import pytest

from tests.reports.stack_data import ACCOUNT, LoadedStack, shared_stack


def wait_ingested(qs, data_set_id: str, timeout: float = 60) -> dict:
    """The dataset's latest ingestion once it has ended (a deadline against hangs, not a timed assertion)."""
    deadline = time.monotonic() + timeout
    while True:
        ingestions = qs.list_ingestions(AwsAccountId=ACCOUNT, DataSetId=data_set_id)["Ingestions"]
        latest = max(ingestions, key=lambda i: i["CreatedTime"]) if ingestions else None
        if latest and latest["IngestionStatus"] in ("COMPLETED", "FAILED", "CANCELLED"):
            return latest
        if time.monotonic() > deadline:
            raise TimeoutError(f"ingestion of {data_set_id} not finished: {latest}")
        time.sleep(0.05)


_PROVISIONED: dict[str, dict] = {}


def detect_findings(stack: LoadedStack) -> None:
    """vpcflow_detections' engine over every hour of the stack: vpc_flow_findings as a deployment has it."""
    from vpcflow.detections.engine import detect
    from vpcflow.detections.settings import DetectionSettings

    report = detect(
        stack.clients("athena"), stack.clients("s3"), stack.config, DetectionSettings(), sorted(stack.flows),
        "dashboard-tests", first_poll_s=0.02, max_poll_s=0.05,
    )  # fmt: skip
    assert report.findings > 0, report.as_dict()


@pytest.fixture(scope="module")
def dashboard_stack(localaws) -> tuple[LoadedStack, dict]:
    """Per module, so a moto reset by other tests between modules is repaired; provisioned once per stack."""
    from vpcflow.provision.stack import provision_quicksight

    stack = shared_stack(localaws.endpoint)
    name = stack.config.stack_name
    if name not in _PROVISIONED:
        _PROVISIONED[name] = provision_quicksight(stack.clients, stack.config)
        ingestion = wait_ingested(stack.clients("quicksight"), stack.config.quicksight_dataset_id)
        assert ingestion["IngestionStatus"] == "COMPLETED", ingestion
        detect_findings(stack)
    return stack, _PROVISIONED[name]
