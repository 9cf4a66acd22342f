"""plugins/ holds a real Airflow plugin: Airflow's plugin manager loads it from the plugins folder (and
nothing of the vpcflow package beside it), and it links the stack's dashboard from the navigation."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO

# What the UI reads: /api/v2/plugins is built from get_plugin_info().
PROBE = """
import json
from airflow import plugins_manager
info = plugins_manager.get_plugin_info()
print(json.dumps({"plugins": {p["name"]: p for p in info}, "errors": plugins_manager.get_import_errors()},
                 default=str))
"""


def _load(env: dict[str, str]) -> dict:
    # A fresh interpreter: Airflow caches its plugins for the life of the process.
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={**env, "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins")},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_airflow_loads_the_vpcflow_plugin_and_only_it(monkeypatch):
    import os

    loaded = _load(
        {**os.environ, "VPCFLOW_DASHBOARD_URL": "http://127.0.0.1:4566/_localaws/quicksight/dashboards/d"}
    )
    assert loaded["errors"] == {}
    ours = {n: p for n, p in loaded["plugins"].items() if "site-packages" not in str(p.get("source", ""))}
    assert list(ours) == ["vpcflow"], "vpcflow/ must stay out of the plugin scan (.airflowignore)"
    (view,) = ours["vpcflow"]["external_views"]
    assert view["href"] == "http://127.0.0.1:4566/_localaws/quicksight/dashboards/d"
    assert view["destination"] == "nav"


def test_on_aws_the_link_is_the_quicksight_console_of_the_region():
    from vpcflow.dashboard.links import dashboard_url
    from vpcflow.model.config import StackConfig

    assert dashboard_url(StackConfig(), {"AWS_DEFAULT_REGION": "eu-west-1"}) == (
        "https://eu-west-1.quicksight.aws.amazon.com/sn/dashboards/vpcflow-dashboard"
    )
