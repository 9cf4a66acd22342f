"""The dashboard page: one self-contained HTML file (Chart.js, the page's script and style, and the
visuals' data as JSON, all inlined from static/).

Nothing is fetched when the page loads; served by localaws, the page re-queries the same URL with
``?format=json`` when a control changes (static/dashboard.js). It reports on itself in
``<div id="status">``: ``data-state`` (loading, then ready), ``data-sheet``, ``data-visuals``,
``data-visuals-with-data`` (a visual drew at least one element), ``data-errors`` (JavaScript errors,
console errors and visuals that could not be drawn) and ``data-renders``, so a headless browser can check it.
"""

from __future__ import annotations

import html
import json
from functools import cache
from pathlib import Path
from typing import Any

STATIC = Path(__file__).resolve().parent / "static"


@cache
def static_text(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


def chart_js() -> str:
    return static_text("chart.umd.min.js")


def _script_json(data: Any) -> str:
    # Inside <script>, "</" would end the element: JSON allows "<\/" for it.
    return json.dumps(data, separators=(",", ":"), default=str).replace("</", "<\\/")


def _data_set_line(summary: dict[str, Any]) -> str:
    kind = {"SPICE": "SPICE extract", "DIRECT_QUERY": "direct query"}.get(
        summary["mode"], summary["mode"] or "?"
    )
    text = f"{summary['identifier']}: {summary['name'] or summary['data_set_id']} ({kind}, {summary['rows']:,} rows"
    if summary.get("refreshed_at"):
        text += f", refreshed {summary['refreshed_at']}"
    text += ")"
    if summary.get("error"):
        text += f" - {summary['error']}"
    return html.escape(text)


def render_html(dashboard: dict[str, Any], endpoint: str = "") -> str:
    """The page for ``Renderer.render``'s result; the script draws the sheets from the inlined data."""
    sources = "<br>".join(_data_set_line(s) for s in dashboard["data_sets"])
    name = html.escape(str(dashboard["name"]))
    where = f" on {html.escape(endpoint)}" if endpoint else ""
    refreshed = dashboard.get("refreshed_at")
    as_of = (
        f'<span class="asof">Data as of {html.escape(refreshed.replace("T", " ").removesuffix("Z"))} UTC</span> (last SPICE refresh). '
        if refreshed
        else ""
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{name}</title><style>{static_text('dashboard.css')}</style></head><body>"
        f"<header><h1>{name}</h1><p>{as_of}QuickSight dashboard {html.escape(str(dashboard['id']))}, "
        f"published version {dashboard['version']}, rendered by localaws{where}</p></header>"
        '<nav id="sheets" role="tablist" aria-label="Sheets"></nav>'
        '<form id="controls" class="controls" aria-label="Filters" onsubmit="return false"></form>'
        '<main id="sheet" role="tabpanel"></main>'
        f'<footer>Data sets:<br>{sources}<pre id="errors" class="error"></pre></footer>'
        '<div id="status" role="status" aria-live="polite" data-state="loading" data-visuals="0" '
        'data-visuals-with-data="0" data-errors="0" data-renders="0"></div>'
        f'<script id="dashboard-data" type="application/json">{_script_json(dashboard)}</script>'
        f"<script>{chart_js()}</script><script>{static_text('dashboard.js')}</script></body></html>\n"
    )
