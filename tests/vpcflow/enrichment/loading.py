"""What the enrichment needs on a test stack: the generator's estate placed in EC2 (moto) and snapshotted,
a sample of AWS's ip-ranges.json, IANA's names and the geo ranges; shared by the e2e, report and dashboard
stacks."""

from __future__ import annotations

import ipaddress
from typing import Any

from vpcflow.enrichment import aws_ranges, inventory, tables
from vpcflow.enrichment.static_tables import load_static_tables
from vpcflow.synthetic import ec2_estate
from vpcflow.synthetic.generator import Estate, build_estate
from vpcflow.synthetic.ip_ranges import SAMPLE

SAMPLE_RANGES = SAMPLE


def expected_service(address: str) -> tuple[str, str] | None:
    """The most specific sample prefix holding ``address``; a named service before AMAZON."""
    ip = ipaddress.ip_address(address)
    items = [(p["ip_prefix"], p) for p in SAMPLE_RANGES["prefixes"]]
    items += [(p["ipv6_prefix"], p) for p in SAMPLE_RANGES["ipv6_prefixes"]]
    holding = [(ipaddress.ip_network(c), p) for c, p in items]
    holding = [(n, p) for n, p in holding if n.version == ip.version and ip in n]
    if not holding:
        return None
    _, item = min(holding, key=lambda h: (-h[0].prefixlen, h[1]["service"] == "AMAZON", h[1]["service"]))
    return item["service"], item["region"]


def place_and_snapshot(clients: Any, config: Any, seed: int, accounts: int, hour_label: str) -> Estate:
    """The seed's estate in EC2, and the inventory snapshot of ``hour_label``; the estate with EC2's ids."""
    estate = ec2_estate.place(clients("ec2"), build_estate(seed, accounts), seed)
    inventory.snapshot(lambda source, service: clients(service), clients("s3"), config, hour_label)
    return estate


def load_dimensions(clients: Any, config: Any) -> None:
    """The sample ranges (as vpcflow_enrichment writes a fetched document), IANA's names and the geo ranges."""
    rows = aws_ranges.rows(SAMPLE_RANGES, "sample")
    tables.write_rows(clients("s3"), config, tables.AWS_RANGES, rows)
    load_static_tables(clients("s3"), config)
