"""The README's "Try it" commands, run as written, in order, on a local stack of their own (ports and
folders moved aside by the environment only): `make up` (localaws, Airflow's api-server, scheduler,
dag-processor and triggerer on loopback, provisioned), generated hours, a backfill through the real
scheduler, the reports, `make down`. Then what the backfill left is checked against what was generated.

Costs a few minutes, most of it Airflow's start-up and the scheduler's pace.
"""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from vpcflow.athena import Athena
from vpcflow.hourly.quality import checks_for
from vpcflow.model.config import StackConfig
from vpcflow.model.formats import DEFAULT_FORMAT
from vpcflow.synthetic.generator import GeneratorConfig, generate_hour

from tests.conftest import REPO, free_port

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ACCOUNT = "123456789012"


def readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text()
    block = text.split("<!-- try-it:begin -->")[1].split("<!-- try-it:end -->")[0]
    lines = [line for line in block.splitlines() if line and not line.startswith("```")]
    return [line.split("#", 1)[0].strip() for line in lines]


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    """Every command but the last (`make down`), which test_make_down_stops_everything runs as written."""
    home = tmp_path_factory.mktemp("readme")
    env = {
        **os.environ,
        "VPCFLOW_LOCALAWS_PORT": str(free_port()),
        "VPCFLOW_LOCALAWS_STATE_DIR": str(home / "localaws"),
        "VPCFLOW_AIRFLOW_PORT": str(free_port()),
        "VPCFLOW_AIRFLOW_HOME": str(home / "airflow"),
        # The session runs Airflow at WARNING; this Airflow's task logs are worth reading on failure.
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
    }
    for name in [k for k in env if k.startswith("AIRFLOW") and k != "AIRFLOW__LOGGING__LOGGING_LEVEL"]:
        env.pop(name)  # the session's Airflow settings: the stack brings its own home, folders and connection
    *commands, last = readme_commands()
    assert last.startswith("make down"), last
    outputs: dict[str, subprocess.CompletedProcess] = {}
    try:
        for command in commands:
            done = _run(command, env)
            outputs[command] = done
            assert done.returncode == 0, (
                f"`{command}` exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
            )
        yield outputs, f"http://127.0.0.1:{env['VPCFLOW_LOCALAWS_PORT']}", env, last
    finally:
        _run("make down", env)  # a second `make down` finds nothing to stop


def _run(command: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        shlex.split(command), cwd=REPO, env=env, capture_output=True, text=True, timeout=1200
    )


def _output(ran, prefix: str) -> str:
    outputs = ran[0]
    (done,) = [d for c, d in outputs.items() if c.startswith(prefix)]
    return done.stdout + done.stderr


def test_every_command_succeeds_and_says_what_it_did(ran):
    up = _output(ran, "make up")
    assert "stack provisioned (vpcflow_provision succeeded)" in up
    assert re.search(r"Airflow UI: http://127\.0\.0\.1:\d+ +\(user admin, password \S+\)", up)
    assert "dashboard: http://127.0.0.1:" in up
    # Everything make up started listens on loopback only.
    listening = re.search(r"listening on (\[.*\])", up).group(1)
    assert set(re.findall(r"'([0-9a-f.:]+)'", listening)) <= {"127.0.0.1"}, listening
    backfill = _output(ran, "make backfill")
    assert "backfill of vpcflow_hourly created: 2 hour(s)" in backfill
    assert len(re.findall(r": success$", backfill, re.M)) == 2, backfill
    assert "sourceaddress" in _output(ran, ".venv/bin/vpcflow query blog_top_rejected")
    talkers = _output(ran, ".venv/bin/vpcflow query top_talkers")
    assert "no rows: the window is the last 24 ingest hours" in talkers or "sourceaddress" in talkers


def test_the_backfill_left_every_hour_checked_compacted_and_refreshed_once(ran):
    _, endpoint, _, _ = ran
    first = datetime(2026, 11, 26, tzinfo=UTC)
    # What `vpcflow generate` wrote: the generator's defaults, hour by hour.
    generated = {
        f"{h:%Y-%m-%d-%H}": generate_hour(h, GeneratorConfig()).summary
        for h in (first, first + timedelta(hours=1))
    }
    config = StackConfig()
    athena = Athena.for_stack(boto3.client("athena", endpoint_url=endpoint, region_name="us-east-1"), config)
    counted = athena.query(
        f"SELECT ingestdatetime, count(*) AS n FROM {config.database}.{config.parquet_table} GROUP BY ingestdatetime"
    )
    assert {r["ingestdatetime"]: int(r["n"]) for r in counted} == {p: s.records for p, s in generated.items()}
    # The enrichment joined (issue #18): `generate --local` placed the estate in EC2, `make up` loaded the
    # sample ranges, each hour's run snapshotted the interfaces: every record has its subnet.
    joined = athena.query(
        f"SELECT count(*) AS n, count(interface_subnet_id) AS subnet, count(peer_aws_service) AS aws "
        f"FROM {config.database}.{config.parquet_table}"
    )[0]
    assert int(joined["subnet"]) == int(joined["n"]) and int(joined["aws"]) > 0, joined
    checks = athena.query(
        f"SELECT ingestdatetime, count(*) AS n FROM {config.database}.{config.quality_table} GROUP BY ingestdatetime"
    )
    assert {r["ingestdatetime"]: int(r["n"]) for r in checks} == dict.fromkeys(
        generated, 1 + len(checks_for(DEFAULT_FORMAT))
    )
    # SPICE: one refresh for the whole backfill, in the run of its last hour.
    qs = boto3.client("quicksight", endpoint_url=endpoint, region_name="us-east-1")
    ingestions = qs.list_ingestions(AwsAccountId=ACCOUNT, DataSetId=config.quicksight_dataset_id)[
        "Ingestions"
    ]
    mine = [i for i in ingestions if i["IngestionId"].startswith("vpcflow-")]
    assert [i["IngestionStatus"] for i in mine] == ["COMPLETED"], mine
    assert mine[0]["IngestionId"].startswith("vpcflow-20261126T01-")


def test_ui_triggers_leave_the_schedule_going(ran):
    """As a person would in a browser: log in, trigger vpcflow_provision, then a manual vpcflow_hourly run
    for a chosen hour; the manual run processes that hour and the scheduled runs keep coming."""
    from vpcflow.devstack.airflow_api import AirflowAPI

    from tests.dashboard.browser import browser

    _, _, env, _ = ran
    up = _output(ran, "make up")
    url, password = re.search(
        r"Airflow UI: (http://127\.0\.0\.1:\d+) +\(user admin, password (\S+)\)", up
    ).groups()
    api = AirflowAPI(url, "admin", password)
    with browser() as chromium:
        page = chromium.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url(url + "/")

        def trigger(dag_id: str, hour: str | None = None) -> str:
            before = {r["dag_run_id"] for r in api.runs(dag_id)}
            page.goto(f"{url}/dags/{dag_id}")
            page.get_by_role("button", name="Trigger Dag").click()
            dialog = page.get_by_role("dialog")
            if hour:
                dialog.get_by_role("button", name="Which hour").click()
                dialog.locator("#element_hour").fill(hour)
            dialog.get_by_role("button", name="Trigger", exact=True).click()
            page.wait_for_url(f"{url}/dags/{dag_id}/runs/**")
            (run_id,) = {r["dag_run_id"] for r in api.runs(dag_id)} - before
            return run_id

        provision = trigger("vpcflow_provision")
        assert api.wait_finished("vpcflow_provision", [provision], timeout=600)[provision] == "success"
        manual = trigger("vpcflow_hourly", hour="2026-11-26T01:00:00Z")
    assert api.wait_finished("vpcflow_hourly", [manual], timeout=600)[manual] == "success"
    (run,) = [r for r in api.runs("vpcflow_hourly") if r["dag_run_id"] == manual]
    assert run["run_type"] == "manual" and run["conf"]["hour"] == "2026-11-26T01:00:00Z"
    summary = api.xcom("vpcflow_hourly", manual, "summarise")
    assert summary["hour"] == "2026-11-26-01", summary
    # AND the schedule is not wedged: the next scheduled run is still ahead of every existing run
    dag = api.dag("vpcflow_hourly")
    latest = max(r["logical_date"] for r in api.runs("vpcflow_hourly") if r["run_type"] == "scheduled")
    assert dag["next_dagrun_logical_date"] > latest, (dag["next_dagrun_logical_date"], latest)


def test_make_down_stops_everything(ran):
    _, endpoint, env, last = ran
    done = _run(last, env)
    assert done.returncode == 0 and "stopped" in done.stdout, done.stdout + done.stderr
    for port in (env["VPCFLOW_LOCALAWS_PORT"], env["VPCFLOW_AIRFLOW_PORT"]):
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", int(port)), timeout=1).close()
