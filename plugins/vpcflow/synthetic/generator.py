"""Synthetic VPC Flow Logs (default format, version 2) for demos, tests and benchmarks.

Deterministic for a seed: the same seed and hour always give the same lines, whatever other hours are
generated. A seed fixes a small estate (accounts, VPCs, subnets, ENIs, peers); each hour then gets its
own ``random.Random`` and carries, in proportions set by GeneratorConfig:

- ordinary traffic following a daily curve: HTTPS/HTTP from the internet to web servers, egress HTTPS and
  NTP, internal app/database/DNS traffic, SSH and RDP from a bastion, ICMP, some IPv6 (2001:db8::/32);
- internet noise against closed ports (REJECT);
- a port scan of one web server and an SSH brute-force burst against the bastion (almost all REJECT);
- NODATA and SKIPDATA records with '-' fields, as AWS writes them;
- malformed lines (truncated, garbage, a non-numeric time, an extra field) that the blog's regex rejects.

Attackers and scanners only use the documentation ranges 198.51.100.0/24, 203.0.113.0/24 and 192.0.2.0/24.

Two sinks, both in vpcflow.synthetic.sinks: S3 objects in Firehose's layout (for history and backfills),
or a CloudWatch Logs group (so records travel subscription -> Lambda -> Firehose -> S3 live).
"""

from __future__ import annotations

import math
import random
import string
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

HOUR = 3600
_ALNUM = string.ascii_letters + string.digits + "+/=_"


class GeneratorError(ValueError):
    """Bad generator input; the message names it."""


@dataclass(frozen=True)
class GeneratorConfig:
    """What to generate. Shares are of each hour's lines; ``rejected`` is of its ordinary traffic.

    :param records_per_hour: lines per hour on average over a day (exactly, without the daily curve)
    :param seed: fixes the estate and every hour's lines
    :param malformed: share of malformed lines
    :param nodata: share of NODATA records
    :param skipdata: share of SKIPDATA records
    :param port_scan: share of port-scan records (one scanner, one target, distinct ports)
    :param brute_force: share of SSH brute-force records against the bastion
    :param rejected: share of the remaining ordinary traffic that is internet noise to closed ports (REJECT)
    :param daily_curve: vary the volume over the day (low at night UTC, peak mid-afternoon)
    :param accounts: how many AWS accounts' VPCs the estate spans
    :param log_format: a LogFormat (``${version} ${vpc-id} ...``) to write the records in; empty: the
        default format. Fields beyond version 2 carry what AWS would write for each record's interface.
    """

    records_per_hour: int = 5000
    seed: int = 7
    malformed: float = 0.001
    nodata: float = 0.005
    skipdata: float = 0.001
    port_scan: float = 0.01
    brute_force: float = 0.005
    rejected: float = 0.03
    daily_curve: bool = True
    accounts: int = 3
    log_format: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.records_per_hour, int) or self.records_per_hour < 0:
            raise GeneratorError(
                f"records_per_hour must be a whole number >= 0, not {self.records_per_hour!r}"
            )
        for name in ("malformed", "nodata", "skipdata", "port_scan", "brute_force", "rejected"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not 0 <= value <= 1:
                raise GeneratorError(f"{name} must be a share between 0 and 1, not {value!r}")
        special = self.malformed + self.nodata + self.skipdata + self.port_scan + self.brute_force
        if special > 0.5:
            raise GeneratorError(
                f"malformed + nodata + skipdata + port_scan + brute_force is {special:.3f}; keep it <= 0.5 "
                "so ordinary traffic stays the majority"
            )
        if not 1 <= self.accounts <= 20:
            raise GeneratorError(f"accounts must be between 1 and 20, not {self.accounts!r}")
        from vpcflow.model.formats import FlowLogFormatError, parse_log_format

        try:
            parse_log_format(self.log_format)
        except FlowLogFormatError as exc:
            raise GeneratorError(f"log_format is invalid: {exc}") from None


@dataclass
class HourSummary:
    """What one generated hour holds: the expected answers for tests and the demo."""

    hour: datetime
    lines: int = 0
    records: int = 0  # lines the blog's regex reads (lines - malformed)
    accepted: int = 0
    rejected: int = 0
    nodata: int = 0
    skipdata: int = 0
    malformed: int = 0
    port_scan: int = 0
    brute_force: int = 0
    ipv6: int = 0
    bytes: int = 0
    packets: int = 0
    start_outside_hour: int = 0  # OK records whose start lies before the hour (flows that began earlier)
    rejects_by_source: Counter[str] = field(default_factory=Counter)
    objects: list[str] = field(default_factory=list)  # S3 keys or "log-group:stream" where it went

    @property
    def partition(self) -> str:
        return self.hour.strftime("%Y-%m-%d-%H")

    def as_dict(self) -> dict[str, Any]:
        return {
            "hour": self.hour.strftime("%Y-%m-%dT%H:00:00Z"),
            "partition": self.partition,
            "lines": self.lines,
            "records": self.records,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "nodata": self.nodata,
            "skipdata": self.skipdata,
            "malformed": self.malformed,
            "port_scan": self.port_scan,
            "brute_force": self.brute_force,
            "ipv6": self.ipv6,
            "bytes": self.bytes,
            "packets": self.packets,
            "start_outside_hour": self.start_outside_hour,
            "top_rejected_sources": self.rejects_by_source.most_common(5),
            "objects": list(self.objects),
        }


@dataclass
class HourBatch:
    """One hour's lines in time order, with each line's event time in epoch milliseconds."""

    hour: datetime
    lines: list[str]
    timestamps_ms: list[int]
    summary: HourSummary


# --- the estate -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Interface:
    account: str
    eni: str
    ipv4: str
    ipv6: str | None
    role: str  # web, app, db, bastion, dns, windows, batch

    @property
    def prefix(self) -> str:
        return f"2 {self.account} {self.eni} "


# Roles per account and how many ENIs each has.
_ROLES = (("web", 3), ("app", 4), ("db", 2), ("bastion", 1), ("dns", 1), ("windows", 1), ("batch", 2))
_IPV6_ROLES = {"web", "app"}
# First octets of public-looking peers (large cloud/CDN/ISP blocks; never private or reserved ranges).
_PUBLIC_FIRST_OCTETS = (3, 13, 18, 23, 34, 35, 52, 54, 64, 72, 80, 91, 104, 142, 151, 157, 185, 212)
_DOC_NETS = ("198.51.100", "203.0.113", "192.0.2")


@dataclass(frozen=True)
class Estate:
    interfaces: tuple[Interface, ...]
    by_role: dict[str, tuple[Interface, ...]]
    clients: tuple[str, ...]  # internet clients of the web servers
    servers: tuple[str, ...]  # internet services the estate calls (443/80)
    ntp: tuple[str, ...]
    clients6: tuple[str, ...]
    servers6: tuple[str, ...]
    scanners: tuple[str, ...]  # attackers: documentation ranges only
    brute_forcers: tuple[str, ...]


def _public_ip(rng: random.Random) -> str:
    return f"{rng.choice(_PUBLIC_FIRST_OCTETS)}.{rng.randrange(0, 256)}.{rng.randrange(0, 256)}.{rng.randrange(1, 255)}"


def _doc_ip(rng: random.Random) -> str:
    return f"{rng.choice(_DOC_NETS)}.{rng.randrange(1, 255)}"


def build_estate(seed: int, accounts: int = 3) -> Estate:
    """The accounts, ENIs and peers for a seed: the same seed always gives the same estate."""
    rng = random.Random(f"vpcflow:{seed}:estate")
    interfaces: list[Interface] = []
    second_octets = rng.sample(range(1, 255), accounts)
    for index in range(accounts):
        account = str(rng.randrange(10**11, 10**12))
        vpc = second_octets[index]
        subnets = sorted(rng.sample(range(0, 64), 4))
        for role, count in _ROLES:
            for _ in range(count):
                subnet = subnets[0] if role in ("web", "bastion") else rng.choice(subnets[1:])
                host = rng.randrange(4, 251)
                ipv4 = f"10.{vpc}.{subnet}.{host}"
                eni = "eni-" + "".join(rng.choices("0123456789abcdef", k=17))
                ipv6 = f"2001:db8:{vpc:x}:{subnet:x}::{host:x}" if role in _IPV6_ROLES else None
                interfaces.append(Interface(account, eni, ipv4, ipv6, role))
    # One address per interface: redraw hosts that collided inside a subnet.
    seen: set[str] = set()
    unique: list[Interface] = []
    for iface in interfaces:
        ipv4 = iface.ipv4
        while ipv4 in seen:
            base = ipv4.rsplit(".", 1)[0]
            ipv4 = f"{base}.{rng.randrange(4, 251)}"
        seen.add(ipv4)
        unique.append(Interface(iface.account, iface.eni, ipv4, iface.ipv6, iface.role))
    by_role: dict[str, list[Interface]] = {}
    for iface in unique:
        by_role.setdefault(iface.role, []).append(iface)
    clients = [_public_ip(rng) for _ in range(300)] + [_doc_ip(rng) for _ in range(60)]
    return Estate(
        interfaces=tuple(unique),
        by_role={role: tuple(members) for role, members in by_role.items()},
        clients=tuple(clients),
        servers=tuple(_public_ip(rng) for _ in range(40)),
        ntp=tuple(_public_ip(rng) for _ in range(4)),
        clients6=tuple(
            f"2001:db8:ffff:{rng.randrange(1, 0xFFFF):x}::{rng.randrange(1, 0xFFFF):x}" for _ in range(50)
        ),
        servers6=tuple(
            f"2001:db8:fffe:{rng.randrange(1, 0xFFFF):x}::{rng.randrange(1, 0xFFFF):x}" for _ in range(10)
        ),
        scanners=tuple(f"203.0.113.{h}" for h in rng.sample(range(1, 255), 4))
        + tuple(f"198.51.100.{h}" for h in rng.sample(range(1, 255), 2)),
        brute_forcers=tuple(f"192.0.2.{h}" for h in rng.sample(range(1, 255), 4)),
    )


# --- hours ----------------------------------------------------------------------------------------------


def parse_hour(text: str | datetime, what: str = "hour") -> datetime:
    """``2026-11-26T00``, ``2026-11-26T00:00``, ``...Z`` or a datetime -> an aware UTC datetime on the hour."""
    if isinstance(text, datetime):
        value = text if text.tzinfo else text.replace(tzinfo=UTC)
    else:
        raw = text.strip().removesuffix("Z").removesuffix("+00:00")
        for pattern in ("%Y-%m-%dT%H", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d-%H", "%Y-%m-%d"):
            try:
                value = datetime.strptime(raw, pattern).replace(tzinfo=UTC)
                break
            except ValueError:
                continue
        else:
            raise GeneratorError(f"{what} {text!r} is not a UTC hour like 2026-11-26T00")
    value = value.astimezone(UTC)
    if value.minute or value.second or value.microsecond:
        raise GeneratorError(f"{what} {text!r} is not on the hour")
    return value


def hours_between(start: str | datetime, end: str | datetime) -> list[datetime]:
    """The hours of [start, end)."""
    first, stop = parse_hour(start, "start"), parse_hour(end, "end")
    if stop <= first:
        raise GeneratorError(f"end {stop:%Y-%m-%dT%H} must be after start {first:%Y-%m-%dT%H}")
    return [first + timedelta(hours=i) for i in range(int((stop - first).total_seconds()) // HOUR)]


def hour_volume(hour: datetime, config: GeneratorConfig, rng: random.Random) -> int:
    """Lines in this hour: records_per_hour, shaped by the daily curve (mean 1 over a day) and a 5% jitter."""
    if not config.daily_curve:
        return config.records_per_hour
    factor = 1 + 0.6 * math.sin(2 * math.pi * (hour.hour - 8) / 24)
    factor *= 0.95 + 0.1 * rng.random()
    return round(config.records_per_hour * factor)


# --- one hour -------------------------------------------------------------------------------------------


class _Hour:
    """Accumulates one hour's lines; keeps the summary exact as it goes."""

    def __init__(self, hour: datetime, rng: random.Random):
        self.h0 = int(hour.timestamp())
        self.rng = rng
        self.rows: list[tuple[int, str]] = []
        self.summary = HourSummary(hour=hour)

    def start(self) -> int:
        """A start time inside the hour; about 1% of flows began up to 90 s before it (AWS reports those)."""
        r = self.rng.random()
        if r < 0.01:
            return self.h0 - 1 - int(r * 9000)
        return self.h0 + int(r * HOUR)

    def ok(
        self,
        iface: Interface,
        src: str,
        dst: str,
        sport: int,
        dport: int,
        proto: int,
        packets: int,
        nbytes: int,
        start: int,
        end: int,
        action: str,
    ) -> None:
        line = (
            f"{iface.prefix}{src} {dst} {sport} {dport} {proto} {packets} {nbytes} {start} {end} {action} OK"
        )
        self.rows.append((start, line))
        s = self.summary
        s.bytes += nbytes
        s.packets += packets
        if action == "REJECT":
            s.rejected += 1
            s.rejects_by_source[src] += 1
        else:
            s.accepted += 1
        if ":" in src:
            s.ipv6 += 1
        if start < self.h0:
            s.start_outside_hour += 1


def _tcp_bytes(r: random.Random, mean_packets: float) -> tuple[int, int]:
    packets = 1 + int(-mean_packets * math.log(1.0 - r.random()))
    return packets, packets * 40 + int(r.random() * packets * 1400)


def _ordinary(h: _Hour, estate: Estate, count: int) -> None:
    """Ordinary traffic: each record is one direction of a connection, logged on one of our ENIs."""
    rng = h.rng
    r = rng.random
    roles = estate.by_role
    web, app, db = roles["web"], roles["app"], roles["db"]
    bastion, dns, windows, batch = roles["bastion"], roles["dns"], roles["windows"], roles["batch"]
    everyone = estate.interfaces
    outbound = web + app + batch
    v6_web = tuple(i for i in web if i.ipv6)
    v6_out = tuple(i for i in outbound if i.ipv6)
    # (name, weight): the mix of services.
    profiles = (
        ("https_in", 30),
        ("http_in", 5),
        ("https_out", 22),
        ("app", 10),
        ("db", 8),
        ("dns", 10),
        ("ntp", 2),
        ("ssh", 3),
        ("rdp", 1),
        ("icmp", 1),
        ("https_in6", 5),
        ("https_out6", 3),
    )
    picks = Counter(rng.choices([p for p, _ in profiles], weights=[w for _, w in profiles], k=count))

    def pick(seq: tuple[Any, ...]) -> Any:
        return seq[int(r() * len(seq))]

    def eph() -> int:
        return 32768 + int(r() * 28232)

    for name, _ in profiles:
        for _ in range(picks[name]):
            start = h.start()
            end = start + int(r() * 60)
            reply = r() < 0.5
            if name in ("https_in", "http_in", "https_in6"):
                v6 = name == "https_in6"
                iface = pick(v6_web if v6 else web)
                client, server = (
                    pick(estate.clients6 if v6 else estate.clients),
                    iface.ipv6 if v6 else iface.ipv4,
                )
                port = 80 if name == "http_in" else 443
                packets, nbytes = _tcp_bytes(rng, 12 if reply else 8)
                if reply:
                    h.ok(iface, server, client, port, eph(), 6, packets, nbytes * 4, start, end, "ACCEPT")
                else:
                    h.ok(iface, client, server, eph(), port, 6, packets, nbytes, start, end, "ACCEPT")
            elif name in ("https_out", "https_out6"):
                v6 = name == "https_out6"
                iface = pick(v6_out if v6 else outbound)
                ours, theirs = (
                    (iface.ipv6, pick(estate.servers6)) if v6 else (iface.ipv4, pick(estate.servers))
                )
                port = 443 if r() < 0.9 else 80
                packets, nbytes = _tcp_bytes(rng, 10)
                if reply:
                    h.ok(iface, theirs, ours, port, eph(), 6, packets, nbytes * 6, start, end, "ACCEPT")
                else:
                    h.ok(iface, ours, theirs, eph(), port, 6, packets, nbytes, start, end, "ACCEPT")
            elif name in ("app", "db", "ssh", "rdp", "dns"):
                client_pool, server_pool, port, proto = {
                    "app": (web, app, 8080, 6),
                    "db": (app + batch, db, 5432, 6),
                    "ssh": (bastion, app + db + batch, 22, 6),
                    "rdp": (bastion, windows, 3389, 6),
                    "dns": (everyone, dns, 53, 17),
                }[name]
                client, server = pick(client_pool), pick(server_pool)
                if proto == 17:
                    packets = 1 + int(r() * 3)
                    nbytes = packets * (60 + int(r() * 200))
                else:
                    packets, nbytes = _tcp_bytes(rng, 20)
                # An internal flow is logged on the interface at either end.
                iface = client if r() < 0.5 else server
                if reply:
                    h.ok(
                        iface,
                        server.ipv4,
                        client.ipv4,
                        port,
                        eph(),
                        proto,
                        packets,
                        nbytes,
                        start,
                        end,
                        "ACCEPT",
                    )
                else:
                    h.ok(
                        iface,
                        client.ipv4,
                        server.ipv4,
                        eph(),
                        port,
                        proto,
                        packets,
                        nbytes,
                        start,
                        end,
                        "ACCEPT",
                    )
            elif name == "ntp":
                iface = pick(everyone)
                server = pick(estate.ntp)
                if reply:
                    h.ok(iface, server, iface.ipv4, 123, 123, 17, 1, 76, start, end, "ACCEPT")
                else:
                    h.ok(iface, iface.ipv4, server, 123, 123, 17, 1, 76, start, end, "ACCEPT")
            else:  # icmp echo from the internet to a web server
                iface = pick(web)
                packets = 1 + int(r() * 4)
                h.ok(
                    iface,
                    pick(estate.clients),
                    iface.ipv4,
                    0,
                    0,
                    1,
                    packets,
                    packets * 84,
                    start,
                    end,
                    "ACCEPT",
                )


_CLOSED_PORTS = (23, 445, 1433, 3306, 3389, 5900, 6379, 8080, 9200, 2375)


def _noise(h: _Hour, estate: Estate, count: int) -> None:
    """Internet background: single SYNs to closed ports on random interfaces, rejected."""
    r = h.rng.random
    interfaces = estate.interfaces
    for _ in range(count):
        iface = interfaces[int(r() * len(interfaces))]
        src = f"{_PUBLIC_FIRST_OCTETS[int(r() * len(_PUBLIC_FIRST_OCTETS))]}.{int(r() * 256)}.{int(r() * 256)}.{1 + int(r() * 254)}"
        start = h.start()
        packets = 1 + int(r() * 2)
        dport = _CLOSED_PORTS[int(r() * len(_CLOSED_PORTS))]
        h.ok(
            iface,
            src,
            iface.ipv4,
            1024 + int(r() * 64000),
            dport,
            6,
            packets,
            packets * 40,
            start,
            start + int(r() * 5),
            "REJECT",
        )


def _port_scan(h: _Hour, estate: Estate, count: int) -> None:
    """One scanner sweeps distinct ports of one web server within ~10 minutes; only 80 and 443 answer."""
    rng = h.rng
    if not count:
        return
    count = min(count, 65535)
    scanner = rng.choice(estate.scanners)
    target = rng.choice(estate.by_role["web"])
    burst = h.h0 + rng.randrange(0, HOUR - 600)
    sport = rng.randrange(40000, 65000)
    ports = rng.sample(range(1, 65536), count)
    for i, port in enumerate(ports):
        start = burst + (i * 600) // count
        action = "ACCEPT" if port in (80, 443) else "REJECT"
        h.ok(target, scanner, target.ipv4, sport, port, 6, 1, 44, start, start + 1, action)
    h.summary.port_scan += count


def _brute_force(h: _Hour, estate: Estate, count: int) -> None:
    """SSH password guessing against the bastion from one address within ~15 minutes; the SG rejects it."""
    rng = h.rng
    r = rng.random
    if not count:
        return
    attacker = rng.choice(estate.brute_forcers)
    target = rng.choice(estate.by_role["bastion"])
    burst = h.h0 + rng.randrange(0, HOUR - 900)
    for _ in range(count):
        start = burst + int(r() * 900)
        packets = 1 + int(r() * 3)  # SYN and its retransmissions
        h.ok(
            target,
            attacker,
            target.ipv4,
            32768 + int(r() * 28232),
            22,
            6,
            packets,
            packets * 60,
            start,
            start + int(r() * 10),
            "REJECT",
        )
    h.summary.brute_force += count


def _no_flow(h: _Hour, estate: Estate, count: int, status: str) -> None:
    """NODATA/SKIPDATA: no flow fields, a capture window per interface (never the same window twice)."""
    if not count:
        return
    interfaces = estate.interfaces
    slots = len(interfaces) * 60
    step = 60
    if count > slots:  # more windows than interface-minutes: use seconds
        slots, step = len(interfaces) * HOUR, 1
    for slot in h.rng.sample(range(slots), min(count, slots)):
        iface = interfaces[slot % len(interfaces)]
        start = h.h0 + (slot // len(interfaces)) * step
        end = start + 55 + int(h.rng.random() * 10)
        h.rows.append((start, f"{iface.prefix}- - - - - - - {start} {end} - {status}"))
    if status == "NODATA":
        h.summary.nodata += min(count, slots)
    else:
        h.summary.skipdata += min(count, slots)


def _malformed(h: _Hour, count: int) -> None:
    """Lines no flow log reader should accept: truncated, garbage, a non-numeric time, an extra field."""
    rng = h.rng
    valid = [line for _, line in h.rows if line.endswith(" OK")]
    for _ in range(count):
        kind = rng.randrange(4) if valid else 1
        if kind == 0:
            line = rng.choice(valid)
            cut = rng.randrange(1, line.rindex(" "))  # before the last separator: at most 13 fields remain
            bad = line[:cut].rstrip() or "2"
        elif kind == 1:
            bad = "".join(rng.choices(_ALNUM, k=rng.randrange(8, 120)))
        elif kind == 2:
            parts = rng.choice(valid).split(" ")
            parts[10] = parts[10][:4] + "x" + parts[10][5:]
            bad = " ".join(parts)
        else:
            bad = rng.choice(valid) + " " + "".join(rng.choices(_ALNUM, k=6))
        h.rows.append((h.h0 + rng.randrange(HOUR), bad))
    h.summary.malformed += count


def _dedupe(h: _Hour) -> None:
    """No two OK records alike (a quality check counts duplicates): bump the bytes of a repeat."""
    seen: set[str] = set()
    for index, (ts, line) in enumerate(h.rows):
        while line in seen and line.endswith(" OK"):
            parts = line.split(" ")
            parts[9] = str(int(parts[9]) + 1)
            h.summary.bytes += 1
            line = " ".join(parts)
        seen.add(line)
        h.rows[index] = (ts, line)


def generate_hour(
    hour: str | datetime, config: GeneratorConfig | None = None, estate: Estate | None = None
) -> HourBatch:
    """One hour of flow log lines, sorted by event time, with its exact summary."""
    config = config or GeneratorConfig()
    hour = parse_hour(hour)
    estate = estate or build_estate(config.seed, config.accounts)
    rng = random.Random(f"vpcflow:{config.seed}:{hour:%Y-%m-%dT%H}")
    total = hour_volume(hour, config, rng)
    n_malformed = round(total * config.malformed)
    n_nodata = round(total * config.nodata)
    n_skipdata = round(total * config.skipdata)
    n_scan = round(total * config.port_scan)
    n_brute = round(total * config.brute_force)
    n_ordinary = max(0, total - n_malformed - n_nodata - n_skipdata - n_scan - n_brute)
    n_noise = round(n_ordinary * config.rejected)

    h = _Hour(hour, rng)
    _ordinary(h, estate, n_ordinary - n_noise)
    _noise(h, estate, n_noise)
    _port_scan(h, estate, n_scan)
    _brute_force(h, estate, n_brute)
    _no_flow(h, estate, n_nodata, "NODATA")
    _no_flow(h, estate, n_skipdata, "SKIPDATA")
    _dedupe(h)
    _malformed(h, n_malformed)
    h.rows.sort(key=lambda row: row[0])
    if config.log_format:
        from vpcflow.model.formats import parse_log_format
        from vpcflow.synthetic.custom_format import converter

        convert = converter(parse_log_format(config.log_format), estate.interfaces)
        h.rows = [(ts, convert(line)) for ts, line in h.rows]
    summary = h.summary
    summary.lines = len(h.rows)
    summary.records = summary.lines - summary.malformed
    return HourBatch(
        hour=hour,
        lines=[line for _, line in h.rows],
        timestamps_ms=[ts * 1000 for ts, _ in h.rows],
        summary=summary,
    )


def generate(
    start: str | datetime,
    end: str | datetime,
    config: GeneratorConfig | None = None,
    estate: Estate | None = None,
) -> Iterator[HourBatch]:
    """Every hour of [start, end), one HourBatch at a time (memory stays one hour's worth). ``estate``:
    the seed's estate with EC2's own interface ids (vpcflow.synthetic.ec2_estate.place)."""
    config = config or GeneratorConfig()
    hours = hours_between(start, end)
    estate = estate or build_estate(config.seed, config.accounts)
    for hour in hours:
        yield generate_hour(hour, config, estate)
