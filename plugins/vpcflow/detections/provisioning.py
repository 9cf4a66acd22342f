"""Security Hub for the stack's findings: with VPCFLOW_SECURITY_HUB=enable, vpcflow_provision enables the
hub in the connection's account and region if it is off (without the default standards: those are
compliance checks with their own cost, an account-wide decision). With ``import`` (the default) the hub is
expected to be on already, as organisations usually enable it centrally; with ``off`` it is not used."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError
from vpcflow.detections.settings import DetectionSettings
from vpcflow.provision.common import Result


def ensure_security_hub(client: Any, settings: DetectionSettings | None = None) -> Result:
    settings = settings or DetectionSettings()
    if settings.security_hub != "enable":
        return Result("skipped", None)
    try:
        return Result("unchanged", client.describe_hub()["HubArn"])
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "InvalidAccessException":
            raise
    client.enable_security_hub(EnableDefaultStandards=False, Tags={"vpcflow": "detections"})
    return Result("created", client.describe_hub()["HubArn"])


def security_hub_results(clients: Any) -> dict[str, Result]:
    """``{"security_hub": ...}`` when detections enable the hub, else nothing (no call is made)."""
    settings = DetectionSettings()
    if settings.security_hub != "enable":
        return {}
    return {"security_hub": ensure_security_hub(clients("securityhub"), settings)}
