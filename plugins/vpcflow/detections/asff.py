"""A vpc_flow_findings row in the AWS Security Finding Format, as BatchImportFindings takes it.

The finding is the account's own (default product ARN, the caller's AwsAccountId); the interface is its
resource, in whichever account owns it. Severity and Types go in FindingProviderFields too: that is how a
provider changes them on a later import (escalation) without overwriting what analysts set.
Timestamps come from the flows, not the clock, so importing the same row twice sends the same finding.

Who is behind it, where compaction's enrichment knew (vpcflow.detections.findings.CONTEXT_COLUMNS): the
interface's instance is a second resource, ``AwsEc2Instance`` with its VPC and subnet; the remote peer's
country, AS organisation and AWS service go in ProductFields (ASFF has no field of its own for them).
ASFF syntax, as documented:
- AwsEc2Instance resource and its details (VpcId, SubnetId):
  https://docs.aws.amazon.com/securityhub/latest/userguide/asff-resourcedetails-awsec2.html and
  https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_AwsEc2InstanceDetails.html
- ProductFields: string values, up to 50 key-value pairs, keys up to 128 characters, values up to 2048:
  https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/securityhub/aws.sdk.kotlin.services.securityhub.model/-aws-security-finding/product-fields.html
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from vpcflow.detections.detectors import BY_NAME
from vpcflow.detections.hours import shift, to_datetime

SCHEMA_VERSION = "2018-10-08"
_PROTOCOLS = {1: "ICMP", 6: "TCP", 17: "UDP", 58: "ICMPV6"}
_OUTBOUND = {"exfiltration", "mining_c2_ports"}
# Finding columns that go in ProductFields when known, under vpcflow/<column>.
_CONTEXT_FIELDS = ("instance_id", "vpc_id", "subnet_id", "peer_address", "peer_country", "peer_country_name",
                   "peer_as_org", "peer_aws_service")  # fmt: skip
MAX_PRODUCT_FIELDS, MAX_PRODUCT_VALUE = 50, 2048


def _time(value: datetime | None, fallback: datetime) -> str:
    moment = value or fallback.replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def security_hub_id(stack_name: str, row: dict[str, Any]) -> str:
    return f"vpcflow/{stack_name}/{row['detector']}/{row['finding_id']}"


def product_arn(partition: str, region: str, account: str) -> str:
    return f"arn:{partition}:securityhub:{region}:{account}:product/{account}/default"


def entity(row: dict[str, Any]) -> str:
    """The finding's entity in a few words: ``203.0.113.5 -> 10.1.0.5:22``, ``eni-... (silent)``."""
    parts = []
    if row.get("source"):
        parts.append(row["source"])
    if row.get("destination"):
        parts.append(f"-> {row['destination']}" if parts else row["destination"])
    text = " ".join(parts)
    if row.get("port") is not None:
        text += f"{':' if row.get('destination') else ' port '}{row['port']}"
    if row.get("interfaceid") and not text:
        text = row["interfaceid"]
    if row.get("subtype"):
        text += f" ({row['subtype']})"
    return text.strip()


def to_asff(row: dict[str, Any], stack_name: str, account: str, region: str, partition: str = "aws",
            archived: bool = False) -> dict[str, Any]:  # fmt: skip
    detector = BY_NAME[row["detector"]]
    hour_end = to_datetime(shift(row["hour"], 1))
    first_seen, last_seen = _time(row.get("first_seen"), hour_end), _time(row.get("last_seen"), hour_end)
    severity = {"Label": row["severity"], "Original": row["severity"]}
    eni, owner = row.get("interfaceid"), row.get("account") or account
    if eni:
        resource = {
            "Type": "AwsEc2NetworkInterface",
            "Id": f"arn:{partition}:ec2:{region}:{owner}:network-interface/{eni}",
        }
    else:
        resource = {"Type": "Other", "Id": row.get("source") or row.get("destination") or row["finding_id"]}
    resource.update(Partition=partition, Region=region)
    resources = [resource]
    if row.get("instance_id"):
        resources.append(_instance(row, owner, region, partition))
    title = f"{detector.title}: {entity(row)}"[:256]
    description = (
        f"{row['detail']}. {row['hours_active']} hour(s) with hits since {row['first_hour']}: {row['flows']} flows, "
        f"{row['bytes']} bytes. MITRE ATT&CK {detector.technique} {detector.technique_name} ({detector.tactic})."
    )[:1024]
    finding: dict[str, Any] = {
        "SchemaVersion": SCHEMA_VERSION,
        "Id": security_hub_id(stack_name, row),
        "ProductArn": product_arn(partition, region, account),
        "GeneratorId": detector.generator_id,
        "AwsAccountId": account,
        "Types": list(detector.types),
        "FirstObservedAt": first_seen,
        "LastObservedAt": last_seen,
        "CreatedAt": first_seen,
        "UpdatedAt": _time(hour_end, hour_end),
        "Severity": severity,
        "Title": title,
        "Description": description,
        "Resources": resources,
        "RecordState": "ARCHIVED" if archived else "ACTIVE",
        "FindingProviderFields": {"Severity": severity, "Types": list(detector.types)},
        "ProductFields": _product_fields(row, stack_name),
    }
    network = _network(row)
    if network:
        finding["Network"] = network
    return finding


def _instance(row: dict[str, Any], owner: str, region: str, partition: str) -> dict[str, Any]:
    """The interface's EC2 instance as an ASFF resource: its ARN, and the VPC and subnet where known."""
    resource: dict[str, Any] = {
        "Type": "AwsEc2Instance",
        "Id": f"arn:{partition}:ec2:{region}:{owner}:instance/{row['instance_id']}",
        "Partition": partition,
        "Region": region,
    }
    details = {name: row[column] for name, column in (("VpcId", "vpc_id"), ("SubnetId", "subnet_id"))
               if row.get(column)}  # fmt: skip
    if details:
        resource["Details"] = {"AwsEc2Instance": details}
    return resource


def _network(row: dict[str, Any]) -> dict[str, Any]:
    network: dict[str, Any] = {}
    if row["detector"] in _OUTBOUND or row.get("subtype") == "outbound":
        network["Direction"] = "OUT"
    elif row.get("source"):
        network["Direction"] = "IN"
    if row.get("protocol") in _PROTOCOLS:
        network["Protocol"] = _PROTOCOLS[row["protocol"]]
    for side, address in (("Source", row.get("source")), ("Destination", row.get("destination"))):
        if address:
            network[f"{side}Ip{'V6' if ':' in address else 'V4'}"] = address
    if row.get("port") is not None:
        network["DestinationPort"] = row["port"]
    return network


def _product_fields(row: dict[str, Any], stack_name: str) -> dict[str, str]:
    detector = BY_NAME[row["detector"]]
    fields = {
        "vpcflow/stack": stack_name,
        "vpcflow/finding_id": row["finding_id"],
        "vpcflow/detector": row["detector"],
        "vpcflow/technique": f"{detector.technique} {detector.technique_name}",
        "vpcflow/tactic": detector.tactic,
        "vpcflow/score": f"{row['score']:g}",
        "vpcflow/threshold": f"{row['threshold']:g}",
        "vpcflow/max_score": f"{row['max_score']:g}",
        "vpcflow/flows": str(row["flows"]),
        "vpcflow/bytes": str(row["bytes"]),
        "vpcflow/hours_active": str(row["hours_active"]),
        "vpcflow/first_hour": row["first_hour"],
        "vpcflow/last_hour": row["hour"],
    }
    evidence = json.loads(row.get("evidence") or "[]")
    while evidence and len(json.dumps(evidence)) > 2048:
        evidence = evidence[:-1]  # ProductFields values are at most 2048 characters
    fields["vpcflow/evidence"] = json.dumps(evidence)
    for column in _CONTEXT_FIELDS:
        if row.get(column):
            fields[f"vpcflow/{column}"] = str(row[column])[:MAX_PRODUCT_VALUE]
    return fields  # at most 22 of the MAX_PRODUCT_FIELDS
