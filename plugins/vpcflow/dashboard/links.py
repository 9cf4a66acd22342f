"""Where people open a stack's dashboard: the Airflow plugin links it, `make up` and `make demo` print it."""

from __future__ import annotations

import os
from collections.abc import Mapping

from vpcflow.model.config import StackConfig

LOCAL_PAGE_PATH = "/_localaws/quicksight/dashboards/"


def local_dashboard_url(endpoint: str, dashboard_id: str) -> str:
    """The page localaws renders from the published dashboard and its SPICE extracts."""
    return f"{endpoint.rstrip('/')}{LOCAL_PAGE_PATH}{dashboard_id}"


def dashboard_url(config: StackConfig | None = None, environ: Mapping[str, str] = os.environ) -> str:
    """``VPCFLOW_DASHBOARD_URL`` when set (the local stack points it at localaws's page), else the dashboard in
    the QuickSight console of the stack's region."""
    if environ.get("VPCFLOW_DASHBOARD_URL"):
        return environ["VPCFLOW_DASHBOARD_URL"]
    config = config or StackConfig()
    region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
    host = f"{region}.quicksight.aws.amazon.com" if region else "quicksight.aws.amazon.com"
    return f"https://{host}/sn/dashboards/{config.quicksight_dashboard_id}"
