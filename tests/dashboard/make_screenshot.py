"""Regenerate docs/dashboard.png and docs/dashboard-findings.png: 12 generated hours through the hourly SQL,
the detections run over them, the dashboard provisioned, localaws renders it, Debian's Chromium (through
Playwright) takes the overview and the Findings sheet at 1400 px.

    .venv/bin/python -m tests.dashboard.make_screenshot [docs/dashboard.png [docs/dashboard-findings.png]]
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.update(
    AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1"
)


def main(target: str = "docs/dashboard.png", findings_target: str = "docs/dashboard-findings.png") -> int:
    from localaws.server import LocalAWS
    from vpcflow.dashboard.links import local_dashboard_url as dashboard_url
    from vpcflow.provision.stack import provision_quicksight

    from tests.dashboard.browser import browser, clipped, wait_drawn
    from tests.dashboard.conftest import detect_findings, wait_ingested
    from tests.reports.stack_data import load_stack

    with tempfile.TemporaryDirectory() as state, LocalAWS(port=0, state_dir=state) as aws:
        stack = load_stack(
            aws.endpoint, records_per_hour=5000, recent_hours=12, old=False, stack_name="vpcflow"
        )
        provision_quicksight(stack.clients, stack.config)
        wait_ingested(stack.clients("quicksight"), stack.config.quicksight_dataset_id)
        detect_findings(stack)
        url = dashboard_url(aws.endpoint, stack.config.quicksight_dashboard_id)
        with browser() as chromium:
            page = chromium.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)
            status = wait_drawn(page, 1)
            cut = clipped(page)
            print(status, cut)
            Path(target).parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=target, full_page=True)
            # The findings table is wider than the overview (instance, VPC and the peer's origin): the whole
            # of it in the picture.
            page.set_viewport_size({"width": 1800, "height": 1000})
            page.click("#tab-findings")
            findings = wait_drawn(page, 2)
            cut += clipped(page)
            print(findings, cut)
            Path(findings_target).parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=findings_target, full_page=True)
    print(f"wrote {target} and {findings_target}")
    return 0 if status["errors"] == findings["errors"] == "0" and not cut else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
