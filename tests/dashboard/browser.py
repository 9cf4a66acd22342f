"""Debian's Chromium driven by Playwright: the dashboard page as a person sees it.

``browser()`` launches /usr/bin/chromium (Debian's package; .ci/run installs it) headless; Playwright's own
browser downloads are never used. A test that needs it skips, saying why, when Chromium or the Playwright
driver is missing.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"


def _missing() -> str | None:
    if not os.path.exists(CHROMIUM):
        return f"{CHROMIUM} is absent (Debian's chromium package; .ci/run installs it)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright driver is not installed (a dev dependency: uv sync)"
    return None


@contextlib.contextmanager
def browser() -> Iterator[Any]:
    reason = _missing()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


def status(page: Any) -> dict[str, str]:
    """The attributes of the page's <div id="status">."""
    return page.eval_on_selector("#status", "e => Object.assign({}, e.dataset)")


def wait_drawn(page: Any, renders: int) -> dict[str, str]:
    """Wait until the page has drawn a sheet ``renders`` times in all and is not loading; its status."""
    page.wait_for_function(
        "n => { const s = document.querySelector('#status').dataset;"
        " return Number(s.renders) >= n && s.state === 'ready'; }",
        arg=renders,
    )
    return status(page)


def chart(page: Any, visual_id: str) -> dict[str, Any]:
    """What a chart on the page holds: its labels and each dataset's label and values."""
    return page.evaluate(
        "id => { const c = window.vpcflowDashboard.charts[id];"
        " return {labels: c.data.labels, series: c.data.datasets.map(d => ({name: d.label, data: d.data}))}; }",
        visual_id,
    )


def click_bar(page: Any, visual_id: str, index: int = 0) -> str:
    """Click the ``index``th bar of a bar chart (as a person would, with the mouse); its category label."""
    page.locator(f"[data-visual='{visual_id}'] canvas").scroll_into_view_if_needed()
    x, y, label = page.evaluate(
        "([id, i]) => { const c = window.vpcflowDashboard.charts[id]; const bar = c.getDatasetMeta(0).data[i];"
        " const box = c.canvas.getBoundingClientRect();"
        " return [box.x + (bar.x + bar.base) / 2, box.y + bar.y, c.data.labels[i]]; }",
        [visual_id, index],
    )
    page.mouse.click(x, y)
    return label


def clipped(page: Any) -> list[dict[str, Any]]:
    return page.evaluate("window.vpcflowDashboard.clippedLabels()")
