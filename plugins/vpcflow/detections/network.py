"""Addresses and networks as the detectors' SQL tests them: which addresses are ours (internal) and which
peers the configuration allowlists.

Athena's IPADDRESS type would do, but Trino refuses to cast a value that is not an address (a NODATA
record's NULL is fine, a stray token is not) and localaws evaluates IPv4 only; so an IPv4 address
becomes a BIGINT with split_part arithmetic and each network a numeric range. IPv6 addresses are
internal when unique-local (fc00::/7) or link-local (fe80::/10); other IPv6 networks cannot be configured.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

# RFC 1918, carrier-grade NAT (RFC 6598) and link-local: what a VPC's own addresses are drawn from.
DEFAULT_INTERNAL = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16")


class NetworkError(ValueError):
    """A network or address the configuration names that the detectors cannot use."""


@dataclass(frozen=True)
class Network:
    first: int
    last: int
    text: str

    @classmethod
    def parse(cls, text: str, what: str) -> Network:
        try:
            network = ipaddress.ip_network(text.strip(), strict=True)
        except ValueError as exc:
            raise NetworkError(f"{what}: {text!r} is not an IPv4 network or address ({exc})") from None
        if network.version != 4:
            raise NetworkError(f"{what}: {text!r} is IPv6; only IPv4 networks can be configured")
        return cls(int(network.network_address), int(network.broadcast_address), str(network))


def parse_networks(values: tuple[str, ...] | list[str], what: str) -> tuple[Network, ...]:
    return tuple(Network.parse(v, what) for v in values if v.strip())


def parse_addresses(values: tuple[str, ...] | list[str], what: str) -> tuple[str, ...]:
    """Single addresses (IPv4 or IPv6), as flow logs write them."""
    out = []
    for value in values:
        value = value.strip()
        if not value:
            continue
        try:
            out.append(str(ipaddress.ip_address(value)))
        except ValueError:
            raise NetworkError(f"{what}: {value!r} is not an IP address") from None
    return tuple(out)


def ipv4_number(column: str) -> str:
    """The IPv4 address in ``column`` as a BIGINT; NULL for anything else (IPv6, NULL, a stray token)."""
    octet = [f"try_cast(split_part({column}, '.', {i}) AS BIGINT)" for i in (1, 2, 3, 4)]
    return (
        f"CASE WHEN regexp_like({column}, '^[0-9]{{1,3}}(\\.[0-9]{{1,3}}){{3}}$') THEN "
        f"{octet[0]} * 16777216 + {octet[1]} * 65536 + {octet[2]} * 256 + {octet[3]} END"
    )


def in_networks(number: str, networks: tuple[Network, ...]) -> str:
    """SQL: the IPv4 number ``number`` lies in one of ``networks`` (FALSE when there are none)."""
    if not networks:
        return "FALSE"
    return "(" + " OR ".join(f"{number} BETWEEN {n.first} AND {n.last}" for n in networks) + ")"


def ipv6_internal(column: str) -> str:
    return f"regexp_like(lower({column}), '^(f[cd][0-9a-f]{{0,2}}|fe[89ab][0-9a-f]?):')"


def quoted(values: tuple[str, ...]) -> str:
    """Validated addresses as a SQL list (they hold only hex digits, dots and colons)."""
    return ", ".join(f"'{v}'" for v in values)
