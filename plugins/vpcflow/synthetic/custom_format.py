"""Generated records in any LogFormat: each default-format record, enriched with what AWS would write for
the interface it was captured on (VPC, subnet, instance, zone, direction, packet addresses...) and laid
out in the format's order. Deterministic: the values come from the record and the estate, not from chance.

Field meanings follow the VPC user guide's "Available fields"; a field that does not apply is '-', as AWS
writes it (NODATA and SKIPDATA records carry only the interface, the window and the status).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, Protocol

from vpcflow.model.formats import DEFAULT_FORMAT, NULL, FlowLogFormat


class Interface(Protocol):
    """What the enrichment reads of the estate's interface a record was captured on."""

    eni: str
    ipv4: str
    ipv6: str | None
    role: str


REGION = "us-east-1"
_DEFAULT_NAMES = (
    "version", "account-id", "interface-id", "srcaddr", "dstaddr", "srcport", "dstport", "protocol",
    "packets", "bytes", "start", "end", "action", "log-status",
)  # fmt: skip
# Roles whose interfaces belong to an ECS task, and to no EC2 instance of their own (Fargate).
_ECS_ROLES = {"batch"}


def _hex(*parts: str, length: int = 17) -> str:
    return hashlib.sha256(":".join(parts).encode()).hexdigest()[:length]


def _aws_service(address: str) -> str:
    # The estate's AWS-looking public peers (first octets 52 and 54) stand for S3 and EC2 endpoints.
    first = address.split(".")[0]
    return {"52": "S3", "54": "AMAZON"}.get(first, NULL)


def enrich(record: dict[str, str], interface: Interface | None, fmt_version: int) -> dict[str, str]:
    """Every field of versions 2 to 8 for one default-format record (a dict of its 14 tokens)."""
    eni, account = record["interface-id"], record["account-id"]
    subnet_octet = interface.ipv4.split(".")[2] if interface else "0"
    flowing = record["log-status"] == "OK"
    src, dst = record["srcaddr"], record["dstaddr"]
    own = {interface.ipv4, interface.ipv6} if interface else set()
    ecs = interface is not None and interface.role in _ECS_ROLES
    protocol = record["protocol"]
    values = {
        **record,
        "version": str(fmt_version),
        "vpc-id": f"vpc-{_hex('vpc', account)}",
        "subnet-id": f"subnet-{_hex('subnet', account, subnet_octet)}",
        "instance-id": NULL if ecs or interface is None else f"i-{_hex('instance', eni)}",
        "tcp-flags": ("19" if record["action"] == "ACCEPT" else "2") if protocol == "6" else "0",
        "type": ("IPv6" if ":" in src else "IPv4") if flowing else NULL,
        "pkt-srcaddr": src,
        "pkt-dstaddr": dst,
        "region": REGION,
        "az-id": f"use1-az{int(subnet_octet) % 6 + 1}",
        "sublocation-type": NULL,
        "sublocation-id": NULL,
        "pkt-src-aws-service": _aws_service(src) if flowing else NULL,
        "pkt-dst-aws-service": _aws_service(dst) if flowing else NULL,
        "flow-direction": ("ingress" if dst in own else "egress") if flowing else NULL,
        # 8: through the internet gateway, for traffic leaving the VPC for a public address
        "traffic-path": ("8" if dst not in own and not dst.startswith("10.") else NULL) if flowing else NULL,
        "reject-reason": NULL,
    }
    ecs_values: dict[str, str] = {}
    if ecs:
        cluster = f"flows-{_hex('cluster', account, length=6)}"
        task = _hex("task", eni, length=32)
        arn = f"arn:aws:ecs:{REGION}:{account}"
        ecs_values = {
            "ecs-cluster-arn": f"{arn}:cluster/{cluster}",
            "ecs-cluster-name": cluster,
            "ecs-container-instance-arn": NULL,
            "ecs-container-instance-id": NULL,
            "ecs-container-id": _hex("container", eni, length=64),
            "ecs-second-container-id": NULL,
            "ecs-service-name": "batch",
            "ecs-task-definition-arn": f"{arn}:task-definition/batch:3",
            "ecs-task-arn": f"{arn}:task/{cluster}/{task}",
            "ecs-task-id": task,
        }
    for name in ("ecs-cluster-arn", "ecs-cluster-name", "ecs-container-instance-arn", "ecs-container-instance-id",
                 "ecs-container-id", "ecs-second-container-id", "ecs-service-name", "ecs-task-definition-arn",
                 "ecs-task-arn", "ecs-task-id"):  # fmt: skip
        values[name] = ecs_values.get(name, NULL) if flowing else NULL
    if not flowing:
        kept = {"version", "account-id", "interface-id", "start", "end", "log-status", "vpc-id", "subnet-id",
                "instance-id", "region", "az-id"}  # fmt: skip
        values = {name: (value if name in kept else NULL) for name, value in values.items()}
    return values


def converter(fmt: FlowLogFormat, interfaces: Any) -> Callable[[str], str]:
    """line -> the same record in ``fmt``. A line that no format reads (the generator's malformed lines)
    stays malformed in ``fmt`` too: it keeps its text, with one more token if its count would fit."""
    by_eni = {i.eni: i for i in interfaces}

    def convert(line: str) -> str:
        if DEFAULT_FORMAT.typed_row(line) is None:
            return line if len(line.split()) != len(fmt.fields) else f"{line} malformed"
        record = dict(zip(_DEFAULT_NAMES, line.split(" "), strict=True))
        values = enrich(record, by_eni.get(record["interface-id"]), fmt.version)
        return " ".join(values[name] for name in fmt.names)

    return convert
