"""IANA's protocol keywords and well-known service names, from the copies the operating system keeps.

Debian's (and most distributions') netbase package maintains /etc/protocols and /etc/services from IANA's
"Protocol Numbers" and "Service Name and Transport Protocol Port Number" registries; reading them keeps
vpcflow's names as current as the image it runs on, with no list of its own to drift. Absent files give
empty tables (the names are then NULL), with a warning naming the file.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)

PROTOCOLS_FILE = Path("/etc/protocols")
SERVICES_FILE = Path("/etc/services")
_TRANSPORTS = {"tcp": 6, "udp": 17, "sctp": 132}


def _lines(path: Path) -> Iterator[list[str]]:
    if not path.is_file():
        log.warning("%s is absent (Debian's netbase package installs it): its names stay NULL", path)
        return
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        fields = line.split("#", 1)[0].split()
        if fields:
            yield fields


def protocols(path: Path = PROTOCOLS_FILE) -> list[dict[str, object]]:
    """``name number [aliases]`` lines: number -> IANA keyword (TCP, UDP, ICMP, IPv6-ICMP...)."""
    rows: dict[int, str] = {}
    for fields in _lines(path):
        if len(fields) >= 2 and fields[1].isdigit():
            # The alias column carries IANA's spelling (TCP, IPv6-ICMP); the first is the lower-case name.
            rows.setdefault(int(fields[1]), fields[2] if len(fields) > 2 else fields[0].upper())
    return [{"number": number, "name": name} for number, name in sorted(rows.items())]


def services(path: Path = SERVICES_FILE) -> list[dict[str, object]]:
    """``name port/transport [aliases]`` lines: (port, protocol number) -> service name."""
    rows: dict[tuple[int, int], str] = {}
    for fields in _lines(path):
        if len(fields) < 2 or "/" not in fields[1]:
            continue
        port, _, transport = fields[1].partition("/")
        if port.isdigit() and transport in _TRANSPORTS:
            rows.setdefault((int(port), _TRANSPORTS[transport]), fields[0])
    return [{"port": p, "protocol": t, "name": n} for (p, t), n in sorted(rows.items())]
