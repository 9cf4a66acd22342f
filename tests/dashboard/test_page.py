"""localaws renders the deployed dashboard as a web page from the SPICE extract (and the quality table);
a real headless chromium loads it without errors and every visual draws data."""

from __future__ import annotations

import json
import os
import re
import shutil
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from datetime import UTC, datetime

import pytest
from localaws.dashboard.page import render_html
from localaws.dashboard.render import Renderer
from vpcflow.dashboard.definition import QUALITY_CHECKS
from vpcflow.dashboard.links import local_dashboard_url as dashboard_url
from vpcflow.dashboard.page import render_dashboard_html
from vpcflow.hourly.quality import checks_for
from vpcflow.model.formats import DEFAULT_FORMAT

from tests.dashboard import browser

# VPCFLOW_DASHBOARD_SCREENSHOT=docs/dashboard.png keeps the test's screenshot (for the README).
KEEP_SCREENSHOT = os.environ.get("VPCFLOW_DASHBOARD_SCREENSHOT")


@pytest.fixture(scope="module")
def page(dashboard_stack, localaws):
    stack, _ = dashboard_stack
    url = dashboard_url(localaws.endpoint, stack.config.quicksight_dashboard_id)
    with urllib.request.urlopen(url) as response:
        assert response.headers["Content-Type"].startswith("text/html")
        html = response.read().decode()
    with urllib.request.urlopen(url + "?format=json") as response:
        data = json.loads(response.read())
    return stack, url, html, {v["id"]: v for s in data["sheets"] for v in s["visuals"]}, data


def _series(visual):
    return {s["name"]: dict(zip(visual["labels"], s["data"], strict=True)) for s in visual["series"]}


def _ok(stack):
    return [r for p in stack.flows for r in stack.flows[p] if r["logstatus"] == "OK"]


def _hour(epoch):
    return f"{datetime.fromtimestamp(epoch, UTC):%Y-%m-%d %H}:00"


def test_page_is_self_contained(page):
    _, _, html, _, _ = page
    assert re.findall(r"<(?:script|link|img|iframe)[^>]*\b(?:src|href)=", html) == []
    assert "Chart.js v4.6.1" in html


def test_visuals_hold_the_known_answers(page):
    stack, _, _, visuals, data = page
    ok = _ok(stack)
    assert {d["identifier"]: d["rows"] for d in data["data_sets"]} == {
        "flows": sum(len(v) for v in stack.flows.values()),
        # the total and one row per check, for every hour
        "quality": (1 + len(checks_for(DEFAULT_FORMAT))) * len(stack.flows),
    }
    assert all(v["error"] is None for v in visuals.values())

    by_hour = Counter()
    for r in ok:
        by_hour[_hour(r["starttime"])] += r["bytes"]
    assert _series(visuals["bytes-over-time"]) == {"Sum of bytes": dict(sorted(by_hour.items()))}

    actions = defaultdict(Counter)
    for r in ok:
        actions[r["action"]][_hour(r["starttime"])] += 1
    flows = _series(visuals["flows-by-action"])
    assert {a: {h: n for h, n in s.items() if n} for a, s in flows.items()} == {
        a: dict(c) for a, c in actions.items()
    }

    rejects = Counter(r["sourceaddress"] for r in ok if r["action"] == "REJECT")
    top = sorted(rejects.items(), key=lambda kv: (-kv[1], kv[0]))[:25]
    assert (
        list(
            zip(
                visuals["top-rejected-sources"]["labels"],
                visuals["top-rejected-sources"]["series"][0]["data"],
                strict=True,
            )
        )
        == top
    )

    talkers = Counter()
    for r in ok:
        talkers[f"{r['sourceaddress']} -> {r['destinationaddress']}"] += r["bytes"]
    assert visuals["top-talkers"]["labels"] == [
        k for k, _ in sorted(talkers.items(), key=lambda kv: (-kv[1], kv[0]))[:15]
    ]

    names = {6: "TCP", 17: "UDP", 1: "ICMP", 58: "ICMPv6"}
    protocols = Counter(names.get(r["protocol"], f"IP {r['protocol']}") for r in ok)
    assert _series(visuals["protocol-mix"]) == {"Count of protocol": dict(protocols)}

    quality = _series(visuals["quality-per-hour"])
    assert set(quality) == set(QUALITY_CHECKS)
    for partition, counts in stack.quality.items():
        for check in QUALITY_CHECKS:
            assert quality[check][partition] == counts[check]


def test_headless_chromium_draws_every_visual_without_errors(page, tmp_path):
    _, url, _, visuals, _ = page
    status = browser.page_status(browser.dump_dom(url))
    assert status == {"state": "ready", "visuals": "7", "visuals-with-data": "7", "errors": "0"}
    shot = browser.screenshot(url, tmp_path / "dashboard.png")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000
    if KEEP_SCREENSHOT:
        shutil.copyfile(shot, KEEP_SCREENSHOT)


def test_saved_file_opens_offline_and_reports_broken_visuals(page, localaws, tmp_path):
    stack, _, _, _, _ = page
    saved = render_dashboard_html(
        localaws.endpoint, stack.config.quicksight_dashboard_id, tmp_path / "d.html"
    )
    status = browser.page_status(browser.dump_dom(saved.as_uri()))
    assert status["visuals-with-data"] == "7" and status["errors"] == "0"

    # The page's own status catches what a viewer would see: a visual localaws could not compute.
    data = Renderer(localaws.services, localaws.endpoint).render(stack.config.quicksight_dashboard_id)
    data["sheets"][0]["visuals"][0]["error"] = "unsupported: something"
    broken = tmp_path / "broken.html"
    broken.write_text(render_html(data))
    status = browser.page_status(browser.dump_dom(broken.as_uri()))
    assert status["visuals-with-data"] == "6" and status["errors"] == "1"


def test_unknown_dashboard_is_a_404_naming_it(localaws):
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(dashboard_url(localaws.endpoint, "no-such-dashboard"))
    assert err.value.code == 404 and b"no-such-dashboard" in err.value.read()
    with pytest.raises(RuntimeError, match="HTTP 404"):
        render_dashboard_html(localaws.endpoint, "no-such-dashboard", "/tmp/never-written.html")


def test_what_localaws_cannot_compute_is_named_on_the_visual(dashboard_stack, localaws, unique):
    stack, results = dashboard_stack
    qs = stack.clients("quicksight")
    column = {"DataSetIdentifier": "flows", "ColumnName": "sourceaddress"}
    count = {"CategoricalMeasureField": {"FieldId": "n", "Column": column, "AggregationFunction": "COUNT"}}

    def bar(visual_id, category, sort=None):
        config = {"FieldWells": {"BarChartAggregatedFieldWells": {"Category": [category], "Values": [count]}}}
        if sort:
            config["SortConfiguration"] = sort
        return {"BarChartVisual": {"VisualId": visual_id, "ChartConfiguration": config}}

    definition = {
        "DataSetIdentifierDeclarations": [{"Identifier": "flows", "DataSetArn": results["dataset"].id}],
        "CalculatedFields": [
            {"DataSetIdentifier": "flows", "Name": "p95", "Expression": "percentile({bytes}, 95)"}
        ],
        "Sheets": [
            {
                "SheetId": "s",
                "Visuals": [
                    bar(
                        "other-bucket",
                        {"CategoricalDimensionField": {"FieldId": "c1", "Column": column}},
                        {"CategoryItemsLimit": {"ItemsLimit": 5, "OtherCategories": "INCLUDE"}},
                    ),
                    bar(
                        "calc",
                        {
                            "CategoricalDimensionField": {
                                "FieldId": "c2",
                                "Column": {**column, "ColumnName": "p95"},
                            }
                        },
                    ),
                    {"KPIVisual": {"VisualId": "kpi"}},
                ],
            }
        ],
    }
    dashboard_id = f"odd-{unique}"
    qs.create_dashboard(
        AwsAccountId="123456789012", DashboardId=dashboard_id, Name="odd", Definition=definition
    )
    with urllib.request.urlopen(dashboard_url(localaws.endpoint, dashboard_id) + "?format=json") as response:
        visuals = {v["id"]: v["error"] for v in json.loads(response.read())["sheets"][0]["visuals"]}
    assert visuals == {
        "other-bucket": "CategoryItemsLimit with OtherCategories INCLUDE (an 'Other' bucket)",
        "calc": "calculated field p95: function percentile() in 'percentile({bytes}, 95)' is not supported by localaws",
        "kpi": "visual type KPIVisual",
    }
