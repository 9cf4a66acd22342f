"""The dashboard in a real browser (Debian's Chromium through Playwright), used as a person would: set a time
range and a filter, read the charts, check them against Athena for the same window, click a bar to its
flows, open the shared link at 800 px, and find no label cut off; open the Findings sheet and find each
finding the detections raised, in its latest state, as Athena lists them.

VPCFLOW_DASHBOARD_SCREENSHOTS=<folder> keeps the screenshots (overview-1400.png, flows-1400.png,
overview-800.png, quality-800.png, findings-1400.png); tests/dashboard/make_screenshot.py makes the
README's and docs/dashboard-findings.png.
"""

from __future__ import annotations

import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from localaws.dashboard.page import render_html
from localaws.dashboard.render import Renderer
from vpcflow.athena import Athena
from vpcflow.dashboard.definition import REPEAT_REJECTS
from vpcflow.dashboard.links import local_dashboard_url
from vpcflow.dashboard.page import render_dashboard_html
from vpcflow.detections.asff import entity
from vpcflow.detections.detectors import SEVERITIES
from vpcflow.detections.listing import Query, asset, latest, peer_origin

from tests.dashboard.browser import browser, chart, click_bar, clipped, status, wait_drawn

KEEP = os.environ.get("VPCFLOW_DASHBOARD_SCREENSHOTS")


@pytest.fixture(scope="module")
def chromium():
    with browser() as launched:
        yield launched


def _shot(page, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    page.screenshot(path=str(path), full_page=True)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if KEEP:
        Path(KEEP).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, Path(KEEP) / name)
    return path


def _set(page, selector: str, value: str, renders: int) -> dict:
    if page.get_attribute(selector, "type") is None:  # a <select>
        page.select_option(selector, value)
    else:
        page.fill(selector, value)
        page.dispatch_event(selector, "change")
    return wait_drawn(page, renders)


def test_a_person_narrows_the_view_checks_it_against_athena_and_drills_down(
    chromium, dashboard_stack, localaws, tmp_path
):
    stack, _ = dashboard_stack
    url = local_dashboard_url(localaws.endpoint, stack.config.quicksight_dashboard_id)
    athena = Athena.for_stack(stack.clients("athena"), stack.config, first_poll_s=0.05, max_poll_s=0.05)
    table = f"{stack.config.database}.{stack.config.parquet_table}"
    start, end = min(stack.recent), max(stack.recent) + timedelta(hours=1)  # the old hour is left out
    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(url)
    assert wait_drawn(page, 1)["errors"] == "0"

    # GIVEN a time range and a filter, set with the page's own controls
    _set(page, "#control-overview-rangeStart", f"{start:%Y-%m-%dT%H:%M}", 2)
    _set(page, "#control-overview-rangeEnd", f"{end:%Y-%m-%dT%H:%M}", 3)
    drawn = _set(page, "#control-overview-action", "REJECT", 4)
    assert drawn["sheet"] == "overview" and drawn["errors"] == "0", page.text_content("#errors")
    assert drawn["visuals"] == drawn["visualsWithData"]
    assert "p.action=REJECT" in page.url and f"p.rangeStart={start:%Y-%m-%dT%H}" in page.url.replace(
        "%3A", ":"
    )

    # THEN the charts hold what Athena answers for the same window
    where = (
        f"logstatus = 'OK' AND action = 'REJECT' AND ingestdatetime >= '{start:%Y-%m-%d-%H}' "
        f"AND ingestdatetime < '{end:%Y-%m-%d-%H}'"
    )
    hours = athena.query(
        f"SELECT ingestdatetime AS hour, sum(bytes) AS b, count(*) AS n FROM {table} WHERE {where} "
        "GROUP BY 1 ORDER BY 1"
    )
    line = chart(page, "bytes-over-time")
    assert line["labels"] == [f"{h['hour'][5:10]} {h['hour'][11:]}:00" for h in hours]
    assert line["series"][0]["data"] == [int(h["b"]) for h in hours]
    kpi = page.get_attribute("[data-visual='kpi-flows'] .kpi-value", "data-value")
    assert int(kpi) == sum(int(h["n"]) for h in hours)
    sources = athena.query(
        f"SELECT sourceaddress, count(*) AS n FROM {table} WHERE {where} GROUP BY 1 "
        f"HAVING count(*) >= {REPEAT_REJECTS} ORDER BY n DESC, sourceaddress LIMIT 25"
    )
    bars = chart(page, "top-rejected-sources")
    assert list(zip(bars["labels"], bars["series"][0]["data"], strict=True)) == [
        (s["sourceaddress"], int(s["n"])) for s in sources
    ]
    assert clipped(page) == []
    _shot(page, tmp_path, "overview-1400.png")

    # WHEN the top source's bar is clicked THEN its flows open, in the window, and the URL says so
    address = click_bar(page, "top-rejected-sources", 0)
    assert wait_drawn(page, 5)["sheet"] == "flows"
    assert f"p.address={address}" in page.url
    (count,) = athena.query(
        f"SELECT count(*) AS n FROM {table} WHERE {where} "
        f"AND (sourceaddress = '{address}' OR destinationaddress = '{address}')"
    )
    flows = page.locator("[data-visual='flows-table'] table")
    assert int(flows.get_attribute("data-total")) == int(count["n"]) > 0
    cells = page.eval_on_selector_all(
        "[data-visual='flows-table'] tbody tr", "rows => rows.map(r => r.innerText)"
    )
    assert cells and all(address in row and "REJECT" in row for row in cells)
    _shot(page, tmp_path, "flows-1400.png")

    # AND the link, opened by someone else at 800 px, shows the same view; nothing is cut off
    narrow = chromium.new_page(viewport={"width": 800, "height": 1000})
    narrow.goto(page.url)
    assert wait_drawn(narrow, 1)["sheet"] == "flows"
    shared = narrow.locator("[data-visual='flows-table'] table").get_attribute("data-total")
    assert int(shared) == int(count["n"])
    assert narrow.input_value("#control-flows-address") == address
    narrow.click("#tab-overview")
    assert wait_drawn(narrow, 2)["sheet"] == "overview"
    assert clipped(narrow) == []
    _shot(narrow, tmp_path, "overview-800.png")
    narrow.click("#tab-quality")
    assert wait_drawn(narrow, 3)["errors"] == "0"
    assert clipped(narrow) == []
    _shot(narrow, tmp_path, "quality-800.png")


def test_the_saved_file_opens_offline_and_counts_what_it_cannot_draw(
    chromium, dashboard_stack, localaws, tmp_path
):
    stack, _ = dashboard_stack
    saved = render_dashboard_html(
        localaws.endpoint, stack.config.quicksight_dashboard_id, tmp_path / "d.html"
    )
    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(saved.as_uri())
    drawn = wait_drawn(page, 1)
    # 11 visuals, and the enrichment's 5 breakdowns (VPC/subnet, instance, AWS service, country, direction)
    assert drawn["errors"] == "0" and drawn["visuals"] == drawn["visualsWithData"] == "16"
    assert page.is_disabled("#control-overview-action")  # a file cannot re-query localaws

    # The page's own status catches what a viewer would see: a visual localaws could not compute.
    data = Renderer(localaws.services, localaws.endpoint).render(stack.config.quicksight_dashboard_id)
    data["sheets"][0]["visuals"][5]["error"] = "unsupported: something"
    broken = tmp_path / "broken.html"
    broken.write_text(render_html(data))
    page.goto(broken.as_uri())
    drawn = wait_drawn(page, 1)
    assert drawn["visualsWithData"] == "15" and drawn["errors"] == "1"
    assert status(page)["state"] == "ready"


def test_the_findings_sheet_shows_each_findings_latest_state_as_athena_lists_it(
    chromium, dashboard_stack, localaws, tmp_path
):
    stack, _ = dashboard_stack
    url = local_dashboard_url(localaws.endpoint, stack.config.quicksight_dashboard_id)
    start = min(stack.recent)  # the old hour's findings are left out
    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{url}#sheet=findings")
    assert wait_drawn(page, 1)["sheet"] == "findings"
    drawn = _set(page, "#control-findings-rangeStart", f"{start:%Y-%m-%dT%H:%M}", 2)
    assert drawn["errors"] == "0" and drawn["visuals"] == drawn["visualsWithData"] == "3"

    # What `vpcflow findings --since` lists: the latest row of each finding seen since the window's start.
    expected, _ = latest(
        stack.clients("athena"), stack.config, Query.make(since=f"{start:%Y-%m-%d-%H}"), first_poll_s=0.02,
        max_poll_s=0.05,
    )  # fmt: skip
    every, _ = latest(
        stack.clients("athena"), stack.config, Query.make(since=f"{stack.old:%Y-%m-%d-%H}"), first_poll_s=0.02
    )
    assert 0 < len(expected) < len(every)
    table = page.locator("[data-visual='findings-table'] table")
    assert int(table.get_attribute("data-total")) == len(expected)
    headers = page.eval_on_selector_all(
        "[data-visual='findings-table'] thead th", "c => c.map(e => e.innerText)"
    )
    assert headers[:7] == ["Severity", "Finding", "Source / entity", "Instance / VPC", "Peer country / org",
                           "First seen (UTC)", "Last seen (UTC)"]  # fmt: skip
    assert "Severity rank" not in headers and headers[-1] == "Finding id"
    cells = page.eval_on_selector_all(
        "[data-visual='findings-table'] tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.innerText))"
    )
    shown = [dict(zip(headers, row, strict=True)) for row in cells]
    want = [
        {"Severity": f["severity"], "Finding": f["title"], "Source / entity": entity(f),
         "Instance / VPC": asset(f), "Peer country / org": peer_origin(f),
         "First seen (UTC)": f"{f['first_seen']:%Y-%m-%d %H:%M}", "Last seen (UTC)": f"{f['last_seen']:%Y-%m-%d %H:%M}",
         "Hours": str(f["hours_active"]), "Status": f["status"], "Finding id": f["finding_id"]}
        for f in expected
    ]  # fmt: skip
    assert sorted([{k: row[k] for k in want[0]} for row in shown], key=str) == sorted(want, key=str)
    # The most severe first, then the most recently seen.
    by_id = {f["finding_id"]: f for f in expected}
    order = [
        (SEVERITIES.index(by_id[r["Finding id"]]["severity"]), by_id[r["Finding id"]]["last_seen"])
        for r in shown
    ]
    assert order == sorted(order, reverse=True)

    # The chart counts the same findings by detector, coloured by severity.
    bars = chart(page, "findings-by-detector")
    counted = {
        (s["name"], label): n
        for s in bars["series"]
        for label, n in zip(bars["labels"], s["data"], strict=True)
        if n
    }
    assert counted == {
        (severity, title): sum(1 for f in expected if (f["severity"], f["title"]) == (severity, title))
        for severity, title in {(f["severity"], f["title"]) for f in expected}
    }
    severities = chart(page, "findings-by-severity")
    assert dict(zip(severities["labels"], severities["series"][0]["data"], strict=True)) == {
        s: sum(1 for f in expected if f["severity"] == s) for s in {f["severity"] for f in expected}
    }
    assert clipped(page) == []
    _shot(page, tmp_path, "findings-1400.png")
