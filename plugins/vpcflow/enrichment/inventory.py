"""The network interface inventory: an hourly snapshot of the VPCs' interfaces and CIDR blocks, kept as
versions with validity intervals so that every ingest hour joins the inventory of its time.

A snapshot for hour H (the run's data interval, never the clock) reads DescribeNetworkInterfaces and
DescribeVpcs, paginated, in every configured source (vpcflow.enrichment.sources) and advances the stored
versions to H (``advance``): a version whose attributes still hold has its ``last_seen`` moved to H; one
that changed or vanished is closed at H (valid_to = H) and the new one opened (valid_from = H). The first
snapshot ever opens its versions with no valid_from, so the hours before it (a backfill of history) join
the earliest inventory known.

DescribeNetworkInterfaces tells the present, not hour H: a snapshot for an hour older than the latest one
recorded is not of its time and changes nothing (a backfill of old hours keeps the inventory their own
runs recorded). A rerun of the latest hour replaces what that hour recorded, so running it twice gives one
state. Runs of different hours may snapshot at once: the object is replaced with S3's conditional write
(If-Match on the ETag read, If-None-Match for the first), and a run that lost the race merges again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from botocore.exceptions import ClientError

from vpcflow.enrichment import addresses, tables
from vpcflow.enrichment.sources import Source, parse_sources
from vpcflow.model.config import StackConfig

log = logging.getLogger(__name__)

INTERFACE_KEY = ("interface_id",)
CIDR_KEY = ("vpc_id", "cidr")
_VALIDITY = ("valid_from", "valid_to", "last_seen")
ATTEMPTS = 5  # conditional writes lost to a concurrent snapshot before giving up

# DescribeNetworkInterfaces' InterfaceType says what created an interface; for the plain "interface" type
# the description of a requester-managed one tells the service (EC2 user guide, "Requester-managed network
# interfaces": Description is "provided by the AWS service that created the interface").
_DESCRIBED_BY = (
    ("ELB ", "elb"),
    ("AWS Lambda VPC ENI", "lambda"),
    ("arn:aws:ecs:", "ecs"),
    ("VPC Endpoint Interface", "vpc_endpoint"),
    ("RDSNetworkInterface", "rds"),
    ("Interface for NAT Gateway", "nat_gateway"),
    ("EFS mount target", "efs"),
)


def requester(eni: Mapping[str, Any]) -> str | None:
    """What is behind an interface: its InterfaceType unless plain, the service named in a requester-managed
    interface's description, else ``instance`` when attached to one."""
    kind = eni.get("InterfaceType") or "interface"
    if kind != "interface":
        return kind
    description = eni.get("Description") or ""
    for prefix, name in _DESCRIBED_BY:
        if description.startswith(prefix):
            return name
    if (eni.get("Attachment") or {}).get("InstanceId"):
        return "instance"
    return "aws_service" if eni.get("RequesterManaged") else None


def interface_row(eni: Mapping[str, Any], region: str) -> dict[str, Any]:
    """One DescribeNetworkInterfaces item as an inventory row (without its validity)."""
    private = [a["PrivateIpAddress"] for a in eni.get("PrivateIpAddresses", []) if a.get("PrivateIpAddress")]
    private += [a["Ipv6Address"] for a in eni.get("Ipv6Addresses", []) if a.get("Ipv6Address")]
    return {
        "interface_id": eni["NetworkInterfaceId"],
        "account": eni.get("OwnerId"),
        "region": region,
        "vpc_id": eni.get("VpcId"),
        "subnet_id": eni.get("SubnetId"),
        "availability_zone": eni.get("AvailabilityZone"),
        "instance_id": (eni.get("Attachment") or {}).get("InstanceId"),
        "interface_type": eni.get("InterfaceType") or "interface",
        "requester": requester(eni),
        "requester_id": eni.get("RequesterId"),
        "description": eni.get("Description") or None,
        "security_groups": ",".join(sorted(g["GroupId"] for g in eni.get("Groups", []))) or None,
        "private_addresses": ",".join(private) or None,
    }


def cidr_rows(vpc: Mapping[str, Any], region: str) -> list[dict[str, Any]]:
    """A DescribeVpcs item's associated IPv4 and IPv6 blocks, each with its range as hex."""
    blocks = [
        a["CidrBlock"]
        for a in vpc.get("CidrBlockAssociationSet", [{"CidrBlock": vpc.get("CidrBlock")}])
        if a.get("CidrBlock") and (a.get("CidrBlockState") or {}).get("State", "associated") == "associated"
    ]
    blocks += [
        a["Ipv6CidrBlock"]
        for a in vpc.get("Ipv6CidrBlockAssociationSet", [])
        if a.get("Ipv6CidrBlock")
        and (a.get("Ipv6CidrBlockState") or {}).get("State", "associated") == "associated"
    ]
    rows = []
    for cidr in blocks:
        span = addresses.network(cidr)
        rows.append(
            {
                "vpc_id": vpc["VpcId"],
                "account": vpc.get("OwnerId"),
                "region": region,
                "cidr": cidr,
                "first_hex": span.first_hex,
                "last_hex": span.last_hex,
            }
        )
    return rows


ClientFactory = Callable[[Source, str], Any]  # (source, service) -> a boto3 client there


def observe(clients: ClientFactory, sources: Sequence[Source]) -> tuple[list[dict], list[dict]]:
    """Every interface and VPC CIDR block of every source, as rows (paginated calls)."""
    interfaces: list[dict[str, Any]] = []
    cidrs: list[dict[str, Any]] = []
    for source in sources:
        ec2 = clients(source, "ec2")
        region = source.region or ec2.meta.region_name
        for page in ec2.get_paginator("describe_network_interfaces").paginate():
            interfaces += [interface_row(eni, region) for eni in page["NetworkInterfaces"]]
        for page in ec2.get_paginator("describe_vpcs").paginate():
            for vpc in page["Vpcs"]:
                cidrs += cidr_rows(vpc, region)
        log.info(
            "inventory of %s: %d interfaces, %d CIDR blocks so far", source.label, len(interfaces), len(cidrs)
        )
    return interfaces, cidrs


# ---- versions with validity intervals ------------------------------------------------------------------


def _key(row: Mapping[str, Any], key: Sequence[str]) -> tuple:
    return tuple(row.get(k) for k in key)


def _attributes(row: Mapping[str, Any]) -> tuple:
    return tuple(sorted((k, v) for k, v in row.items() if k not in _VALIDITY))


def latest_hour(versions: Iterable[Mapping[str, Any]]) -> str | None:
    """The hour of the latest snapshot the versions record."""
    return max((v["last_seen"] for v in versions if v.get("last_seen")), default=None)


def advance(
    versions: Sequence[Mapping[str, Any]],
    hour: str,
    observed: Sequence[Mapping[str, Any]],
    key: Sequence[str],
) -> list[dict[str, Any]]:
    """The versions after a snapshot of hour ``hour`` (a ``YYYY-MM-DD-HH`` label) saw ``observed``.

    An hour older than the latest recorded changes nothing; the latest hour again replaces what it had
    recorded; a later hour closes what changed or vanished and opens what is new."""
    latest = latest_hour(versions)
    if latest is not None and hour < latest:
        log.info(
            "snapshot of %s is older than the inventory's latest (%s): not of its time, kept out",
            hour,
            latest,
        )
        return [dict(v) for v in versions]
    state = [dict(v) for v in versions if v.get("valid_from") != hour or latest != hour]
    if latest == hour:  # a rerun: undo what this hour closed
        for version in state:
            if version.get("valid_to") == hour:
                version["valid_to"] = None
    first_ever = not state
    current = {_key(v, key): v for v in state if v.get("valid_to") is None}
    seen = set()
    for row in observed:
        k = _key(row, key)
        if k in seen:
            continue  # the same interface reported twice (two sources reaching one account)
        seen.add(k)
        version = current.get(k)
        if version is not None and _attributes(version) == _attributes(row):
            version["last_seen"] = hour
            continue
        if version is not None:
            version["valid_to"] = hour
        state.append({**row, "valid_from": None if first_ever else hour, "valid_to": None, "last_seen": hour})
    for k, version in current.items():
        if k not in seen and version.get("valid_to") is None:
            version["valid_to"] = hour
    return sorted(state, key=lambda v: (_key(v, key), v.get("valid_from") or ""))


def store(
    s3: Any, config: StackConfig, table: tables.DimensionTable, hour: str, observed: list, key: Sequence[str]
) -> int:
    """Advance the table's stored versions to ``hour`` with a conditional write; returns how many versions
    it holds. Retries when another run replaced the object between the read and the write."""
    for _ in range(ATTEMPTS):
        versions, etag = tables.read_rows(s3, config, table)
        updated = advance(versions, hour, observed, key)
        condition = {"IfMatch": etag} if etag else {"IfNoneMatch": "*"}
        try:
            tables.write_rows(s3, config, table, updated, **condition)
            return len(updated)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in (
                "PreconditionFailed",
                "ConditionalRequestConflict",
            ):
                raise
            log.info("%s was replaced by another snapshot meanwhile: merging again", table.name)
    raise RuntimeError(
        f"{table.location(config)} kept changing under {ATTEMPTS} snapshots of {hour}; this task retries"
    )


def snapshot(clients: ClientFactory, s3: Any, config: StackConfig, hour: str) -> dict[str, Any]:
    """Hour ``hour``'s snapshot of every configured source, stored: what the task returns."""
    sources = parse_sources(config.inventory_sources)
    interfaces, cidrs = observe(clients, sources)
    return {
        "hour": hour,
        "sources": [s.label for s in sources],
        "interfaces": len(interfaces),
        "cidr_blocks": len(cidrs),
        "interface_versions": store(s3, config, tables.INTERFACES, hour, interfaces, INTERFACE_KEY),
        "cidr_versions": store(s3, config, tables.VPC_CIDRS, hour, cidrs, CIDR_KEY),
    }
