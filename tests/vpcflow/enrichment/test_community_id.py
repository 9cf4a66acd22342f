"""The compaction's Community ID (Trino SQL, run by localaws's Athena) equals the maintained library's for
TCP, UDP, SCTP, ICMP (two-way and one-way types), ICMPv6, another protocol, IPv4 and IPv6, both orderings."""

from __future__ import annotations

import pytest
from vpcflow.enrichment.addresses import to_hex
from vpcflow.enrichment.community_id import community_id_sql

from tests.vpcflow.enrichment.athena_sql import select
from tests.vpcflow.enrichment.community import library_id

FLOWS = [  # (src, dst, protocol, sport, dport)
    ("10.0.1.5", "52.94.76.10", 6, 49152, 443),
    ("52.94.76.10", "10.0.1.5", 6, 443, 49152),  # the reply: the same ID
    ("10.0.1.5", "10.0.1.5", 6, 80, 8080),  # equal addresses: the ports order
    ("10.0.1.5", "10.0.1.5", 6, 8080, 80),
    ("192.168.1.1", "8.8.8.8", 17, 53000, 53),
    ("8.8.8.8", "192.168.1.1", 17, 53, 53000),
    ("10.0.0.1", "10.0.0.2", 132, 5000, 6000),
    ("203.0.113.9", "10.0.1.5", 1, 8, 0),  # echo request
    ("10.0.1.5", "203.0.113.9", 1, 0, 0),  # echo reply: the request's ID
    ("10.0.1.5", "203.0.113.9", 1, 3, 1),  # destination unreachable: one-way
    ("203.0.113.9", "10.0.1.5", 1, 3, 1),
    ("10.0.1.5", "203.0.113.9", 1, 0, 0),
    ("2001:db8::1", "2600:1f18::42", 6, 50000, 443),
    ("2600:1f18::42", "2001:db8::1", 6, 443, 50000),
    ("2001:db8::1", "2001:db8::2", 58, 128, 0),  # ICMPv6 echo request
    ("2001:db8::2", "2001:db8::1", 58, 129, 0),
    ("2001:db8::2", "2001:db8::1", 58, 1, 4),  # ICMPv6 unreachable: one-way
    ("10.0.1.5", "10.0.2.6", 47, 0, 0),  # GRE: no ports
    ("10.0.2.6", "10.0.1.5", 47, 0, 0),
]


@pytest.mark.parametrize("seed", [0, 7])
def test_sql_equals_the_library(aws_client, unique, seed):
    bucket = f"cid-{unique}"
    aws_client("s3").create_bucket(Bucket=bucket)
    values = ", ".join(
        f"({i}, '{to_hex(s)}', '{to_hex(d)}', {p}, {sp}, {dp})" for i, (s, d, p, sp, dp) in enumerate(FLOWS)
    )
    expression = community_id_sql("s", "d", "p", "sp", "dp", seed=seed)
    rows = select(
        aws_client,
        f"SELECT i, {expression} FROM (VALUES {values}) AS t (i, s, d, p, sp, dp) ORDER BY i",
        bucket,
    )
    got = [value for _, value in rows]
    assert got == [library_id(*flow, seed=seed) for flow in FLOWS]
    assert got[0] == got[1] and got[8] == got[7] and got[9] != got[10]


def test_hex_comes_from_athena_as_from_python(aws_client, unique):
    # The hex the CTAS computes with to_hex(CAST(TRY_CAST(a AS IPADDRESS) AS VARBINARY)) is addresses.to_hex;
    # text that is no address is NULL, never an error or a made-up value.
    bucket = f"hex-{unique}"
    aws_client("s3").create_bucket(Bucket=bucket)
    addresses = ["10.0.1.5", "2001:db8::1", "2600:1F18::42", "0.0.0.0", "-", "garbage"]
    values = ", ".join(f"('{a}')" for a in addresses)
    rows = select(
        aws_client,
        f"SELECT to_hex(CAST(TRY_CAST(a AS IPADDRESS) AS VARBINARY)) FROM (VALUES {values}) AS t (a)",
        bucket,
    )
    assert [r[0] for r in rows] == [to_hex(a) for a in addresses[:4]] + [None, None]


def test_no_community_id_without_addresses_or_ports(aws_client, unique):
    bucket = f"cidnull-{unique}"
    aws_client("s3").create_bucket(Bucket=bucket)
    expression = community_id_sql("s", "d", "p", "sp", "dp")
    rows = select(
        aws_client,
        f"SELECT {expression} FROM (VALUES (CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR), "
        "CAST(NULL AS INTEGER), CAST(NULL AS INTEGER), CAST(NULL AS INTEGER)), "
        f"('{to_hex('10.0.0.1')}', '{to_hex('10.0.0.2')}', 6, NULL, 80)) AS t (s, d, p, sp, dp)",
        bucket,
    )
    assert rows == [[None], [None]]
