"""`make demo`: the whole pipeline end to end on localaws, with progress, then the results.

localaws and Airflow (api-server, scheduler, dag-processor, triggerer; loopback only) are started here
and stopped here, whatever happens. Exit status 0 only if every step succeeded.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta

from vpcflow.devstack import local
from vpcflow.devstack.settings import LocalSettings
from vpcflow.model.resources import require_checkout

REPO = require_checkout("the local developer stack")
DEMO_HOURS = 6
RECORDS_PER_HOUR = 5000
API_PORT = int(os.environ.get("VPCFLOW_DEMO_API_PORT", "8080"))

_started = time.monotonic()


def step(message: str) -> None:
    print(f"[{time.monotonic() - _started:6.1f}s] {message}", flush=True)


def demo_environment(start_date: datetime) -> dict[str, str]:
    """What the demo's Airflow runs with: small buffers and polls, and no scheduled runs of its own."""
    return {
        "VPCFLOW_BUCKET": "vpcflow-demo",
        # The hourly DAG's own schedule starts after the demo: the past hours arrive through the backfill.
        "VPCFLOW_START_DATE": start_date.isoformat(),
        "VPCFLOW_BUFFER_INTERVAL_S": "60",
        "VPCFLOW_HOUR_GRACE_S": "0",
        "VPCFLOW_ATHENA_POLL_S": "1",
        "VPCFLOW_LAMBDA_TIMEOUT_S": "60",
        "VPCFLOW_QUICKSIGHT_PRINCIPAL": "arn:aws:quicksight:us-east-1:123456789012:user/default/demo",
    }


def main() -> int:
    os.environ.update(
        AWS_ACCESS_KEY_ID="localaws", AWS_SECRET_ACCESS_KEY="localaws", AWS_DEFAULT_REGION="us-east-1"
    )
    settings = LocalSettings()
    home = REPO / ".airflow" / "demo"
    now = datetime.now(UTC)
    # The last complete hour whose wait (end + 60 s buffer) is already over, and the five before it.
    end = (now - timedelta(minutes=2)).replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(hours=DEMO_HOURS)
    env = demo_environment(end + timedelta(hours=2))
    os.environ.update(env)

    from vpcflow.devstack.airflow_local import AirflowLocal

    airflow = AirflowLocal(home=home, aws_endpoint=settings.endpoint, api_port=API_PORT)
    # localaws starts empty, so Airflow's metadata starts empty too: a run or backfill left by an earlier,
    # interrupted demo would otherwise block this one ("Another backfill is running").
    airflow.stop()
    shutil.rmtree(home, ignore_errors=True)
    ok = False
    try:
        step(f"starting localaws on {settings.endpoint}")
        local.up(settings)
        step(f"starting Airflow 3 (api-server on {airflow.url}, scheduler, dag-processor, triggerer)")
        airflow.start(env=env)
        listening = airflow.listening()
        exposed = sorted(addr for addr in listening if addr[0] not in ("127.0.0.1", "::1"))
        if exposed:
            raise RuntimeError(f"Airflow listens beyond loopback: {exposed}")
        step(f"Airflow is healthy; it listens on {sorted(listening)} only")
        ok = run(airflow, settings, start, end)
    except Exception as err:  # the demo reports any failure plainly, then still stops what it started
        step(f"FAILED: {type(err).__name__}: {err}")
        for log in sorted((home / "logs").glob("*.log")):
            step(f"  component log: {log}")
    finally:
        step("stopping Airflow and localaws")
        stopped = airflow.stop()
        local.down(settings)
        step(f"stopped {', '.join(stopped) or 'no Airflow component'} and localaws")
    step("demo succeeded" if ok else "demo FAILED")
    return 0 if ok else 1


def run(airflow, settings: LocalSettings, start: datetime, end: datetime) -> bool:
    import boto3

    from vpcflow.devstack.airflow_api import AirflowAPI
    from vpcflow.model.config import StackConfig
    from vpcflow.synthetic.generator import GeneratorConfig
    from vpcflow.synthetic.sinks import generate_to_log_group, generate_to_s3

    config = StackConfig()
    api = AirflowAPI(airflow.url, "admin", airflow.admin_password() or "")

    def client(name: str):
        return boto3.client(name, endpoint_url=settings.endpoint, region_name="us-east-1")

    step("waiting for the dag-processor to parse vpcflow_provision, vpcflow_hourly and vpcflow_detections")
    for dag_id in ("vpcflow_provision", "vpcflow_hourly", "vpcflow_detections"):
        api.wait_for_dag(dag_id)
        api.unpause(dag_id)

    step(
        "triggering vpcflow_provision (bucket, IAM, Firehose, Lambdas, subscription, Athena, Glue, QuickSight)"
    )
    run_id = api.trigger("vpcflow_provision")
    if wait_runs(api, "vpcflow_provision", [run_id], timeout=600) != {"success"}:
        return False

    from vpcflow.devstack.stack_cli import load_enrichment
    from vpcflow.synthetic import ec2_estate
    from vpcflow.synthetic.generator import build_estate

    step(
        "loading the enrichment (vpcflow_enrichment: AWS's ranges from a local sample, IANA's names, geo"
        " ranges) and placing the generated estate's interfaces in EC2, where vpcflow_hourly snapshots them"
    )
    load_enrichment(api, airflow)
    estate = ec2_estate.place(client("ec2"), build_estate(7, 3), 7)
    step(
        f"generating {DEMO_HOURS} hours of flow logs ({RECORDS_PER_HOUR}/hour) for {start:%Y-%m-%d %H:00}"
        f" .. {end:%H:00} UTC, straight into s3://{config.bucket}/{config.raw_prefix} as Firehose writes them"
    )
    generated = generate_to_s3(
        start,
        end,
        GeneratorConfig(records_per_hour=RECORDS_PER_HOUR, seed=7),
        s3=client("s3"),
        url=config.raw_location,
        estate=estate,
    )
    step(
        f"  {sum(s.lines for s in generated)} lines, {sum(s.malformed for s in generated)} malformed on purpose"
    )

    step(
        f"sending 500 live events through the real-time path: log group {config.log_group} -> subscription"
        " -> Lambda -> Firehose -> S3"
    )
    live_hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    live = generate_to_log_group(
        live_hour,
        live_hour + timedelta(hours=1),
        GeneratorConfig(records_per_hour=500, seed=11, daily_curve=False),
        logs=client("logs"),
        log_group=config.log_group,
        estate=estate,
    )
    live_keys = wait_live_objects(settings, client("s3"), config, live_hour)
    step(f"  {sum(s.lines for s in live)} events arrived as {len(live_keys)} gzip object(s): {live_keys[:2]}")

    backfill_to = end.isoformat()
    step(
        f"backfilling vpcflow_hourly for {start:%H:00}..{end:%H:00} through the scheduler: airflow backfill"
        f" create --dag-id vpcflow_hourly --from-date {start.isoformat()} --to-date {backfill_to}"
    )
    airflow.backfill(
        "vpcflow_hourly",
        start.isoformat(),
        (end - timedelta(seconds=1)).isoformat(),
        max_active_runs=2,
        conf={"backfill_to": backfill_to},
    )
    runs = []
    deadline = time.monotonic() + 60
    while len(runs) < DEMO_HOURS and time.monotonic() < deadline:
        runs = [r["dag_run_id"] for r in api.runs("vpcflow_hourly", run_type="backfill")]
        time.sleep(1)
    states = wait_runs(api, "vpcflow_hourly", runs, timeout=900)
    report(api, client("athena"), config, runs, start, end)
    from vpcflow.devstack.demo_findings import report_findings

    states |= report_findings(api, client, config, start, end, step)
    if states == {"success"}:
        from vpcflow.dashboard.page import render_dashboard_html

        page = render_dashboard_html(
            settings.endpoint, config.quicksight_dashboard_id, REPO / ".airflow" / "demo" / "dashboard.html"
        )
        step(
            f"the dashboard, rendered from the SPICE dataset the backfill refreshed: {page} (open it in a"
            " browser; it needs no network)"
        )
    step(
        f"Airflow UI: {airflow.url}  (user admin, password {airflow.admin_password()}; up while the demo runs,"
        " `make up` keeps it running)"
    )
    return states == {"success"}


def wait_live_objects(settings: LocalSettings, s3, config, hour: datetime) -> list[str]:
    """Flush localaws's Firehose buffers (AWS would after its buffer interval) and list the hour's objects."""
    prefix = f"{config.raw_prefix}{hour:%Y/%m/%d/%H}/"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        request = urllib.request.Request(
            f"{settings.endpoint}/_localaws/firehose/flush", method="POST", data=b""
        )
        urllib.request.urlopen(request, timeout=30).read()
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=config.bucket, Prefix=prefix).get("Contents", [])]
        if keys:
            return keys
        time.sleep(1)
    raise RuntimeError(f"no live objects under s3://{config.bucket}/{prefix} after 60 s")


def wait_runs(api, dag_id: str, run_ids: list[str], timeout: float) -> set[str]:
    def progress(states: dict[str, str]) -> None:
        counts = ", ".join(f"{s}={list(states.values()).count(s)}" for s in sorted(set(states.values())))
        step(f"  {dag_id}: {counts}")

    runs = api.wait_finished(dag_id, run_ids, timeout, on_change=progress)
    for run_id, state in runs.items():
        if state == "failed":
            failed = [t["task_id"] for t in api.task_instances(dag_id, run_id) if t["state"] == "failed"]
            step(f"  {run_id} failed in {failed}")
    return set(runs.values())


def athena(client, config, sql: str) -> tuple[list[list[str | None]], int]:
    """The rows (header first) and the bytes scanned of one query."""
    from vpcflow.athena import Athena

    runner = Athena.for_stack(client, config, max_poll_s=0.2)
    execution = runner.run(sql)
    rows = runner.rows(execution["QueryExecutionId"])
    table = [list(rows[0])] + [list(r.values()) for r in rows] if rows else []
    return table, execution["Statistics"]["DataScannedInBytes"]


def report(api, athena_client, config, runs: list[str], start: datetime, end: datetime) -> None:
    from vpcflow.model import sqlfiles

    step("per-hour quality verdicts (from the quality table):")
    rows, _ = athena(
        athena_client,
        config,
        (
            f"SELECT ingestdatetime, check_name, value, passed FROM {config.database}.{config.raw_table}_quality "
            "WHERE check_name IN ('total_rows', 'malformed_rows', 'nodata_rows', 'skipdata_rows', 'duplicate_rows') "
            "OR passed = false ORDER BY ingestdatetime, check_name"
        ),
    )
    by_hour: dict[str, dict[str, str]] = {}
    for hour, check, value, passed in rows[1:]:
        by_hour.setdefault(hour, {})[check] = value if passed == "true" else f"{value} FAILED"
    print(f"    {'hour':14} {'rows':>7} {'malformed':>9} {'nodata':>7} {'skipdata':>8} {'dups':>5}  verdict")
    for hour, checks in sorted(by_hour.items()):
        verdict = "FAILED" if any("FAILED" in v for v in checks.values()) else "passed"
        print(
            f"    {hour:14} {checks.get('total_rows', '-'):>7} {checks.get('malformed_rows', '-'):>9} "
            f"{checks.get('nodata_rows', '-'):>7} {checks.get('skipdata_rows', '-'):>8} "
            f"{checks.get('duplicate_rows', '-'):>5}  {verdict}"
        )

    step("the blog's top-25 rejected sources query, verbatim:")
    top, scanned_all = athena(athena_client, config, sqlfiles.render("reports/blog_top_rejected.sql"))
    for source, count in top[1:11]:
        print(f"    {source:40} {count:>6}")
    print(f"    ... {len(top) - 1} rows; scanned {scanned_all:,} bytes (no partition filter: every hour)")
    since = (end - timedelta(hours=2)).strftime("%Y-%m-%d-%H")
    _, scanned_recent = athena(
        athena_client, config, sqlfiles.render("reports/blog_top_rejected_since.sql", since=since)
    )
    step(
        f"the same with the blog's partition filter ingestdatetime > '{since}': scanned {scanned_recent:,} bytes"
        f" ({scanned_recent / max(scanned_all, 1):.0%} of the unfiltered query)"
    )
    step("what the enrichment joined (issue #18): bytes by direction, AWS service and peer country")
    joined, _ = athena(
        athena_client,
        config,
        f"SELECT direction, coalesce(peer_aws_service, '-') AS service, coalesce(peer_country, '-') AS country, "
        f"count(*) AS flows, sum(bytes) AS bytes, count(interface_subnet_id) AS with_subnet "
        f"FROM {config.database}.{config.parquet_table} WHERE logstatus = 'OK' "
        f"GROUP BY 1, 2, 3 ORDER BY bytes DESC LIMIT 8",
    )
    print(
        f"    {'direction':10} {'AWS service':12} {'country':8} {'flows':>7} {'bytes':>14} {'with subnet':>12}"
    )
    for direction, service, country, flows, total, subnet in joined[1:]:
        print(f"    {direction or '-':10} {service:12} {country:8} {flows:>7} {int(total):>14,} {subnet:>12}")


if __name__ == "__main__":
    sys.exit(main())
