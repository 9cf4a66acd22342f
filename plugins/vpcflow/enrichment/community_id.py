"""The Community ID of a flow (Corelight's spec, version 1) as one Trino expression, so Athena computes it
in the compaction's CTAS and flows correlate with Zeek, Suricata and Elastic.

Spec (github.com/corelight/community-id-spec): ``"1:" + base64(sha1(seed . saddr . daddr . proto . 0 .
sport . dport))``, with the seed (2 bytes), the addresses (4 or 16 bytes) and the ports (2 bytes) in
network byte order; the endpoints are ordered so that both directions of a flow hash alike: (saddr, sport)
before (daddr, dport) unless saddr > daddr, or the addresses are equal and sport > dport. ICMP and ICMPv6
take the message type as the source port and the code as the destination port, except that a type with a
counterpart (echo request and reply, ...) takes the counterpart as the destination port; a type without one
is a one-way flow and is never reordered. Other protocols hash without ports.

The bytes are assembled as hex text (equal-width hex compares as the bytes do) and hashed once with
``sha1(from_hex(...))``. VPC Flow Logs write an ICMP flow's type and code in srcport and dstport.
tests/vpcflow/enrichment/test_community_id.py checks every case against the maintained ``communityid``
library, through Athena's SQL as localaws runs it.
"""

from __future__ import annotations

# Zeek's (and the library's) ICMP and ICMPv6 type counterparts.
ICMP_COUNTERPARTS = {8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 10: 9, 9: 10, 17: 18, 18: 17}
ICMP6_COUNTERPARTS = {
    128: 129, 129: 128, 130: 131, 131: 130, 133: 134, 134: 133, 135: 136, 136: 135, 139: 140, 140: 139,
    144: 145, 145: 144,
}  # fmt: skip
PORT_PROTOCOLS = (6, 17, 132)  # TCP, UDP, SCTP
ICMP, ICMP6 = 1, 58
_MAPPED_V4 = "00000000000000000000FFFF"


def _case(value: str, mapping: dict[int, int], default: str) -> str:
    arms = " ".join(f"WHEN {k} THEN {v}" for k, v in sorted(mapping.items()))
    return f"CASE {value} {arms} ELSE {default} END"


def _hex16(number: str) -> str:
    # to_base writes lower-case digits; from_hex reads either case.
    return f"lpad(to_base({number}, 16), 4, '0')"


def community_id_sql(src_hex: str, dst_hex: str, protocol: str, sport: str, dport: str, seed: int = 0) -> str:
    """A Trino expression for the Community ID, from the addresses as 32-digit hex (vpcflow.enrichment.
    addresses.to_hex: IPv4 mapped) and the protocol and ports as integers. NULL when an input it needs is
    NULL (NODATA and SKIPDATA records carry none)."""
    if not 0 <= seed <= 0xFFFF:
        raise ValueError(f"community_id seed {seed} is not a 16-bit number")
    # The address bytes: 4 for IPv4, 16 for IPv6.
    src = f"(CASE WHEN substr({src_hex}, 1, 24) = '{_MAPPED_V4}' THEN substr({src_hex}, 25, 8) ELSE {src_hex} END)"
    dst = f"(CASE WHEN substr({dst_hex}, 1, 24) = '{_MAPPED_V4}' THEN substr({dst_hex}, 25, 8) ELSE {dst_hex} END)"
    # The port equivalents and whether the flow is one-way (never reordered).
    sp = f"(CASE WHEN {protocol} IN {PORT_PROTOCOLS} OR {protocol} IN ({ICMP}, {ICMP6}) THEN {sport} END)"
    dp = (
        f"(CASE WHEN {protocol} IN {PORT_PROTOCOLS} THEN {dport} "
        f"WHEN {protocol} = {ICMP} THEN {_case(sport, ICMP_COUNTERPARTS, dport)} "
        f"WHEN {protocol} = {ICMP6} THEN {_case(sport, ICMP6_COUNTERPARTS, dport)} END)"
    )
    one_way = (
        f"(({protocol} = {ICMP} AND {sport} NOT IN ({', '.join(map(str, sorted(ICMP_COUNTERPARTS)))})) OR "
        f"({protocol} = {ICMP6} AND {sport} NOT IN ({', '.join(map(str, sorted(ICMP6_COUNTERPARTS)))})))"
    )
    has_ports = f"({protocol} IN {PORT_PROTOCOLS} OR {protocol} IN ({ICMP}, {ICMP6}))"
    ordered = f"({one_way} OR {src} < {dst} OR ({src} = {dst} AND {sp} < {dp}))"
    head = f"'{seed:04x}'"
    proto = f"lpad(to_base({protocol}, 16), 2, '0') || '00'"
    forward = (
        f"{src} || {dst} || {proto} || (CASE WHEN {has_ports} THEN {_hex16(sp)} || {_hex16(dp)} ELSE '' END)"
    )
    reverse = (
        f"{dst} || {src} || {proto} || (CASE WHEN {has_ports} THEN {_hex16(dp)} || {_hex16(sp)} ELSE '' END)"
    )
    return (
        f"('1:' || to_base64(sha1(from_hex({head} || "
        f"(CASE WHEN {ordered} THEN {forward} ELSE {reverse} END)))))"
    )
