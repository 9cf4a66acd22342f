"""Weeks of flow logs with labelled incidents and benign look-alikes, to measure detections against.

The ordinary traffic of each hour is vpcflow.synthetic.generator's (its own per-hour port scan and brute
force turned off, so that every attack in the data is labelled). On top of it, deterministic for a seed:

- **incidents** (labelled, in the scored days only): vertical and horizontal port scans, SSH/RDP brute
  force, exfiltration to one external peer, a first-seen external peer on a sensitive port, cryptomining
  and C2 beacons on their usual ports, REJECT floods, SKIPDATA bursts and a busy interface gone silent;
- **look-alikes** (every day, history included): load-balancer health checks, a monitoring system that
  scrapes every interface, an internal vulnerability scanner the configuration allowlists, a nightly
  backup's large egress, deployment bursts of SSH sessions, marketing-campaign traffic spikes, an ETL
  interface busy only at night, and administrators connecting from an office range (allowlisted) and
  from home (seen every working day).

``Label`` says which detectors must find an incident (recall) and which may also fire on it without
counting as a false positive (a port scan is also a REJECT surge on its target). The days before
``history_days`` hold look-alikes only: they give the baselines a past, as a deployment's earlier weeks do.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from vpcflow.synthetic.generator import (
    HOUR,
    Estate,
    GeneratorConfig,
    HourBatch,
    HourSummary,
    Interface,
    build_estate,
)
from vpcflow.synthetic.generator import generate_hour as ordinary_hour

# Public-looking first octets for the scenario's own external actors; the estate's peers use others.
_ACTOR_OCTETS = (45, 77, 89, 92, 103, 146, 167, 176, 193, 194, 195, 203)
MINING_PORTS = (3333, 4444, 5555, 7777, 14444, 45700)
C2_PORTS = (1337, 4444, 31337, 50050)
_EPHEMERAL = (32768, 60999)


@dataclass(frozen=True)
class Label:
    """One labelled event: when, who, and which detectors should (``expect``) or may (``accept``) fire."""

    id: str
    kind: str
    malicious: bool
    start: datetime  # first hour
    end: datetime  # the hour after the last
    expect: tuple[str, ...]
    accept: tuple[str, ...] = ()
    addresses: frozenset[str] = frozenset()
    interfaces: frozenset[str] = frozenset()
    note: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "kind": self.kind,
            "malicious": self.malicious,
            "start": f"{self.start:%Y-%m-%dT%H}",
            "end": f"{self.end:%Y-%m-%dT%H}",
            "expect": list(self.expect),
            "accept": list(self.accept),
            "addresses": sorted(self.addresses),
            "interfaces": sorted(self.interfaces),
            "note": self.note,
        }


@dataclass(frozen=True)
class ScenarioConfig:
    """:param seed: fixes the estate, the schedule and every line
    :param records_per_hour: ordinary traffic per hour on average (the generator's daily curve applies)
    :param history_days: days of look-alikes only before the scored days
    :param days: scored days, with incidents unless ``incidents`` is False (a benign week)"""

    seed: int = 1
    records_per_hour: int = 3000
    history_days: int = 7
    days: int = 7
    incidents: bool = True
    accounts: int = 3

    def __post_init__(self) -> None:
        if self.days < 1 or self.history_days < 0:
            raise ValueError(f"days={self.days} must be >= 1 and history_days={self.history_days} >= 0")
        if self.records_per_hour < 100:
            raise ValueError(f"records_per_hour={self.records_per_hour} is too small to carry the scenario")


Row = tuple[int, str]


@dataclass
class Activity:
    """Lines added to some hours (``emit``), or an interface's lines taken away (``mute``)."""

    name: str
    hours: set[datetime]
    emit: Callable[[datetime, random.Random], list[Row]] | None = None
    mute: frozenset[str] = frozenset()


@dataclass
class Scenario:
    config: ScenarioConfig
    start: datetime  # the first history hour
    scored_from: datetime
    end: datetime
    estate: Estate
    labels: list[Label] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    allow_scanners: tuple[str, ...] = ()
    allow_cidrs: tuple[str, ...] = ()

    @property
    def hours(self) -> list[datetime]:
        return [
            self.start + timedelta(hours=i) for i in range(int((self.end - self.start) / timedelta(hours=1)))
        ]

    @property
    def scored_hours(self) -> list[datetime]:
        return [h for h in self.hours if h >= self.scored_from]

    def environment(self) -> dict[str, str]:
        """The detections' allowlists this scenario's estate is deployed with (VPCFLOW_DETECT_*)."""
        return {
            "VPCFLOW_DETECT_ALLOW_SCANNERS": ",".join(self.allow_scanners),
            "VPCFLOW_DETECT_ALLOW_CIDRS": ",".join(self.allow_cidrs),
        }

    def batch(self, hour: datetime) -> HourBatch:
        """The hour's ordinary traffic with every activity of the hour applied; summary kept exact."""
        base = ordinary_hour(hour, self._generator(), self.estate)
        muted = {eni for a in self.activities if hour in a.hours for eni in a.mute}
        rows = list(zip((t // 1000 for t in base.timestamps_ms), base.lines, strict=True))
        for activity in self.activities:
            if hour in activity.hours and activity.emit is not None:
                rng = random.Random(f"vpcflow:{self.config.seed}:{activity.name}:{hour:%Y-%m-%dT%H}")
                rows.extend(activity.emit(hour, rng))
        # A muted interface has no record at all, whoever's traffic it would have captured.
        rows = [row for row in rows if not muted or _interface(row[1]) not in muted]
        rows.sort(key=lambda row: row[0])
        return HourBatch(
            hour, [line for _, line in rows], [ts * 1000 for ts, _ in rows], _summary(hour, rows)
        )

    def batches(self, hours: list[datetime] | None = None) -> Iterator[HourBatch]:
        for hour in self.hours if hours is None else hours:
            yield self.batch(hour)

    def _generator(self) -> GeneratorConfig:
        return GeneratorConfig(
            records_per_hour=self.config.records_per_hour,
            seed=self.config.seed,
            port_scan=0.0,
            brute_force=0.0,
            accounts=self.config.accounts,
        )


# --- lines ----------------------------------------------------------------------------------------------


def _summary(hour: datetime, rows: list[Row]) -> HourSummary:
    """The hour's summary counted from its final lines (the generator's own is of its lines only)."""
    from vpcflow.model.formats import DEFAULT_FORMAT

    summary = HourSummary(hour=hour, lines=len(rows))
    h0 = _h0(hour)
    for _, line in rows:
        record = DEFAULT_FORMAT.typed_row(line)
        if record is None:
            summary.malformed += 1
        elif record["log-status"] in ("NODATA", "SKIPDATA"):
            summary.nodata += record["log-status"] == "NODATA"
            summary.skipdata += record["log-status"] == "SKIPDATA"
        else:
            rejected = record["action"] == "REJECT"
            summary.rejected += rejected
            summary.accepted += not rejected
            if rejected:
                summary.rejects_by_source[record["srcaddr"]] += 1
            summary.bytes += record["bytes"] or 0
            summary.packets += record["packets"] or 0
            summary.ipv6 += ":" in record["srcaddr"]
            summary.start_outside_hour += (record["start"] or h0) < h0
    summary.records = summary.lines - summary.malformed
    return summary


def _interface(line: str) -> str | None:
    parts = line.split(" ", 3)
    return parts[2] if len(parts) > 3 else None


def _flow(iface: Interface, src: str, dst: str, sport: int, dport: int, proto: int, packets: int,
          nbytes: int, start: int, end: int, action: str) -> Row:  # fmt: skip
    return start, (
        f"{iface.prefix}{src} {dst} {sport} {dport} {proto} {packets} {nbytes} {start} {max(end, start)} "
        f"{action} OK"
    )


def _eph(rng: random.Random) -> int:
    return rng.randint(*_EPHEMERAL)


def _h0(hour: datetime) -> int:
    return int(hour.timestamp())


def _hours(first: datetime, count: int) -> set[datetime]:
    return {first + timedelta(hours=i) for i in range(count)}


class _Builder:
    """Draws the schedule: actors, times and sizes, from one seeded random stream."""

    def __init__(self, scenario: Scenario):
        self.s = scenario
        self.rng = random.Random(f"vpcflow:{scenario.config.seed}:scenario")
        self.used: set[str] = {i.ipv4 for i in scenario.estate.interfaces}
        self.used |= set(scenario.estate.clients) | set(scenario.estate.servers) | set(scenario.estate.ntp)
        accounts = sorted({i.account for i in scenario.estate.interfaces})
        self.home = accounts[0]  # the account whose VPC the look-alikes live in
        # Interfaces an incident must not use: muted ones (the ETL interface outside its hours, a silent
        # incident's) carry no record at all, so an incident there would leave nothing to detect.
        self.reserved: set[str] = set()

    # actors
    def external(self) -> str:
        while True:
            r = self.rng
            address = (
                f"{r.choice(_ACTOR_OCTETS)}.{r.randrange(1, 255)}.{r.randrange(0, 256)}.{r.randrange(1, 255)}"
            )
            if address not in self.used:
                self.used.add(address)
                return address

    def internal_host(self, like: Interface, last_octet: int) -> str:
        """An address in ``like``'s subnet that no interface of the estate has (an LB node, a scanner)."""
        base = like.ipv4.rsplit(".", 1)[0]
        for host in [last_octet, *range(251, 4, -1)]:
            address = f"{base}.{host}"
            if address not in self.used:
                self.used.add(address)
                return address
        raise ValueError(f"no free address in {base}.0/24")

    def role(self, role: str, account: str | None = None) -> list[Interface]:
        return [i for i in self.s.estate.by_role[role] if account is None or i.account == account]

    def free(self, *roles: str) -> list[Interface]:
        """Interfaces of these roles an incident may use (none reserved)."""
        return [i for role in roles for i in self.role(role) if i.eni not in self.reserved]

    def account_interfaces(self, account: str) -> list[Interface]:
        return [i for i in self.s.estate.interfaces if i.account == account]

    # time
    def scored_hour(self, day: int, lo: int = 0, hi: int = 23) -> datetime:
        return self.s.scored_from + timedelta(days=day, hours=self.rng.randint(lo, hi))

    def label(self, kind: str, first: datetime, hours: int, expect: tuple[str, ...], accept: tuple[str, ...] = (),
              addresses: tuple[str, ...] = (), interfaces: tuple[str, ...] = (), malicious: bool = True,
              note: str = "") -> None:  # fmt: skip
        number = sum(1 for lab in self.s.labels if lab.kind == kind) + 1
        self.s.labels.append(
            Label(
                f"{kind}-{number}",
                kind,
                malicious,
                first,
                first + timedelta(hours=hours),
                expect,
                accept,
                frozenset(addresses),
                frozenset(interfaces),
                note,
            )  # fmt: skip
        )

    def add(self, name: str, hours: set[datetime], emit: Callable[[datetime, random.Random], list[Row]] | None = None,
            mute: frozenset[str] = frozenset()) -> None:  # fmt: skip
        self.s.activities.append(Activity(name, hours, emit, mute))


def build_scenario(start: str | datetime, config: ScenarioConfig | None = None) -> Scenario:
    """The scenario starting at ``start`` (a UTC day: history first, then the scored days)."""
    from vpcflow.synthetic.generator import parse_hour

    config = config or ScenarioConfig()
    first = parse_hour(start)
    if first.hour:
        raise ValueError(f"a scenario starts at midnight UTC, not at {first:%Y-%m-%dT%H}")
    scored = first + timedelta(days=config.history_days)
    scenario = Scenario(
        config,
        first,
        scored,
        scored + timedelta(days=config.days),
        build_estate(config.seed, config.accounts),
    )
    b = _Builder(scenario)
    _look_alikes(b)
    if config.incidents:
        _incidents(b)
    return scenario


# --- look-alikes ----------------------------------------------------------------------------------------


def _every_day(b: _Builder, hour_of_day: int, weekdays_only: bool = False) -> set[datetime]:
    return {
        h for h in b.s.hours if h.hour == hour_of_day and not (weekdays_only and h.weekday() >= 5)
    }  # fmt: skip


def _look_alikes(b: _Builder) -> None:
    s, home = b.s, b.home
    webs, apps, dbs = b.role("web", home), b.role("app", home), b.role("db", home)
    every_hour = set(s.hours)

    # Load-balancer health checks: two nodes probe each web server every minute (a few packets each).
    nodes = [b.internal_host(webs[0], 240), b.internal_host(webs[0], 241)]

    def health(hour: datetime, rng: random.Random) -> list[Row]:
        h0, rows = _h0(hour), []
        for node in nodes:
            for web in webs:
                for minute in range(60):
                    t = h0 + minute * 60 + rng.randrange(0, 5)
                    rows.append(_flow(web, node, web.ipv4, _eph(rng), 80, 6, 5, 420, t, t + 1, "ACCEPT"))
        return rows

    b.add("health-checks", every_hour, health)
    b.label("health_checks", s.start, len(s.hours), (), addresses=tuple(nodes), malicious=False)

    # A monitoring system scrapes every interface of the account on 9100 every two minutes.
    monitor = b.internal_host(apps[0], 242)
    targets = b.account_interfaces(home)

    def scrape(hour: datetime, rng: random.Random) -> list[Row]:
        h0, rows = _h0(hour), []
        for target in targets:
            for slot in range(30):
                t = h0 + slot * 120 + rng.randrange(0, 10)
                rows.append(
                    _flow(target, monitor, target.ipv4, _eph(rng), 9100, 6, 8, 2900, t, t + 1, "ACCEPT")
                )
        return rows

    b.add("monitoring", every_hour, scrape)
    b.label("monitoring", s.start, len(s.hours), (), addresses=(monitor,), malicious=False)

    # The security team's scanner sweeps every interface of the account on Wednesdays at 03:00.
    scanner = b.internal_host(dbs[0], 250)
    s.allow_scanners = (scanner,)
    sweep_hours = {h for h in s.hours if h.weekday() == 2 and h.hour == 3}

    def sweep(hour: datetime, rng: random.Random) -> list[Row]:
        h0, rows = _h0(hour), []
        for n, target in enumerate(targets):
            for port in rng.sample(range(1, 10000), 150):
                t = h0 + n * 150 + rng.randrange(0, 140)
                rows.append(
                    _flow(target, scanner, target.ipv4, 41000 + n, port, 6, 1, 44, t, t + 1, "REJECT")
                )
        return rows

    b.add("allowlisted-scanner", sweep_hours, sweep)
    for hour in sorted(sweep_hours):
        b.label("allowlisted_scanner", hour, 1, (), addresses=(scanner,), malicious=False)

    # A nightly backup sends tens of GB to one external service at 02:00.
    backup_iface, backup_peer = b.role("batch", home)[0], b.external()

    def backup(hour: datetime, rng: random.Random) -> list[Row]:
        h0, rows = _h0(hour), []
        total = rng.randint(15, 40) * 1024**3
        flows = rng.randint(20, 60)
        for _ in range(flows):
            t = h0 + rng.randrange(0, 3000)
            nbytes = total // flows
            rows.append(_flow(backup_iface, backup_iface.ipv4, backup_peer, _eph(rng), 443, 6, nbytes // 1400,
                              nbytes, t, t + 600, "ACCEPT"))  # fmt: skip
        return rows

    backup_hours = _every_day(b, 2)
    b.add("nightly-backup", backup_hours, backup)
    for hour in sorted(backup_hours):
        b.label("nightly_backup", hour, 1, (), addresses=(backup_peer,), interfaces=(backup_iface.eni,),
                malicious=False)  # fmt: skip

    # Deployments: a CI runner opens dozens of SSH sessions to each app server, twice a working day.
    ci = b.internal_host(apps[0], 243)
    deploy_targets = apps + dbs
    deploy_hours = {
        day + timedelta(hours=hour)
        for day in {h.replace(hour=0) for h in s.hours if h.weekday() < 5}
        for hour in random.Random(f"vpcflow:{s.config.seed}:deploys:{day:%Y%m%d}").sample(range(9, 19), 2)
    }

    def deploy(hour: datetime, rng: random.Random) -> list[Row]:
        h0, rows = _h0(hour) + rng.randrange(0, 3000), []
        for target in deploy_targets:
            for _ in range(rng.randint(30, 80)):
                t = h0 + rng.randrange(0, 600)
                nbytes = rng.randint(30_000, 300_000)
                rows.append(_flow(target, ci, target.ipv4, _eph(rng), 22, 6, nbytes // 900, nbytes, t, t + 20,
                                  "ACCEPT"))  # fmt: skip
        return rows

    b.add("deploy-bursts", deploy_hours, deploy)
    for hour in sorted(deploy_hours):
        b.label("deploy_burst", hour, 1, (), addresses=(ci,), malicious=False)

    # Campaign traffic: three times the usual HTTPS load on every web server for two hours.
    all_webs = b.role("web")
    campaign_days = [
        b.s.start + timedelta(days=d) for d in (2, b.s.config.history_days + 1, b.s.config.history_days + 4)
    ]
    campaign_hours = {day + timedelta(hours=h) for day in campaign_days for h in (19, 20) if day < s.end}

    def campaign(hour: datetime, rng: random.Random) -> list[Row]:
        h0, rows = _h0(hour), []
        for _ in range(s.config.records_per_hour):
            web, client = rng.choice(all_webs), rng.choice(s.estate.clients)
            t = h0 + rng.randrange(0, HOUR)
            nbytes = rng.randint(2_000, 80_000)
            rows.append(_flow(web, client, web.ipv4, _eph(rng), 443, 6, 12, 900, t, t + 30, "ACCEPT"))
            rows.append(_flow(web, web.ipv4, client, 443, _eph(rng), 6, 30, nbytes, t, t + 30, "ACCEPT"))
        return rows

    b.add("campaign", campaign_hours, campaign)
    for day in campaign_days:
        if day < s.end:
            b.label("campaign_spike", day + timedelta(hours=19), 2, (), interfaces=tuple(w.eni for w in all_webs),
                    malicious=False)  # fmt: skip

    # An ETL interface that works from 01:00 to 05:00 and is silent (no records at all) otherwise.
    etl = b.role("batch", home)[1]
    b.reserved.add(etl.eni)
    busy = {h for h in s.hours if 1 <= h.hour <= 4}
    db = dbs[0]

    def etl_load(hour: datetime, rng: random.Random) -> list[Row]:
        h0, rows = _h0(hour), []
        for _ in range(rng.randint(300, 600)):
            t = h0 + rng.randrange(0, HOUR)
            rows.append(_flow(etl, etl.ipv4, db.ipv4, _eph(rng), 5432, 6, 40, 52_000, t, t + 30, "ACCEPT"))
        return rows

    b.add("etl-busy", busy, etl_load)
    b.add("etl-idle", set(s.hours) - busy, mute=frozenset({etl.eni}))
    b.label("etl_schedule", s.start, len(s.hours), (), interfaces=(etl.eni,), malicious=False)

    # Administrators: an office range (allowlisted) and one administrator's home address, every working
    # day, over SSH to the bastion and RDP to the Windows host.
    office = f"{b.external().rsplit('.', 1)[0]}.16"
    s.allow_cidrs = (f"{office}/29",)
    home_ip = b.external()
    bastion, windows = b.role("bastion", home)[0], b.role("windows", home)[0]
    work_hours = {h for h in s.hours if h.weekday() < 5 and 9 <= h.hour <= 17}

    def admin(hour: datetime, rng: random.Random) -> list[Row]:
        h0, rows = _h0(hour), []
        for peer, count in ((f"{office.rsplit('.', 1)[0]}.{rng.randint(17, 22)}", 3), (home_ip, 1)):
            for _ in range(count):
                target, port = rng.choice(((bastion, 22), (windows, 3389)))
                t = h0 + rng.randrange(0, 3000)
                sport = _eph(rng)
                rows.append(
                    _flow(target, peer, target.ipv4, sport, port, 6, 300, 40_000, t, t + 600, "ACCEPT")
                )
                rows.append(
                    _flow(target, target.ipv4, peer, port, sport, 6, 400, 900_000, t, t + 600, "ACCEPT")
                )
        return rows

    b.add("admins", work_hours, admin)
    b.label("admin_sessions", s.start, len(s.hours), (), addresses=(home_ip,), malicious=False)


# --- incidents ------------------------------------------------------------------------------------------

REJECT_SIDE = ("reject_surge",)


def _incidents(b: _Builder) -> None:
    days = b.s.config.days
    # Silent interfaces first: they are reserved before the other incidents choose their interfaces.
    schedule = [
        (_silent, 1), (_vertical_scan, 3), (_horizontal_scan, 2), (_brute_force, 3), (_exfiltration, 2),
        (_first_seen_peer, 2), (_mining, 1), (_c2_beacon, 1), (_reject_flood, 2), (_skipdata, 1),
    ]  # fmt: skip
    # Spread over the scored days, one incident at a time per (day, slot) so they rarely overlap.
    slots = [(day, part) for day in range(days) for part in range(3)]
    b.rng.shuffle(slots)
    wanted = [make for make, count in schedule for _ in range(max(1, round(count * days / 7)))]
    for (day, part), make in zip(slots * (len(wanted) // len(slots) + 1), wanted, strict=False):
        make(b, b.scored_hour(day, part * 8, part * 8 + 6))


def _vertical_scan(b: _Builder, first: datetime) -> None:
    attacker = b.external()
    target = b.rng.choice(b.free("web", "bastion"))
    ports = b.rng.randint(60, 1200)
    minutes = b.rng.randint(4, 70)
    begin = _h0(first) + b.rng.randrange(0, 3000)
    end = begin + minutes * 60
    chosen = b.rng.sample(range(1, 65536), ports)
    sport = b.rng.randint(40000, 65000)
    open_ports = {80, 443} if target.role == "web" else {22}
    by_hour: dict[datetime, list[Row]] = {}
    for i, port in enumerate(chosen):
        t = begin + (i * (end - begin)) // ports
        action = "ACCEPT" if port in open_ports else "REJECT"
        row = _flow(target, attacker, target.ipv4, sport, port, 6, 1, 44, t, t + 1, action)
        by_hour.setdefault(datetime.fromtimestamp(t - t % HOUR, UTC), []).append(row)
    b.add(f"vertical-scan-{attacker}", set(by_hour), lambda hour, rng: by_hour[hour])
    b.label("vertical_scan", min(by_hour), len(by_hour), ("port_scan_vertical",), REJECT_SIDE, (attacker,),
            (target.eni,), note=f"{ports} ports of {target.ipv4} in {minutes} min")  # fmt: skip


def _horizontal_scan(b: _Builder, first: datetime) -> None:
    account = b.rng.choice(sorted({i.account for i in b.s.estate.interfaces}))
    targets = [i for i in b.account_interfaces(account) if i.eni not in b.reserved]
    internal = b.rng.random() < 0.5
    pivot = b.rng.choice([i for i in targets if i.role in ("app", "web")])
    attacker = pivot.ipv4 if internal else b.external()
    targets = [t for t in targets if t.ipv4 != attacker]
    ports = b.rng.sample((22, 445, 3389, 5432, 6379, 9200), b.rng.randint(1, 3))
    services = {"bastion": 22, "windows": 3389, "db": 5432}
    begin = _h0(first) + b.rng.randrange(0, 2400)
    minutes = b.rng.randint(2, 20)

    def emit(hour: datetime, rng: random.Random) -> list[Row]:
        rows = []
        for target in targets:
            for port in ports:
                t = begin + rng.randrange(0, minutes * 60)
                answered = services.get(target.role) == port
                rows.append(_flow(target, attacker, target.ipv4, _eph(rng), port, 6, 2 if answered else 1,
                                  88 if answered else 44, t, t + 1, "ACCEPT" if answered else "REJECT"))  # fmt: skip
        return rows

    b.add(f"horizontal-scan-{attacker}", {first}, emit)
    b.label("horizontal_scan", first, 1, ("port_scan_horizontal",), REJECT_SIDE + ("first_seen_peer",),
            (attacker,), (), note=f"{len(targets)} hosts on {ports}, {'internal' if internal else 'external'}")  # fmt: skip


def _brute_force(b: _Builder, first: datetime) -> None:
    attacker = b.external()
    target, port = b.rng.choice([(i, 22) for i in b.free("bastion")] + [(i, 3389) for i in b.free("windows")])
    hours = b.rng.randint(1, 3)
    rate = b.rng.randint(60, 500)
    open_sg = b.rng.random() < 0.5

    def emit(hour: datetime, rng: random.Random) -> list[Row]:
        h0, rows = _h0(hour), []
        for _ in range(rate):
            t = h0 + rng.randrange(0, HOUR - 20)
            sport = _eph(rng)
            if open_sg:
                rows.append(_flow(target, attacker, target.ipv4, sport, port, 6, rng.randint(10, 20),
                                  rng.randint(2500, 5500), t, t + 5, "ACCEPT"))  # fmt: skip
                rows.append(_flow(target, target.ipv4, attacker, port, sport, 6, rng.randint(8, 16),
                                  rng.randint(2500, 4500), t, t + 5, "ACCEPT"))  # fmt: skip
            else:
                packets = rng.randint(1, 3)
                rows.append(_flow(target, attacker, target.ipv4, sport, port, 6, packets, packets * 60, t, t + 3,
                                  "REJECT"))  # fmt: skip
        return rows

    b.add(f"brute-force-{attacker}", _hours(first, hours), emit)
    b.label("brute_force", first, hours, ("brute_force",), REJECT_SIDE + ("first_seen_peer",), (attacker,),
            (target.eni,), note=f"{rate}/h on {port}, {'accepted' if open_sg else 'rejected'}")  # fmt: skip


def _exfiltration(b: _Builder, first: datetime) -> None:
    source = b.rng.choice(b.free("app", "db"))
    peer = b.external()
    hours = b.rng.randint(1, 3)
    gib = b.rng.randint(2, 12)
    port = b.rng.choice((443, 443, 22))

    def emit(hour: datetime, rng: random.Random) -> list[Row]:
        h0, rows = _h0(hour), []
        flows = rng.randint(8, 40)
        for _ in range(flows):
            t = h0 + rng.randrange(0, 3000)
            nbytes = gib * 1024**3 // flows
            rows.append(_flow(source, source.ipv4, peer, _eph(rng), port, 6, nbytes // 1400, nbytes, t, t + 500,
                              "ACCEPT"))  # fmt: skip
        return rows

    b.add(f"exfiltration-{peer}", _hours(first, hours), emit)
    b.label("exfiltration", first, hours, ("exfiltration",), ("first_seen_peer",), (peer,), (source.eni,),
            note=f"{gib} GiB/h for {hours} h on {port}")  # fmt: skip


def _first_seen_peer(b: _Builder, first: datetime) -> None:
    peer = b.external()
    target, port = b.rng.choice(
        [(i, 22) for i in b.free("bastion")]
        + [(i, 3389) for i in b.free("windows")]
        + [(i, 5432) for i in b.free("db")]
    )

    def emit(hour: datetime, rng: random.Random) -> list[Row]:
        rows = []
        for _ in range(rng.randint(1, 4)):
            t = _h0(hour) + rng.randrange(0, 3000)
            sport = _eph(rng)
            rows.append(_flow(target, peer, target.ipv4, sport, port, 6, 120, 14_000, t, t + 300, "ACCEPT"))
            rows.append(_flow(target, target.ipv4, peer, port, sport, 6, 150, 210_000, t, t + 300, "ACCEPT"))
        return rows

    b.add(f"first-seen-{peer}", {first}, emit)
    b.label("first_seen_peer", first, 1, ("first_seen_peer",), (), (peer,), (target.eni,),
            note=f"{peer} on {target.ipv4}:{port}")  # fmt: skip


def _long_lived(b: _Builder, first: datetime, kind: str, roles: tuple[str, ...], ports: tuple[int, ...],
                period_s: int, nbytes: tuple[int, int]) -> None:  # fmt: skip
    source = b.rng.choice(b.free(*roles))
    peer, port = b.external(), b.rng.choice(ports)
    hours = b.rng.randint(4, 12)
    sport = _eph(b.rng)

    def emit(hour: datetime, rng: random.Random) -> list[Row]:
        rows = []
        for slot in range(HOUR // period_s):
            t = _h0(hour) + slot * period_s + rng.randrange(0, 30)
            size = rng.randint(*nbytes)
            rows.append(_flow(source, source.ipv4, peer, sport, port, 6, size // 500 + 1, size, t, t + period_s - 31,
                              "ACCEPT"))  # fmt: skip
        return rows

    b.add(f"{kind}-{peer}", _hours(first, hours), emit)
    b.label(
        kind,
        first,
        hours,
        ("mining_c2_ports",),
        (),
        (peer,),
        (source.eni,),
        note=f"{peer}:{port} for {hours} h",
    )


def _mining(b: _Builder, first: datetime) -> None:
    _long_lived(b, first, "mining", ("app", "batch"), MINING_PORTS, 600, (20_000, 200_000))


def _c2_beacon(b: _Builder, first: datetime) -> None:
    _long_lived(b, first, "c2_beacon", ("web", "app"), C2_PORTS, 300, (300, 1_500))


def _reject_flood(b: _Builder, first: datetime) -> None:
    target = b.rng.choice(b.free("web", "app"))
    hours = b.rng.randint(1, 2)
    volume = b.rng.randint(600, 4000)
    port = b.rng.choice((23, 445, 3306, 8443))

    def emit(hour: datetime, rng: random.Random) -> list[Row]:
        rows = []
        for _ in range(volume):
            src = f"{rng.choice(_ACTOR_OCTETS)}.{rng.randrange(0, 256)}.{rng.randrange(0, 256)}.{rng.randrange(1, 255)}"
            t = _h0(hour) + rng.randrange(0, HOUR - 5)
            rows.append(_flow(target, src, target.ipv4, _eph(rng), port, 6, 1, 40, t, t + 1, "REJECT"))
        return rows

    b.add(f"reject-flood-{target.eni}-{first:%d%H}", _hours(first, hours), emit)
    b.label(
        "reject_flood", first, hours, ("reject_surge",), (), (), (target.eni,), note=f"{volume}/h on {port}"
    )


def _skipdata(b: _Builder, first: datetime) -> None:
    target = b.rng.choice([i for i in b.s.estate.interfaces if i.eni not in b.reserved])
    hours = b.rng.randint(1, 2)
    windows = b.rng.randint(10, 40)

    def emit(hour: datetime, rng: random.Random) -> list[Row]:
        rows = []
        for minute in rng.sample(range(60), windows):
            t = _h0(hour) + minute * 60
            rows.append((t, f"{target.prefix}- - - - - - - {t} {t + 59} - SKIPDATA"))
        return rows

    b.add(f"skipdata-{target.eni}-{first:%d%H}", _hours(first, hours), emit)
    b.label(
        "skipdata_burst",
        first,
        hours,
        ("capture_health",),
        (),
        (),
        (target.eni,),
        note=f"{windows} windows/h",
    )


def _silent(b: _Builder, first: datetime) -> None:
    target = b.rng.choice(b.free("web"))  # the busiest interfaces, day and night
    b.reserved.add(target.eni)
    hours = b.rng.randint(2, 4)
    b.add(f"silent-{target.eni}-{first:%d%H}", _hours(first, hours), mute=frozenset({target.eni}))
    b.label("interface_silent", first, hours, ("capture_health",), (), (), (target.eni,), note=f"{hours} h")
