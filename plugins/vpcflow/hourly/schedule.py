"""How vpcflow_hourly is scheduled: read from the environment when the DAG file is parsed."""

from __future__ import annotations

import os
from dataclasses import dataclass


def _env(name: str, default: str) -> str:
    return os.environ.get(f"VPCFLOW_{name}", default)


def _bool(name: str, default: str) -> bool:
    return _env(name, default).strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class HourlySchedule:
    """How vpcflow_hourly is scheduled: read at parse time, so environment only."""

    start_date: object
    catchup: bool
    max_active_runs: int
    athena_poll_s: int
    deferrable: bool


def hourly_schedule_settings() -> HourlySchedule:
    import pendulum

    start = _env("START_DATE", "2026-11-01T00:00:00+00:00")
    try:
        start_date = pendulum.parse(start).in_timezone("UTC")
    except ValueError as err:
        raise ValueError(f"VPCFLOW_START_DATE={start!r} is not an ISO 8601 date-time: {err}") from None
    return HourlySchedule(
        start_date=start_date,
        # Off by default: unpausing a new stack must not start hundreds of runs for hours before its data;
        # history is loaded with a backfill (`make backfill`), which Airflow 3 runs whatever this says.
        catchup=_bool("CATCHUP", "false"),
        max_active_runs=int(_env("MAX_ACTIVE_RUNS", "4")),
        athena_poll_s=int(_env("ATHENA_POLL_S", "5")),
        deferrable=_bool("DEFERRABLE", "true"),
    )
