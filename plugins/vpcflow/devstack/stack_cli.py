"""`vpcflow stack up|down|status` (localaws + Airflow kept running: `make up`/`make down`) and
`vpcflow backfill` (`make backfill FROM=... TO=...`), which wraps Airflow 3's `airflow backfill create`."""

from __future__ import annotations

import argparse
import json

from vpcflow.devstack import local
from vpcflow.devstack.settings import LocalSettings
from vpcflow.model.resources import require_checkout

REPO = require_checkout("the local developer stack")


def _airflow(settings: LocalSettings):
    from pathlib import Path

    from vpcflow.devstack.airflow_local import AirflowLocal

    home = Path(settings.airflow_home) if settings.airflow_home else REPO / ".airflow" / "local"
    return AirflowLocal(home=home, aws_endpoint=settings.endpoint, api_port=settings.airflow_port)


def _stack(args: argparse.Namespace) -> int:
    settings = LocalSettings()
    airflow = _airflow(settings)
    if args.action == "up":
        local.up(settings)
        airflow.start()
        ready = provision(airflow)
        print(
            f"localaws: {settings.endpoint}   Airflow UI: {airflow.url}  (user admin, password "
            f"{airflow.admin_password()})\ndashboard: {airflow.dashboard_url()} (once an hour has refreshed "
            f"SPICE)\n{ready}\nlistening on {sorted(airflow.listening())}; `make down` stops it all"
        )
        return 0
    if args.action == "down":
        stopped = airflow.stop()
        local.down(settings)
        print(f"stopped {', '.join(stopped) or 'no Airflow component'} and localaws")
        return 0
    print(
        json.dumps(
            {"localaws": local.health(settings), "airflow_listening": sorted(airflow.listening())},
            indent=2,
            default=str,
        )
    )
    return 0


def provision(airflow) -> str:
    """The local stack ready to use: vpcflow_provision and vpcflow_enrichment run once (idempotent),
    vpcflow_hourly and vpcflow_reconcile unpaused (no catch-up: an hour before any data is skipped, never failed)."""
    from vpcflow.devstack.airflow_api import AirflowAPI

    api = AirflowAPI(airflow.url, "admin", airflow.admin_password() or "")
    for dag_id in ("vpcflow_provision", "vpcflow_hourly", "vpcflow_reconcile"):
        api.wait_for_dag(dag_id)
    api.unpause("vpcflow_provision")
    run_id = api.trigger("vpcflow_provision")
    state = api.wait_finished("vpcflow_provision", [run_id], timeout=600)[run_id]
    if state != "success":
        raise local.LocalAWSError(
            f"vpcflow_provision ended {state}: see {airflow.url}/dags/vpcflow_provision"
        )
    load_enrichment(api, airflow)
    for dag_id in ("vpcflow_hourly", "vpcflow_reconcile"):
        api.unpause(dag_id)
    return (
        "stack provisioned (vpcflow_provision succeeded); enrichment loaded (vpcflow_enrichment succeeded); "
        "vpcflow_hourly and vpcflow_reconcile unpaused"
    )


def load_enrichment(api, airflow) -> None:
    """AWS's ranges (the local sample, put in the stack's bucket), IANA's names and the geo ranges loaded
    by one run of vpcflow_enrichment, which stays unpaused (daily)."""
    import boto3

    from vpcflow.model.config import StackConfig
    from vpcflow.synthetic.ip_ranges import put_sample

    env = airflow.environment()
    s3 = boto3.client(
        "s3",
        endpoint_url=airflow.aws_endpoint,
        region_name="us-east-1",
        aws_access_key_id="localaws",
        aws_secret_access_key="localaws",
    )
    put_sample(s3, StackConfig.from_environ(env).bucket)
    api.wait_for_dag("vpcflow_enrichment")
    api.unpause("vpcflow_enrichment")
    run_id = api.trigger("vpcflow_enrichment")
    state = api.wait_finished("vpcflow_enrichment", [run_id], timeout=600)[run_id]
    if state != "success":
        raise local.LocalAWSError(
            f"vpcflow_enrichment ended {state}: see {airflow.url}/dags/vpcflow_enrichment"
        )


def _backfill(args: argparse.Namespace) -> int:
    import pendulum

    settings = LocalSettings()
    airflow = _airflow(settings)
    # `airflow backfill create` takes logical dates, inclusive; TO is where the last hour ends.
    last_hour = pendulum.parse(args.to_date).subtract(seconds=1).isoformat()
    # The run of the backfill's last hour refreshes SPICE once (see vpcflow.hourly.tasks.spice_refresh_due).
    airflow.backfill(
        "vpcflow_hourly", args.from_date, last_hour, args.max_active_runs, conf={"backfill_to": args.to_date}
    )
    hours = int((pendulum.parse(args.to_date) - pendulum.parse(args.from_date)).total_hours())
    print(
        f"backfill of vpcflow_hourly created: {hours} hour(s) from {args.from_date} to {args.to_date}, "
        f"{args.max_active_runs} at a time; SPICE refreshes once, in the run of the hour ending at {args.to_date}\n"
        f"follow it at {airflow.url}/dags/vpcflow_hourly/runs (run type backfill)"
    )
    if not args.wait:
        return 0
    from vpcflow.devstack.airflow_api import AirflowAPI

    api = AirflowAPI(airflow.url, "admin", airflow.admin_password() or "")
    runs = [r["dag_run_id"] for r in api.runs("vpcflow_hourly", run_type="backfill")]
    states = api.wait_finished("vpcflow_hourly", runs, timeout=args.wait)
    for run_id, state in sorted(states.items()):
        print(f"  {run_id}: {state}")
    return 0 if set(states.values()) == {"success"} else 1


def add_parsers(commands) -> None:
    stack = commands.add_parser("stack", help="localaws and Airflow kept running for interactive use")
    stack.add_argument("action", choices=["up", "down", "status"])
    stack.set_defaults(func=_stack)
    backfill = commands.add_parser("backfill", help="backfill vpcflow_hourly through the running scheduler")
    backfill.add_argument("--from", dest="from_date", required=True, help="first hour, ISO 8601 (UTC)")
    backfill.add_argument("--to", dest="to_date", required=True, help="end of the last hour, ISO 8601 (UTC)")
    backfill.add_argument("--max-active-runs", type=int, default=2)
    backfill.add_argument(
        "--wait",
        type=int,
        default=0,
        metavar="SECONDS",
        help="wait up to SECONDS for the runs and print each one's state",
    )
    backfill.set_defaults(func=_backfill)
