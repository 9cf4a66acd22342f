"""The local dashboard as a file: localaws renders the published dashboard from its datasets, this saves it.

``render_dashboard_html(endpoint, dashboard_id, path)`` is what `make demo` can call once the hourly runs
have refreshed SPICE: the file is self-contained (charts and data inlined), so it opens offline.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

from vpcflow.dashboard.links import local_dashboard_url


def render_dashboard_html(endpoint: str, dashboard_id: str, path: str | Path, timeout_s: float = 120) -> Path:
    """Fetch the page localaws serves for ``dashboard_id`` and write it to ``path``; returns the path."""
    url = local_dashboard_url(endpoint, dashboard_id)
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            body = response.read()
    except urllib.error.HTTPError as err:
        raise RuntimeError(
            f"localaws could not render dashboard {dashboard_id!r} ({url}): HTTP {err.code}"
        ) from err
    except urllib.error.URLError as err:
        raise RuntimeError(
            f"no localaws at {endpoint} to render dashboard {dashboard_id!r}: {err.reason}"
        ) from err
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    return path
