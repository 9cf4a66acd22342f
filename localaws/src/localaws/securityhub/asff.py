"""The AWS Security Finding Format as BatchImportFindings checks it: required attributes, lengths, enums,
timestamp formats and the 240 KB limit (docs.aws.amazon.com/securityhub/1.0/APIReference/
API_AwsSecurityFinding.html; securityhub/latest/userguide/asff-required-attributes.html). A finding that
fails is reported in FailedFindings with ErrorCode InvalidInput and Security Hub's wording ("Finding does
not adhere to Amazon Finding Format. data.Title should NOT be longer than 256 characters.").

Checked: what vpcflow and common finding providers send. Nested objects this module does not know are
accepted as they are (their shapes are botocore's to check, client side).
"""

from __future__ import annotations

import json
import re
from typing import Any

SCHEMA_VERSION = "2018-10-08"
MAX_FINDING_BYTES = 240 * 1024
NAMESPACES = (
    "Software and Configuration Checks",
    "TTPs",
    "Effects",
    "Unusual Behaviors",
    "Sensitive Data Identifications",
)
SEVERITY_LABELS = ("INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL")
RECORD_STATES = ("ACTIVE", "ARCHIVED")
PARTITIONS = ("aws", "aws-cn", "aws-us-gov")
DIRECTIONS = ("IN", "OUT")
REQUIRED = ("SchemaVersion", "Id", "ProductArn", "GeneratorId", "AwsAccountId", "CreatedAt", "UpdatedAt",
            "Title", "Description", "Resources")  # fmt: skip
MAX_LENGTHS = {"Id": 512, "GeneratorId": 512, "Title": 256, "Description": 1024, "SourceUrl": 2048}
TIMESTAMPS = ("CreatedAt", "UpdatedAt", "FirstObservedAt", "LastObservedAt")
# The formats the API reference lists: Z or a +-HH:MM / +-HHMM offset, up to nine fractional digits.
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$")


class NotAdhering(ValueError):
    """The finding breaks the format; the message is Security Hub's."""

    def __init__(self, problem: str):
        super().__init__(f"Finding does not adhere to Amazon Finding Format. {problem}.")


def check(finding: dict[str, Any]) -> None:
    """Raise NotAdhering with the first problem of ``finding``."""
    for name in REQUIRED:
        if name not in finding:
            raise NotAdhering(f"data should have required property '{name}'")
    provider = finding.get("FindingProviderFields") or {}
    if "Severity" not in finding and "Severity" not in provider:
        raise NotAdhering("data should have required property 'Severity'")
    if "Types" not in finding and "Types" not in provider:
        raise NotAdhering("data should have required property 'Types'")
    if finding["SchemaVersion"] != SCHEMA_VERSION:
        raise NotAdhering(
            f"data.SchemaVersion should be equal to one of the allowed values: {SCHEMA_VERSION}"
        )
    for name, limit in MAX_LENGTHS.items():
        value = finding.get(name)
        if value is None:
            continue
        if not isinstance(value, str) or not value.strip():
            raise NotAdhering(f"data.{name} should NOT be shorter than 1 characters")
        if len(value) > limit:
            raise NotAdhering(f"data.{name} should NOT be longer than {limit} characters")
    if not re.fullmatch(r"\d{12}", str(finding["AwsAccountId"])):
        raise NotAdhering('data.AwsAccountId should match pattern "^\\d{12}$"')
    for name in TIMESTAMPS:
        if name in finding and not _TIMESTAMP.match(str(finding[name])):
            raise NotAdhering(f'data.{name} should match format "date-time"')
    for where, types in (
        ("data.Types", finding.get("Types")),
        ("data.FindingProviderFields.Types", provider.get("Types")),
    ):
        if types is not None:
            _check_types(where, types)
    for where, severity in (
        ("data.Severity", finding.get("Severity")),
        ("data.FindingProviderFields.Severity", provider.get("Severity")),
    ):
        if severity is not None:
            _check_severity(where, severity)
    _check_resources(finding["Resources"])
    if finding.get("RecordState") not in (None, *RECORD_STATES):
        raise NotAdhering(
            f"data.RecordState should be equal to one of the allowed values: {', '.join(RECORD_STATES)}"
        )
    _check_product_fields(finding.get("ProductFields"))
    network = finding.get("Network")
    if network and network.get("Direction") not in (None, *DIRECTIONS):
        raise NotAdhering("data.Network.Direction should be equal to one of the allowed values: IN, OUT")
    if len(json.dumps(finding).encode()) > MAX_FINDING_BYTES:
        raise NotAdhering(f"data should NOT be larger than {MAX_FINDING_BYTES} bytes")


def _check_types(where: str, types: Any) -> None:
    if not isinstance(types, list) or not types:
        raise NotAdhering(f"{where} should NOT have fewer than 1 items")
    if len(types) > 50:
        raise NotAdhering(f"{where} should NOT have more than 50 items")
    for i, value in enumerate(types):
        if not isinstance(value, str) or value.split("/")[0] not in NAMESPACES or value.count("/") > 2:
            raise NotAdhering(
                f"{where}[{i}] should be namespace/category/classifier with a namespace of {', '.join(NAMESPACES)}"
            )


def _check_severity(where: str, severity: Any) -> None:
    if not isinstance(severity, dict) or not ({"Label", "Normalized", "Product"} & set(severity)):
        raise NotAdhering(f"{where} should have required property 'Label'")
    if "Label" in severity and severity["Label"] not in SEVERITY_LABELS:
        raise NotAdhering(
            f"{where}.Label should be equal to one of the allowed values: {', '.join(SEVERITY_LABELS)}"
        )
    normalized = severity.get("Normalized")
    if normalized is not None and not (isinstance(normalized, int) and 0 <= normalized <= 100):
        raise NotAdhering(f"{where}.Normalized should be an integer between 0 and 100")


def _check_resources(resources: Any) -> None:
    if not isinstance(resources, list) or not resources:
        raise NotAdhering("data.Resources should NOT have fewer than 1 items")
    if len(resources) > 32:
        raise NotAdhering("data.Resources should NOT have more than 32 items")
    for i, resource in enumerate(resources):
        for name in ("Type", "Id"):
            if not isinstance(resource.get(name), str) or not resource[name].strip():
                raise NotAdhering(f"data.Resources[{i}] should have required property '{name}'")
        if resource.get("Partition") not in (None, *PARTITIONS):
            raise NotAdhering(
                f"data.Resources[{i}].Partition should be equal to one of the allowed values: {', '.join(PARTITIONS)}"
            )


def _check_product_fields(fields: Any) -> None:
    if fields is None:
        return
    if len(fields) > 50:
        raise NotAdhering("data.ProductFields should NOT have more than 50 properties")
    for key, value in fields.items():
        if len(key) > 128:
            raise NotAdhering(
                f"data.ProductFields key {key[:20]!r}... should NOT be longer than 128 characters"
            )
        if len(value) > 2048:
            raise NotAdhering(f"data.ProductFields.{key} should NOT be longer than 2048 characters")
