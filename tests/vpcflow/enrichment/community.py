"""The Community ID as the maintained library computes it: the oracle the SQL is checked against."""

from __future__ import annotations

import communityid

_TUPLES = {
    6: communityid.FlowTuple.make_tcp,
    17: communityid.FlowTuple.make_udp,
    132: communityid.FlowTuple.make_sctp,
    1: communityid.FlowTuple.make_icmp,
    58: communityid.FlowTuple.make_icmp6,
}


def library_id(src: str, dst: str, protocol: int, sport: int, dport: int, seed: int = 0) -> str:
    flow = (
        _TUPLES[protocol](src, dst, sport, dport)
        if protocol in _TUPLES
        else communityid.FlowTuple.make_ip(src, dst, protocol)
    )
    return communityid.CommunityID(seed).calc(flow)
