"""Debian's chromium, headless: the DOM after the page's scripts ran, and a screenshot.

``chromium()`` finds the browser, installing Debian's package when running as root (.ci/run installs it
first); tests skip, saying why, only when it cannot be installed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

import pytest

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    "--disable-extensions",
    "--mute-audio",
]
# Enough virtual time for the inlined Chart.js to parse and draw; virtual time does not wait on the clock.
VIRTUAL_TIME_MS = 5000


@cache
def _find_or_install() -> tuple[str | None, str]:
    for name in ("chromium", "chromium-browser"):
        if shutil.which(name):
            return shutil.which(name), ""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return (
            None,
            "chromium is not installed and this user cannot install it (apt-get install chromium as root)",
        )
    install = "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium"
    done = subprocess.run(["bash", "-c", install], capture_output=True, text=True, timeout=900)
    if done.returncode != 0 or not shutil.which("chromium"):
        return None, f"chromium could not be installed: {(done.stderr or done.stdout)[-500:]}"
    return shutil.which("chromium"), ""


def chromium() -> str:
    path, reason = _find_or_install()
    if path is None:
        pytest.skip(reason)
    return path


def _run(args: list[str], timeout: float = 90) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="vpcflow-chromium-") as profile:
        return subprocess.run(
            [chromium(), *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, "HOME": profile},
        )


def dump_dom(url: str) -> str:
    done = _run([f"--virtual-time-budget={VIRTUAL_TIME_MS}", "--dump-dom", url])
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def screenshot(url: str, path: Path, width: int = 1400, height: int = 2000) -> Path:
    done = _run(
        [
            f"--virtual-time-budget={VIRTUAL_TIME_MS}",
            f"--window-size={width},{height}",
            f"--screenshot={path}",
            url,
        ]
    )
    assert done.returncode == 0 and path.exists(), done.stderr[-2000:]
    return path


def page_status(dom: str) -> dict[str, str]:
    """The attributes of the page's <div id="status">."""
    match = re.search(r'<div id="status"([^>]*)>', dom)
    assert match, "the page has no status element"
    return dict(re.findall(r'data-([a-z-]+)="([^"]*)"', match.group(1)))
