"""The generator's estate made real in EC2 (moto on the local stack): one VPC per account with its subnets,
an instance per interface (an ECS task's interface for batch roles), each at the address the generated flows
use. Flows then carry EC2's own interface ids, so the enrichment's inventory joins them as it would on AWS.

Idempotent: every resource is tagged with the estate's seed and its generated id, found again by that tag.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from vpcflow.synthetic.generator import Estate, Interface

TAG = "vpcflow:synthetic"
AMI = "ami-12c6146b"  # one of moto's built-in images
_ECS_ROLES = {"batch"}


def _tagged(kind: str, name: str) -> list[dict[str, Any]]:
    return [{"ResourceType": kind, "Tags": [{"Key": TAG, "Value": name}]}]


def _find(ec2: Any, call: str, key: str, name: str) -> list[dict[str, Any]]:
    answer = getattr(ec2, call)(Filters=[{"Name": f"tag:{TAG}", "Values": [name]}])
    return answer[key]


def place(ec2: Any, estate: Estate, seed: int) -> Estate:
    """The estate with each interface's id replaced by the EC2 interface that now carries its address."""
    vpcs: dict[str, str] = {}
    subnets: dict[str, str] = {}
    renamed: dict[str, str] = {}
    for index, iface in enumerate(estate.interfaces):
        vpc_octet, subnet_octet = iface.ipv4.split(".")[1:3]
        vpc_name = f"{seed}:{iface.account}"
        if vpc_name not in vpcs:
            found = _find(ec2, "describe_vpcs", "Vpcs", vpc_name)
            vpcs[vpc_name] = (
                found[0]["VpcId"]
                if found
                else ec2.create_vpc(
                    CidrBlock=f"10.{vpc_octet}.0.0/16", TagSpecifications=_tagged("vpc", vpc_name)
                )["Vpc"]["VpcId"]
            )
        subnet_name = f"{vpc_name}:{subnet_octet}"
        if subnet_name not in subnets:
            found = _find(ec2, "describe_subnets", "Subnets", subnet_name)
            subnets[subnet_name] = (
                found[0]["SubnetId"]
                if found
                else ec2.create_subnet(
                    VpcId=vpcs[vpc_name],
                    CidrBlock=f"10.{vpc_octet}.{subnet_octet}.0/24",
                    AvailabilityZone=f"us-east-1{'abcdef'[int(subnet_octet) % 6]}",
                    TagSpecifications=_tagged("subnet", subnet_name),
                )["Subnet"]["SubnetId"]
            )
        name = f"{seed}:{iface.eni}"
        found = _find(ec2, "describe_network_interfaces", "NetworkInterfaces", name)
        if found:
            renamed[iface.eni] = found[0]["NetworkInterfaceId"]
            continue
        if iface.role in _ECS_ROLES:  # a Fargate task's interface: no instance of its own
            eni = ec2.create_network_interface(
                SubnetId=subnets[subnet_name],
                PrivateIpAddress=iface.ipv4,
                Description=f"arn:aws:ecs:us-east-1:{iface.account}:attachment/{index:08d}",
                TagSpecifications=_tagged("network-interface", name),
            )["NetworkInterface"]
            renamed[iface.eni] = eni["NetworkInterfaceId"]
            continue
        instance = ec2.run_instances(
            ImageId=AMI,
            MinCount=1,
            MaxCount=1,
            InstanceType="t3.micro",
            SubnetId=subnets[subnet_name],
            PrivateIpAddress=iface.ipv4,
            TagSpecifications=_tagged("instance", f"{name}:{iface.role}"),
        )["Instances"][0]
        eni_id = instance["NetworkInterfaces"][0]["NetworkInterfaceId"]
        ec2.create_tags(Resources=[eni_id], Tags=[{"Key": TAG, "Value": name}])
        renamed[iface.eni] = eni_id
    return rename(estate, renamed)


def rename(estate: Estate, renamed: dict[str, str]) -> Estate:
    """The estate with interface ids replaced (``renamed``: generated id -> EC2's id)."""

    def swap(iface: Interface) -> Interface:
        return dataclasses.replace(iface, eni=renamed.get(iface.eni, iface.eni))

    return dataclasses.replace(
        estate,
        interfaces=tuple(swap(i) for i in estate.interfaces),
        by_role={role: tuple(swap(i) for i in members) for role, members in estate.by_role.items()},
    )
