"""Security Hub's REST-JSON actions that localaws answers, one handler each: ``(region store, body,
query) -> response``. Routed by method and path as botocore's 2018-10-26 model defines them."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from localaws.securityhub import asff
from localaws.securityhub.errors import already_subscribed, hub_not_found, invalid_input, not_subscribed
from localaws.securityhub.filters import compile_filters, sort_key
from localaws.securityhub.store import Hub, Region

MAX_BATCH = 100
MAX_BATCH_BYTES = 6 * 1024 * 1024
# Attributes a finding provider's later import does not overwrite: they are the customer's
# (BatchImportFindings "cannot be used to update" them once the finding exists).
CUSTOMER_FIELDS = ("Note", "UserDefinedFields", "VerificationState", "Workflow", "WorkflowState")

Handler = Callable[[Region, dict[str, Any], Mapping[str, str]], dict[str, Any]]


def parse(data: bytes) -> dict[str, Any]:
    try:
        return json.loads(data or b"{}")
    except ValueError as err:
        raise invalid_input(f"request body is not JSON: {err}") from err


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _hub(region: Region) -> Hub:
    if region.hub is None:
        raise not_subscribed(region.account_id)
    return region.hub


def enable_security_hub(region: Region, body: dict[str, Any], query: Mapping[str, str]) -> dict[str, Any]:
    with region.lock:
        if region.hub is not None:
            raise already_subscribed(region.account_id)
        region.hub = Hub(_now(), dict(body.get("Tags") or {}))
    return {}


def describe_hub(region: Region, body: dict[str, Any], query: Mapping[str, str]) -> dict[str, Any]:
    hub = _hub(region)
    wanted = query.get("HubArn")
    if wanted and wanted != region.hub_arn:
        raise hub_not_found(wanted)
    return {
        "HubArn": region.hub_arn,
        "SubscribedAt": hub.subscribed_at,
        "AutoEnableControls": True,
        "ControlFindingGenerator": "SECURITY_CONTROL",
    }


def disable_security_hub(region: Region, body: dict[str, Any], query: Mapping[str, str]) -> dict[str, Any]:
    with region.lock:
        _hub(region)
        region.hub = None
        region.findings.clear()
    return {}


def batch_import_findings(region: Region, body: dict[str, Any], query: Mapping[str, str]) -> dict[str, Any]:
    _hub(region)
    findings = body.get("Findings")
    if not isinstance(findings, list) or not 1 <= len(findings) <= MAX_BATCH:
        count = len(findings) if isinstance(findings, list) else 0
        raise invalid_input(f"Findings must hold between 1 and {MAX_BATCH} findings, got {count}")
    if len(json.dumps(findings).encode()) > MAX_BATCH_BYTES:
        raise invalid_input(f"the batch is larger than {MAX_BATCH_BYTES} bytes")
    for finding in findings:
        product = finding.get("ProductArn")
        if product is not None and product != region.default_product_arn:
            # Only the account's own default product: partner products need an integration localaws lacks.
            raise invalid_input(f'productArn: "{product}"')
    failed = []
    with region.lock:
        for finding in findings:
            try:
                asff.check(finding)
                if finding["AwsAccountId"] != region.account_id:
                    raise asff.NotAdhering(
                        f"data.AwsAccountId {finding['AwsAccountId']} is not the calling account "
                        f"{region.account_id} (the default product imports an account's own findings)"
                    )
            except asff.NotAdhering as problem:
                failed.append(
                    {
                        "Id": str(finding.get("Id", "")),
                        "ErrorCode": "InvalidInput",
                        "ErrorMessage": str(problem),
                    }
                )
                continue
            _store(region, finding)
    return {"FailedCount": len(failed), "SuccessCount": len(findings) - len(failed), "FailedFindings": failed}


def _store(region: Region, finding: dict[str, Any]) -> None:
    key = (finding["ProductArn"], finding["Id"])
    before = region.findings.get(key)
    stored = json.loads(json.dumps(finding))
    provider = dict(stored.get("FindingProviderFields") or {})
    for name in ("Severity", "Types", "Confidence", "Criticality", "RelatedFindings"):
        if name in provider:
            stored[name] = provider[name]  # nobody updated the top-level value with BatchUpdateFindings here
        elif name in stored:
            provider[name] = stored[name]
    stored["FindingProviderFields"] = provider
    stored.update(ProductName="Default", CompanyName="Personal", Region=region.name, ProcessedAt=_now())
    stored.setdefault("RecordState", before.get("RecordState", "ACTIVE") if before else "ACTIVE")
    if before is None:
        stored.setdefault("Workflow", {"Status": "NEW"})
        stored.setdefault("WorkflowState", "NEW")
    else:
        for name in CUSTOMER_FIELDS:
            if name in before:
                stored[name] = before[name]
            else:
                stored.pop(name, None)
    region.findings[key] = stored


def get_findings(region: Region, body: dict[str, Any], query: Mapping[str, str]) -> dict[str, Any]:
    _hub(region)
    limit = body.get("MaxResults", 100)
    if not isinstance(limit, int) or not 1 <= limit <= 100:
        raise invalid_input(f"MaxResults must be a number between 1 and 100, got {limit!r}")
    test = compile_filters(body.get("Filters"))
    key, reverse = sort_key(body.get("SortCriteria"))
    with region.lock:
        matching = [f for f in region.findings.values() if test(f)]
    matching.sort(key=key, reverse=reverse)
    start = _offset(body.get("NextToken"))
    page = matching[start : start + limit]
    answer: dict[str, Any] = {"Findings": json.loads(json.dumps(page))}
    if start + limit < len(matching):
        answer["NextToken"] = base64.b64encode(json.dumps({"offset": start + limit}).encode()).decode()
    return answer


def _offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        return int(json.loads(base64.b64decode(token))["offset"])
    except (ValueError, KeyError, TypeError):
        raise invalid_input(f"NextToken {token!r} is not one this service gave") from None


ROUTES: dict[tuple[str, str], Handler] = {
    ("POST", "/accounts"): enable_security_hub,
    ("GET", "/accounts"): describe_hub,
    ("DELETE", "/accounts"): disable_security_hub,
    ("POST", "/findings/import"): batch_import_findings,
    ("POST", "/findings"): get_findings,
}
