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
    from vpcflow.devstack.airflow_local import AirflowLocal

    return AirflowLocal(home=REPO / ".airflow" / "local", aws_endpoint=settings.endpoint)


def _stack(args: argparse.Namespace) -> int:
    settings = LocalSettings()
    airflow = _airflow(settings)
    if args.action == "up":
        local.up(settings)
        airflow.start()
        print(
            f"localaws: {settings.endpoint}   Airflow UI: {airflow.url}  (user admin, password "
            f"{airflow.admin_password()})\ndashboard: {airflow.dashboard_url()} (once an hour has refreshed "
            f"SPICE)\nlistening on {sorted(airflow.listening())}; `make down` stops it all"
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
