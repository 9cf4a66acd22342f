"""Addresses as the enrichment joins compare them: one fixed-width hex string per address, and ranges cut
into buckets so that a range lookup in Athena is an equi-join plus a range check.

Athena has no cheap way to join an address to the range that holds it (a non-equi join is a cross join
with a filter). Every address is therefore written as Trino writes ``to_hex(CAST(CAST(a AS IPADDRESS) AS
VARBINARY))``: 32 upper-case hex digits, IPv4 as its IPv4-mapped IPv6 form ``::ffff:a.b.c.d``. Fixed-width
hex compares as text exactly as the addresses compare as numbers, so ``first_hex <= hex AND hex <=
last_hex`` is the range check. The bucket is the address's leading bits (IPv4's first two octets, IPv6's
first 24 bits); a range is stored once per bucket it spans, so the join first matches the bucket (equal
keys, hashed) and then checks the few ranges of that bucket.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass

_V4_MAPPED = 0xFFFF << 32
_V4_BUCKET_BITS = 16  # a /16 of IPv4: AWS's prefixes are /8 to /32, most of them /16 or longer
_V6_BUCKET_BITS = 24  # the first 24 bits of IPv6: few allocations are wider, and 2001::/16 is crowded
# A range wider than this many buckets is refused: it would swell the dimension table.
MAX_BUCKETS_PER_RANGE = 1 << 16


class AddressError(ValueError):
    """An address or a network that is not one; the message names it."""


def to_int(address: str) -> int:
    """The address as a 128-bit number (IPv4 mapped into ``::ffff:0:0/96``)."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        raise AddressError(f"{address!r} is not an IPv4 or IPv6 address") from None
    return _V4_MAPPED | int(ip) if ip.version == 4 else int(ip)


def to_hex(address: str) -> str:
    """Trino's ``to_hex(CAST(CAST(address AS IPADDRESS) AS VARBINARY))``."""
    return f"{to_int(address):032X}"


def bucket_of(number: int) -> str:
    """The bucket of a 128-bit address: as SQL computes it from the hex (see ``BUCKET_SQL``)."""
    text = f"{number:032X}"
    return text[20:28] if text[:24] == "00000000000000000000FFFF" else text[:6]


# The same as bucket_of, in Trino SQL, over a hex column or expression.
BUCKET_SQL = "CASE WHEN substr({h}, 1, 24) = '00000000000000000000FFFF' THEN substr({h}, 21, 8) ELSE substr({h}, 1, 6) END"


@dataclass(frozen=True)
class Range:
    """A closed range of addresses as 128-bit numbers, with the prefix length it came from."""

    first: int
    last: int
    prefix_length: int

    @property
    def first_hex(self) -> str:
        return f"{self.first:032X}"

    @property
    def last_hex(self) -> str:
        return f"{self.last:032X}"

    def buckets(self) -> Iterator[str]:
        """Every bucket the range touches, in order."""
        mapped = self.first >> 32 == 0xFFFF and self.last >> 32 == 0xFFFF
        shift = 128 - 96 - _V4_BUCKET_BITS if mapped else 128 - _V6_BUCKET_BITS
        low, high = self.first >> shift, self.last >> shift
        if high - low + 1 > MAX_BUCKETS_PER_RANGE:
            raise AddressError(f"range {self.first_hex}-{self.last_hex} spans {high - low + 1} buckets")
        for value in range(low, high + 1):
            yield bucket_of(value << shift)


def network(cidr: str) -> Range:
    """``10.0.0.0/16`` or ``2600:1f00::/24`` as a Range; AddressError names a bad one."""
    try:
        net = ipaddress.ip_network(cidr.strip(), strict=False)
    except ValueError:
        raise AddressError(f"{cidr!r} is not a CIDR network (a.b.c.d/n or an IPv6 prefix)") from None
    first, last = int(net.network_address), int(net.broadcast_address)
    if net.version == 4:
        return Range(_V4_MAPPED | first, _V4_MAPPED | last, net.prefixlen + 96)
    return Range(first, last, net.prefixlen)


# Addresses that are never on the internet: RFC 1918, shared (RFC 6598), loopback, link-local, unique local
# (RFC 4193) and IPv6 link-local (IANA's special-purpose registries). A peer here is "private".
PRIVATE_NETWORKS = (
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "fc00::/7",
    "fe80::/10",
    "::1/128",
)


def private_sql(hex_expression: str) -> str:
    """A Trino boolean: the address (as its hex) lies in one of PRIVATE_NETWORKS."""
    checks = []
    for cidr in PRIVATE_NETWORKS:
        r = network(cidr)
        checks.append(f"{hex_expression} BETWEEN '{r.first_hex}' AND '{r.last_hex}'")
    return "(" + " OR ".join(checks) + ")"


def is_private(address: str) -> bool:
    number = to_int(address)
    return any(network(c).first <= number <= network(c).last for c in PRIVATE_NETWORKS)
