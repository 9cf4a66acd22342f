"""Bad enrichment inputs fail with an error naming the input: inventory sources, AWS's ranges document,
addresses; IANA's names are read from the system's netbase files."""

from __future__ import annotations

import json

import pytest
from vpcflow.enrichment import aws_ranges, names
from vpcflow.enrichment.addresses import AddressError, network, to_hex
from vpcflow.enrichment.sources import parse_sources, role_arns
from vpcflow.model.config import ConfigError, StackConfig


def test_inventory_sources_are_regions_or_roles_in_regions():
    role = "arn:aws:iam::111122223333:role/vpcflow-inventory"
    sources = parse_sources(f"eu-west-1, {role}@us-east-1")
    assert [(s.region, s.role_arn) for s in sources] == [("eu-west-1", None), ("us-east-1", role)]
    assert role_arns(f"{role}@us-east-1,{role}@eu-west-1") == [role]
    with pytest.raises(ConfigError, match="inventory_sources.*'nowhere' is not an AWS region"):
        StackConfig(inventory_sources="nowhere")
    with pytest.raises(ConfigError, match="not an IAM role ARN"):
        StackConfig(inventory_sources="arn:aws:iam::1:user/x@eu-west-1")


def test_a_ranges_document_that_is_not_awss_is_refused_naming_it():
    with pytest.raises(aws_ranges.RangesError, match="s3://b/k is not JSON"):
        aws_ranges.parse(b"<html>", "s3://b/k")
    with pytest.raises(aws_ranges.RangesError, match=r"prefixes\[0\] lacks service"):
        aws_ranges.parse(
            json.dumps({"syncToken": "1", "prefixes": [{"ip_prefix": "1.0.0.0/8", "region": "x"}]}), "u"
        )
    bad = {"syncToken": "1", "prefixes": [{"ip_prefix": "1.0.0.0/40", "region": "x", "service": "S3"}]}
    with pytest.raises(aws_ranges.RangesError, match="'1.0.0.0/40' is not a CIDR"):
        list(aws_ranges.rows(bad, "u"))


def test_ranges_are_bucketed_so_each_address_meets_its_range():
    span = network("52.94.0.0/15")
    assert list(span.buckets()) == ["FFFF345E", "FFFF345F"]
    assert span.first_hex <= to_hex("52.95.1.2") <= span.last_hex
    with pytest.raises(AddressError, match="'10.0.0.300' is not an IPv4 or IPv6 address"):
        to_hex("10.0.0.300")


def test_iana_names_come_from_netbase(tmp_path):
    (tmp_path / "protocols").write_text("tcp\t6\tTCP\t# comment\nudp 17 UDP\n")
    (tmp_path / "services").write_text("https\t443/tcp\nhttps 443/udp\nssh 22/tcp # SSH\nbogus x/tcp\n")
    assert names.protocols(tmp_path / "protocols") == [
        {"number": 6, "name": "TCP"},
        {"number": 17, "name": "UDP"},
    ]
    assert names.services(tmp_path / "services") == [
        {"port": 22, "protocol": 6, "name": "ssh"},
        {"port": 443, "protocol": 6, "name": "https"},
        {"port": 443, "protocol": 17, "name": "https"},
    ]
    assert names.protocols(tmp_path / "absent") == []
