"""Each saved report on localaws's Athena, against answers computed in Python from the generator's lines.

The loaded stack has two recent hours and one hour three days old: a 6-hour window holds the recent two
(wherever the clock is in its hour), a 100-hour window all three.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from vpcflow import reports

PRIVATE = re.compile(r"^(10\.|192\.168\.|172\.(1[6-9]|2[0-9]|3[01])\.|f[cd][0-9a-f]{2}:)")
ADMIN_PORTS = {22, 23, 445, 1433, 2375, 3306, 3389, 5432, 5900, 6379, 9200}


def run(stack, name, hours=6, **extra):
    result = reports.run(stack.clients("athena"), name, stack.config, hours, poll_s=0.05, **extra)
    return result.columns, result.rows


def strings(rows):
    return [[None if v is None else str(v) for v in row] for row in rows]


def ok_rows(stack, partitions=None):
    return [r for r in stack.rows(partitions) if r["logstatus"] == "OK"]


def test_top_talkers(loaded_stack):
    pairs = defaultdict(lambda: [0, 0, 0])
    for r in ok_rows(loaded_stack):
        totals = pairs[(r["sourceaddress"], r["destinationaddress"])]
        totals[0] += r["bytes"]
        totals[1] += r["packets"]
        totals[2] += 1
    expected = sorted(([s, d, *t] for (s, d), t in pairs.items()), key=lambda x: (-x[2], x[0], x[1]))[:25]
    columns, rows = run(loaded_stack, "top_talkers")
    assert columns == ["sourceaddress", "destinationaddress", "total_bytes", "total_packets", "flows"]
    assert rows == strings(expected)


def test_rejected_tcp(loaded_stack):
    ports = defaultdict(list)
    for r in loaded_stack.rows():
        if r["action"] == "REJECT" and r["protocol"] == 6:
            ports[r["destinationport"]].append(r)
    expected = sorted(
        (
            [
                p,
                len(rs),
                len({r["sourceaddress"] for r in rs}),
                len({r["destinationaddress"] for r in rs}),
                sum(r["packets"] for r in rs),
            ]
            for p, rs in ports.items()
        ),
        key=lambda x: (-x[1], x[0]),
    )[:25]
    columns, rows = run(loaded_stack, "rejected_tcp")
    assert columns == ["destinationport", "flows", "sources", "targets", "total_packets"]
    assert rows == strings(expected)
    assert rows[0][0] == "22"  # the SSH brute force is the largest reject


def test_ssh_rdp_exposure(loaded_stack):
    targets = defaultdict(lambda: [0, 0, set()])
    for r in ok_rows(loaded_stack):
        if (
            r["destinationport"] in (22, 3389)
            and r["protocol"] == 6
            and not PRIVATE.match(r["sourceaddress"])
        ):
            t = targets[(r["destinationaddress"], r["destinationport"])]
            t[0 if r["action"] == "ACCEPT" else 1] += 1
            t[2].add(r["sourceaddress"])
    expected = sorted(
        ([d, p, a, j, len(s)] for (d, p), (a, j, s) in targets.items()),
        key=lambda x: (-x[2], -x[3], x[0], x[1]),
    )
    columns, rows = run(loaded_stack, "ssh_rdp_exposure")
    assert columns == ["destinationaddress", "destinationport", "accepted", "rejected", "sources"]
    assert rows == strings(expected)
    # The generator's SSH/RDP comes from the bastion inside the VPC: from outside, everything is rejected.
    assert rows and all(row[2] == "0" for row in rows)


def test_admin_ports(loaded_stack):
    ports = defaultdict(lambda: [0, 0, set(), set()])
    for r in ok_rows(loaded_stack):
        if r["destinationport"] in ADMIN_PORTS:
            p = ports[r["destinationport"]]
            p[0 if r["action"] == "ACCEPT" else 1] += 1
            p[2].add(r["sourceaddress"])
            p[3].add(r["destinationaddress"])
    expected = sorted(
        ([port, a, j, len(s), len(d)] for port, (a, j, s, d) in ports.items()),
        key=lambda x: (-(x[1] + x[2]), x[0]),
    )
    columns, rows = run(loaded_stack, "admin_ports")
    assert columns == ["destinationport", "accepted", "rejected", "sources", "targets"]
    assert rows == strings(expected)


@pytest.mark.parametrize(("hours", "with_old"), [(6, False), (100, True)])
def test_ip_versions_and_the_window(loaded_stack, hours, with_old):
    partitions = [f"{h:%Y-%m-%d-%H}" for h in ([loaded_stack.old] if with_old else []) + loaded_stack.recent]
    totals = defaultdict(lambda: [0, 0, 0])
    for r in ok_rows(loaded_stack, partitions):
        t = totals["IPv6" if ":" in r["sourceaddress"] else "IPv4"]
        t[0] += 1
        t[1] += r["packets"]
        t[2] += r["bytes"]
    columns, rows = run(loaded_stack, "ip_versions", hours=hours)
    assert columns == ["ip_version", "flows", "total_packets", "total_bytes"]
    assert rows == strings([[k, *v] for k, v in sorted(totals.items())])
    assert {r[0] for r in rows} == {"IPv4", "IPv6"}


def test_port_scan_suspects(loaded_stack):
    sources = defaultdict(list)
    for r in loaded_stack.rows():
        if r["action"] == "REJECT":
            sources[r["sourceaddress"]].append(r)
    expected = []
    for source, rs in sources.items():
        ports = {r["destinationport"] for r in rs}
        if len(ports) >= 20:
            first = datetime.fromtimestamp(min(r["starttime"] for r in rs), UTC)
            last = datetime.fromtimestamp(max(r["endtime"] for r in rs), UTC)
            expected.append(
                [
                    source,
                    len(ports),
                    len({r["destinationaddress"] for r in rs}),
                    len(rs),
                    f"{first:%Y-%m-%d %H:%M:%S}.000",
                    f"{last:%Y-%m-%d %H:%M:%S}.000",
                ]
            )
    expected.sort(key=lambda x: (-x[1], x[0]))
    columns, rows = run(loaded_stack, "port_scan_suspects")
    assert columns == [
        "sourceaddress",
        "distinct_ports",
        "targets",
        "rejected_flows",
        "first_seen",
        "last_seen",
    ]
    assert rows == strings(expected)
    assert rows and all(row[0].startswith(("203.0.113.", "198.51.100.")) for row in rows)  # the scanners
    # A higher bar keeps only sources above it.
    _, fewer = run(loaded_stack, "port_scan_suspects", min_ports=1000)
    assert fewer == []


def test_quality_by_hour(loaded_stack):
    columns, rows = run(loaded_stack, "quality_by_hour")
    expected = []
    for hour in loaded_stack.recent:
        counts = loaded_stack.quality[f"{hour:%Y-%m-%d-%H}"]
        expected.append(
            [
                f"{hour:%Y-%m-%d-%H}",
                counts["total_rows"],
                counts["malformed_rows"],
                counts["nodata_rows"],
                counts["skipdata_rows"],
                counts["duplicate_rows"],
                None,
            ]
        )
    assert columns[:6] == [
        "ingestdatetime",
        "total_rows",
        "malformed_rows",
        "nodata_rows",
        "skipdata_rows",
        "duplicate_rows",
    ]
    assert rows == strings(expected)


def _top_rejected_sources(stack, partitions):
    return Counter(r["sourceaddress"] for r in stack.rows(partitions) if r["action"] == "REJECT")


def _check_blog_top(rows, counts):
    # The blog orders by count only: ties may come in any order, so compare counts, not positions.
    assert len(rows) == min(25, len(counts))
    assert all(int(cnt) == counts[source] for source, cnt in rows)
    assert [int(cnt) for _, cnt in rows] == sorted(counts.values(), reverse=True)[:25]


def test_blog_top_rejected_reads_every_partition(loaded_stack):
    # The blog's query names the blog's table (vpc_flow_logs): the raw table, every partition.
    columns, rows = run(loaded_stack, "blog_top_rejected")
    assert columns == ["sourceaddress", "cnt"]
    _check_blog_top(rows, _top_rejected_sources(loaded_stack, list(loaded_stack.flows)))


def test_blog_top_rejected_since(loaded_stack):
    since = f"{loaded_stack.old:%Y-%m-%d-%H}"
    _, rows = run(loaded_stack, "blog_top_rejected_since", since=since)
    _check_blog_top(rows, _top_rejected_sources(loaded_stack, None))


def test_blog_top_rejected_last_hours(loaded_stack):
    for _ in range(2):  # if the hour turns during the query, the window moved: ask again
        before = datetime.now(UTC)
        _, rows = run(loaded_stack, "blog_top_rejected_last_hours")
        after = datetime.now(UTC)
        if before.hour == after.hour:
            break
    start = (after - timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    inside = [p for p in loaded_stack.flows if p >= f"{start:%Y-%m-%d-%H}"]
    _check_blog_top(rows, _top_rejected_sources(loaded_stack, inside))


def test_bad_parameters_are_named():
    with pytest.raises(reports.ReportError, match="no report 'nope'"):
        reports.render("nope")
    with pytest.raises(reports.ReportError, match="hours must be"):
        reports.render("top_talkers", hours=0)
    with pytest.raises(reports.ReportError, match="since="):
        reports.render("blog_top_rejected_since", since="x' OR 1=1 --")


def test_every_report_file_is_registered():
    from vpcflow.model.sqlfiles import sql_dir

    assert {p.stem for p in (sql_dir() / "reports").glob("*.sql")} == set(reports.REPORTS)
