"""localaws renders the deployed dashboard from the SPICE extract (and the quality table): every visual holds
the answer computed here from the generated flows, for the whole extract and for a view the parameters
select; wrong views and what localaws cannot compute are named."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from datetime import datetime, timedelta

import pytest
from vpcflow.dashboard.calculated import PORT_NAMES
from vpcflow.dashboard.definition import QUALITY_CHECKS, REPEAT_REJECTS
from vpcflow.dashboard.links import local_dashboard_url as dashboard_url
from vpcflow.dashboard.page import render_dashboard_html


def _get(url: str, **params: str) -> dict:
    query = urllib.parse.urlencode({"format": "json", **params})
    with urllib.request.urlopen(f"{url}?{query}") as response:
        return json.loads(response.read())


def _visuals(data: dict) -> dict[str, dict]:
    return {v["id"]: v for s in data["sheets"] for v in s["visuals"]}


@pytest.fixture(scope="module")
def page(dashboard_stack, localaws):
    stack, _ = dashboard_stack
    url = dashboard_url(localaws.endpoint, stack.config.quicksight_dashboard_id)
    with urllib.request.urlopen(url) as response:
        assert response.headers["Content-Type"].startswith("text/html")
        html = response.read().decode()
    return stack, url, html, _get(url)


def _key(partition: str) -> str:
    return datetime.strptime(partition, "%Y-%m-%d-%H").strftime("%Y-%m-%dT%H:%M:%S")


def _ok(stack, partitions=None):
    return [(p, r) for p in partitions or stack.flows for r in stack.flows[p] if r["logstatus"] == "OK"]


def _series(visual):
    return {s["name"]: dict(zip(visual["keys"], s["data"], strict=True)) for s in visual["series"]}


def _top(counter: Counter, n: int, minimum: int = 1) -> list[tuple[str, int]]:
    return sorted(((k, v) for k, v in counter.items() if v >= minimum), key=lambda kv: (-kv[1], kv[0]))[:n]


def test_page_is_self_contained(page):
    _, _, html, _ = page
    assert re.findall(r"<(?:script|link|img|iframe)[^>]*\b(?:src|href)=", html) == []
    assert "Chart.js v4.6.1" in html and "window.vpcflowDashboard" in html


def test_visuals_hold_the_known_answers(page):
    stack, _, _, data = page
    visuals = _visuals(data)
    assert {v: visuals[v]["error"] for v in visuals} == dict.fromkeys(visuals)
    ok = _ok(stack)
    assert visuals["kpi-flows"]["value"] == len(ok)
    assert visuals["kpi-bytes"]["value"] == sum(r["bytes"] for _, r in ok)
    rejects = sum(r["action"] == "REJECT" for _, r in ok)
    assert visuals["kpi-reject-share"]["value"] == pytest.approx(rejects / len(ok), abs=1e-6)
    assert visuals["kpi-hours"]["value"] == len(stack.flows)
    assert visuals["kpi-latest"]["value"] == f"{max(stack.recent):%Y-%m-%d %H:%M}"

    # By ingest hour: no ramp from flows that started the hour before, and the hours between the old hour
    # and the recent ones are gaps (None), not a line from one to the other.
    by_hour = Counter()
    for partition, r in ok:
        by_hour[_key(partition)] += r["bytes"]
    bytes_line = visuals["bytes-over-time"]
    first, last = stack.old, max(stack.recent)
    hours = [
        (first + timedelta(hours=i)).strftime("%Y-%m-%dT%H:%M:%S")
        for i in range(int((last - first).total_seconds() // 3600) + 1)
    ]
    assert bytes_line["keys"] == hours
    assert _series(bytes_line) == {"Sum of bytes": {h: by_hour.get(h) for h in hours}}
    assert len(bytes_line["missing"]) == len(hours) - len(stack.flows)
    assert bytes_line["format"]["suffix"] == " bytes" and bytes_line["axis"]["value"] == "Bytes"

    actions = defaultdict(Counter)
    for partition, r in ok:
        actions[r["action"]][_key(partition)] += 1
    flows = _series(visuals["flows-by-action"])
    assert {a: {h: n for h, n in s.items() if n} for a, s in flows.items()} == {
        a: dict(c) for a, c in actions.items()
    }
    assert {s["name"]: s["color"] for s in visuals["flows-by-action"]["series"]} == {
        "ACCEPT": "#0072B2",
        "REJECT": "#D55E00",
    }

    sources = Counter(r["sourceaddress"] for _, r in ok if r["action"] == "REJECT")
    top = visuals["top-rejected-sources"]
    assert list(zip(top["keys"], top["series"][0]["data"], strict=True)) == _top(sources, 25, REPEAT_REJECTS)
    assert min(top["series"][0]["data"]) >= REPEAT_REJECTS

    ports = Counter(r["destinationport"] for _, r in ok if r["action"] == "REJECT")
    named = {f"{p} {PORT_NAMES[p]}" if p in PORT_NAMES else str(p): n for p, n in ports.items()}
    assert dict(
        zip(
            visuals["top-rejected-ports"]["keys"],
            visuals["top-rejected-ports"]["series"][0]["data"],
            strict=True,
        )
    ) == dict(_top(Counter(named), 15))
    assert "22 ssh" in visuals["top-rejected-ports"]["keys"]

    talkers = Counter()
    for _, r in ok:
        talkers[f"{r['sourceaddress']} -> {r['destinationaddress']}"] += r["bytes"]
    assert visuals["top-talkers"]["keys"] == [k for k, _ in _top(talkers, 15)]

    names = {6: "TCP", 17: "UDP", 1: "ICMP", 58: "ICMPv6"}
    protocols = Counter(names.get(r["protocol"], f"IP {r['protocol']}") for _, r in ok)
    assert _series(visuals["protocol-mix"]) == {"Count of protocol": dict(protocols)}


def test_quality_sheet_marks_each_hour_with_its_verdict(page):
    stack, _, _, data = page
    visuals = _visuals(data)
    verdicts = visuals["quality-verdicts"]
    assert [c["label"] for c in verdicts["columns"]] == ["Ingest hour", "Verdict", "Rows", "Failed checks"]
    assert verdicts["rows"] == [
        [p, "passed", stack.quality[p]["total_rows"], 0] for p in sorted(stack.quality, reverse=True)
    ]
    quality = _series(visuals["quality-per-hour"])
    assert set(quality) == set(QUALITY_CHECKS)
    for partition, counts in stack.quality.items():
        for check in QUALITY_CHECKS:
            assert quality[check][f"{partition} ✓"] == counts[check]
    colours = {s["name"]: s["color"] for s in visuals["quality-per-hour"]["series"]}
    assert colours == {"malformed_rows": "#D55E00", "nodata_rows": "#999999", "skipdata_rows": "#CC79A7",
                       "duplicate_rows": "#E69F00", "outside_hour": "#56B4E9"}  # fmt: skip


def test_a_view_narrows_every_visual_of_its_sheet(page):
    stack, url, _, _ = page
    first, last = min(stack.recent), max(stack.recent)
    view = {"p.rangeStart": f"{first:%Y-%m-%dT%H:%M}", "p.rangeEnd": f"{last + timedelta(hours=1):%Y-%m-%dT%H:%M}",
            "p.action": "REJECT", "p.port": "22"}  # fmt: skip
    data = _get(url, sheet="overview", **view)
    assert [s["rendered"] for s in data["sheets"]] == [True, False, False, False]
    assert {p["name"]: p["value"] for p in data["parameters"]}["action"] == "REJECT"
    visuals = _visuals(data)
    recent = [f"{h:%Y-%m-%d-%H}" for h in stack.recent]
    chosen = [(p, r) for p, r in _ok(stack, recent) if r["action"] == "REJECT" and r["destinationport"] == 22]
    assert chosen, "the generated hours hold rejected SSH flows"
    assert visuals["kpi-flows"]["value"] == len(chosen)
    assert visuals["kpi-hours"]["value"] == len(recent)  # counts the window's hours, whatever else is chosen
    by_hour = Counter()
    for partition, r in chosen:
        by_hour[_key(partition)] += r["bytes"]
    assert _series(visuals["bytes-over-time"]) == {"Sum of bytes": dict(sorted(by_hour.items()))}
    assert visuals["top-rejected-ports"]["keys"] == ["22 ssh"]
    sources = Counter(r["sourceaddress"] for _, r in chosen)
    top = visuals["top-rejected-sources"]
    assert list(zip(top["keys"], top["series"][0]["data"], strict=True)) == _top(sources, 25, REPEAT_REJECTS)
    overview = data["sheets"][0]
    assert {c["parameter"]: c.get("value") for c in overview["controls"]}["port"] == "22"
    assert {c["parameter"]: c.get("choices") for c in overview["controls"]}["action"] == ["ACCEPT", "REJECT"]


def test_the_flows_table_drills_to_an_address_page_by_page(page):
    stack, url, _, _ = page
    ok = [r for _, r in _ok(stack)]
    address = Counter(r["sourceaddress"] for r in ok if r["action"] == "REJECT").most_common(1)[0][0]
    mine = sorted((r for r in ok if address in (r["sourceaddress"], r["destinationaddress"])),
                  key=lambda r: -r["bytes"])  # fmt: skip
    table = _visuals(_get(url, sheet="flows", **{"p.address": address}))["flows-table"]["rows"]
    assert len(table) == min(50, len(mine))
    answer = _visuals(_get(url, sheet="flows", page="2", **{"p.address": address}))["flows-table"]
    assert answer["total"] == len(mine) and answer["page"] == 2
    assert len(answer["rows"]) == min(50, max(0, len(mine) - 50))
    assert all(address in (row[2], row[4]) for row in table)
    assert [row[-1] for row in table] == [r["bytes"] for r in mine[:50]]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"p.nope": "1"}, "parameter nope is not declared by this dashboard"),
        ({"p.rangeStart": "yesterday"}, "parameter rangeStart: 'yesterday' is not a datetime value"),
        ({"sheet": "elsewhere"}, "sheet elsewhere is not a sheet of dashboard"),
    ],
    ids=["undeclared", "not-a-datetime", "no-such-sheet"],
)
def test_a_wrong_view_is_a_400_naming_it(page, query, message):
    _, url, _, _ = page
    with pytest.raises(urllib.error.HTTPError) as err:
        _get(url, **query)
    assert err.value.code == 400 and message in json.loads(err.value.read())["error"]


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
                    {"GaugeChartVisual": {"VisualId": "gauge"}},
                ],
            }
        ],
    }
    dashboard_id = f"odd-{unique}"
    qs.create_dashboard(
        AwsAccountId="123456789012", DashboardId=dashboard_id, Name="odd", Definition=definition
    )
    visuals = {
        k: v["error"] for k, v in _visuals(_get(dashboard_url(localaws.endpoint, dashboard_id))).items()
    }
    assert visuals == {
        "other-bucket": "CategoryItemsLimit with OtherCategories INCLUDE (an 'Other' bucket)",
        "calc": "calculated field p95: function percentile() in 'percentile({bytes}, 95)' is not supported by localaws",
        "gauge": "visual type GaugeChartVisual",
    }
