"""`make demo`'s last part: the findings vpcflow_detections raised on the demo's hours.

Each hour the backfill compacts emits the stack's asset; vpcflow_detections runs on those events (one run
may take several hours at once). The demo waits until every hour has been judged (vpc_flow_detection_runs
has its partition) and the runs have ended, then prints each finding's current state and what reached
Security Hub and the alerts topic.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

DAG_ID = "vpcflow_detections"
IDLE_S = 15  # no detections run active for this long, and hours still unjudged: their events are stuck


def _judged(athena: Any, config: Any) -> set[str]:
    from vpcflow.athena import Athena

    rows = Athena.for_stack(athena, config, max_poll_s=0.2).query(
        f'SELECT ingestdatetime FROM {config.database}."vpc_flow_detection_runs$partitions"'
    )
    return {r["ingestdatetime"] for r in rows}


def report_findings(api: Any, client: Callable[[str], Any], config: Any, start: datetime, end: datetime,
                    step: Callable[[str], None], timeout: float = 600) -> set[str]:  # fmt: skip
    """Wait for the demo hours to be judged, print the findings; the detections runs' end states."""
    from vpcflow.detections import listing

    hours = {
        f"{start + timedelta(hours=i):%Y-%m-%d-%H}" for i in range(int((end - start) / timedelta(hours=1)))
    }
    step(
        f"waiting for {DAG_ID} (started by each compacted hour's asset event) to judge the {len(hours)} hours"
    )
    athena = client("athena")
    deadline = time.monotonic() + timeout
    states: dict[str, str] = {}
    idle_since: float | None = None
    while time.monotonic() < deadline:
        runs = api.runs(DAG_ID)
        states = {r["dag_run_id"]: r["state"] for r in runs}
        ended = all(s in ("success", "failed") for s in states.values())
        left = hours - _judged(athena, config)
        if not left and ended:
            break
        idle_since = (idle_since or time.monotonic()) if ended else None
        if idle_since is not None and time.monotonic() - idle_since > IDLE_S:
            # An event that came while a run was active waits in Airflow's queue for the next event
            # (apache/airflow#56050); vpcflow_reconcile judges such hours hourly, the demo does it now.
            step(f"  {len(left)} compacted hour(s) not judged by an asset-triggered run (apache/airflow#56050): "
                 f"triggering {DAG_ID} for {sorted(left)}, as vpcflow_reconcile would")  # fmt: skip
            api.trigger(DAG_ID, conf={"hours": sorted(left)})
            idle_since = None
        time.sleep(2)
    else:
        step(f"  not every hour was judged within {timeout:.0f} s: {sorted(hours - _judged(athena, config))}")
        return {"failed"}
    for run_id, state in sorted(states.items()):
        if state == "failed":
            failed = [t["task_id"] for t in api.task_instances(DAG_ID, run_id) if t["state"] == "failed"]
            step(f"  {run_id} failed in {failed}")
    step(f"  {len(states)} {DAG_ID} run(s) for {len(hours)} hours: {sorted(set(states.values()))}")
    query = listing.Query.make(since=min(hours))
    rows, scanned = listing.latest(athena, config, query)
    step(
        f"findings raised on the demo's hours ({len(rows)}; `vpcflow findings --local --since {min(hours)}`):"
    )
    print("    " + listing.table(rows).replace("\n", "\n    "))
    if rows:
        print("\n    " + listing.details(rows[0]).replace("\n", "\n    "))
    hub = client("securityhub")
    prefix = f"vpcflow/{config.stack_name}/"
    pages = hub.get_paginator("get_findings").paginate(
        Filters={"Id": [{"Value": prefix, "Comparison": "PREFIX"}]}
    )
    in_hub = [f for page in pages for f in page["Findings"]]
    by_severity: dict[str, int] = {}
    for finding in in_hub:
        by_severity[finding["Severity"]["Label"]] = by_severity.get(finding["Severity"]["Label"], 0) + 1
    ledger = (
        client("s3").list_objects_v2(Bucket=config.bucket, Prefix="detections/delivered/").get("KeyCount", 0)
    )
    step(
        f"  Security Hub holds {len(in_hub)} vpcflow finding(s) {by_severity}; {ledger} delivered to Security Hub "
        f"and the alerts topic {config.alerts_topic} (once each); {scanned:,} bytes scanned to list them"
    )
    return set(states.values()) or {"success"}
