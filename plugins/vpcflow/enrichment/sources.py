"""Where the interface inventory is read: the accounts and regions of the VPCs whose flows vpcflow keeps.

``VPCFLOW_INVENTORY_SOURCES`` lists them, comma-separated: ``us-east-1`` (the connection's own account) or
``arn:aws:iam::111122223333:role/vpcflow-inventory@eu-west-1`` (another account's role, assumed for the
snapshot; the role needs only ec2:DescribeNetworkInterfaces and ec2:DescribeVpcs). Empty: the connection's
own account and region, without a role.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$")
_ROLE = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")


class SourceError(ValueError):
    """An inventory source that is not ``region`` or ``role_arn@region``; the message names it."""


@dataclass(frozen=True)
class Source:
    region: str | None  # None: the connection's region
    role_arn: str | None = None

    @property
    def label(self) -> str:
        return f"{self.role_arn or 'own account'} in {self.region or 'the connection region'}"


def parse_sources(text: str) -> tuple[Source, ...]:
    """The configured sources; one Source of the connection's own account and region when empty."""
    if not text.strip():
        return (Source(None),)
    sources = []
    for entry in (e.strip() for e in text.split(",")):
        role, _, region = entry.rpartition("@")
        if not _REGION.match(region):
            raise SourceError(f"{entry!r}: {region!r} is not an AWS region such as eu-west-1")
        if role and not _ROLE.match(role):
            raise SourceError(
                f"{entry!r}: {role!r} is not an IAM role ARN such as arn:aws:iam::111122223333:role/name"
            )
        sources.append(Source(region, role or None))
    if len(set(sources)) != len(sources):
        raise SourceError(f"{text!r} names a source twice")
    return tuple(sources)


def role_arns(text: str) -> list[str]:
    """The roles the inventory assumes (what its IAM policy allows sts:AssumeRole on)."""
    return sorted({s.role_arn for s in parse_sources(text) if s.role_arn})
