"""vpcflow_hourly end to end: one hour of 100,000 records, wall time per task and Athena bytes scanned.

    .venv/bin/python benchmarks/bench_hourly.py        # or: .venv/bin/python benchmarks/run.py hourly

Starts its own LocalAWS (in this process, 127.0.0.1, random port) and a throwaway AIRFLOW_HOME with a
SQLite metadata DB, provisions a stack (S3, Glue, Athena workgroup, QuickSight), writes one generated hour
to S3 as Firehose would, and runs the real vpcflow_hourly DAG for that hour with ``dag.test()``, twice:
the second run is the idempotent rerun of the same hour. SPICE refresh stays on (localaws QuickSight runs
the dataset's Athena query, so it shows up as scanned bytes).

Task wall time comes from the task instances' start/end dates. Each Athena query submitted in the stack's
workgroups (its own and SPICE's ``<workgroup>-spice``) is given to the task whose [start, end] holds its submission time (dag.test runs one task at a
time), with DataScannedInBytes and EngineExecutionTimeInMillis from GetQueryExecution.

The DAG reads its poll interval and deferrability when parsed; as on the local stack (``make demo``) this
benchmark polls every second and does not defer (``VPCFLOW_ATHENA_POLL_S=1``, ``VPCFLOW_DEFERRABLE=false``;
set them in the environment to measure something else). ``BENCH_HOURLY_RECORDS`` changes the volume.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
for path in (REPO, REPO / "plugins"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

REGION = "us-east-1"
RECORDS = int(os.environ.get("BENCH_HOURLY_RECORDS", "100000"))
# An hour safely in the past, so wait_for_hour (with grace and buffer set to 0) lets the run through at once.
HOUR = datetime(2026, 11, 25, 10, tzinfo=UTC)


@dataclass
class Query:
    qid: str
    submitted: datetime
    state: str
    scanned: int
    engine_ms: int
    total_ms: int
    sql: str


@dataclass
class TaskFigures:
    task_id: str
    state: str
    tries: int
    wall_s: float | None
    queries: list[Query] = field(default_factory=list)

    @property
    def scanned(self) -> int:
        return sum(q.scanned for q in self.queries)

    @property
    def engine_ms(self) -> int:
        return sum(q.engine_ms for q in self.queries)


@dataclass
class RunFigures:
    state: str
    wall_s: float  # dag.test() call, parsing of the run's tasks included
    run_s: float  # first task start to last task end
    tasks: dict[str, TaskFigures]
    stray_queries: list[Query]  # submitted in the workgroup outside every task's window


def _prepare_environment(home: Path) -> None:
    """Airflow reads its configuration when first imported: as tests/conftest.py does, before any import."""
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_SESSION_TOKEN="testing",
        AWS_DEFAULT_REGION=REGION,
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(REPO / "dags"),
        AIRFLOW__CORE__PLUGINS_FOLDER=str(REPO / "plugins"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__UNIT_TEST_MODE="False",
        AIRFLOW__LOGGING__LOGGING_LEVEL="WARNING",
        AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST=json.dumps(
            [
                {
                    "name": "dags-folder",
                    "classpath": "airflow.dag_processing.bundles.local.LocalDagBundle",
                    "kwargs": {"path": str(REPO / "dags")},
                }
            ]
        ),
    )
    os.environ.pop("AWS_PROFILE", None)
    os.environ.setdefault("VPCFLOW_ATHENA_POLL_S", "1")
    os.environ.setdefault("VPCFLOW_DEFERRABLE", "false")


def _aws_connection(endpoint: str) -> None:
    os.environ["AIRFLOW_CONN_AWS_DEFAULT"] = json.dumps(
        {
            "conn_type": "aws",
            "login": "testing",
            "password": "testing",
            "extra": {"endpoint_url": endpoint, "region_name": REGION},
        }
    )


def _queries_since(athena: Any, workgroup: str, since: datetime) -> list[Query]:
    ids = [
        qid
        for page in athena.get_paginator("list_query_executions").paginate(WorkGroup=workgroup)
        for qid in page["QueryExecutionIds"]
    ]
    found = []
    for lo in range(0, len(ids), 50):
        for ex in athena.batch_get_query_execution(QueryExecutionIds=ids[lo : lo + 50])["QueryExecutions"]:
            submitted = ex["Status"]["SubmissionDateTime"]
            if submitted < since:
                continue
            stats = ex.get("Statistics", {})
            found.append(
                Query(
                    qid=ex["QueryExecutionId"],
                    submitted=submitted,
                    state=ex["Status"]["State"],
                    scanned=stats.get("DataScannedInBytes", 0),
                    engine_ms=stats.get("EngineExecutionTimeInMillis", 0),
                    total_ms=stats.get("TotalExecutionTimeInMillis", 0),
                    sql=" ".join(ex["Query"].split()),
                )
            )
    return sorted(found, key=lambda q: q.submitted)


def _settle_ingestions(qs: Any, account: str, dataset: str, timeout_s: float = 60) -> None:
    """Wait out the ingestion provisioning starts on the new dataset, so its Athena query is not counted."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        ingestions = qs.list_ingestions(AwsAccountId=account, DataSetId=dataset)["Ingestions"]
        if all(i["IngestionStatus"] in ("COMPLETED", "FAILED", "CANCELLED") for i in ingestions):
            return
        time.sleep(0.2)
    raise SystemExit(f"dataset {dataset}: provisioning's ingestion still running after {timeout_s:.0f} s")


def _run_hour(dag: Any, conf: dict[str, Any], athena: Any, workgroups: list[str]) -> RunFigures:
    import pendulum

    since = datetime.now(UTC)
    started = time.perf_counter()
    # A manual run of a data-interval timetable processes the interval that ends at its logical date.
    run = dag.test(logical_date=pendulum.instance(HOUR + timedelta(hours=1)), run_conf=conf)
    wall = time.perf_counter() - started
    tis = sorted(run.get_task_instances(), key=lambda ti: (ti.start_date is None, ti.start_date))
    tasks = {
        ti.task_id: TaskFigures(
            task_id=ti.task_id,
            state=str(ti.state),
            tries=ti.try_number,
            wall_s=(ti.end_date - ti.start_date).total_seconds() if ti.start_date and ti.end_date else None,
        )
        for ti in tis
    }
    stray = []
    for query in sorted(
        (q for workgroup in workgroups for q in _queries_since(athena, workgroup, since)),
        key=lambda q: q.submitted,
    ):
        owner = next(
            (
                ti.task_id
                for ti in tis
                if ti.start_date and ti.end_date and ti.start_date <= query.submitted <= ti.end_date
            ),
            None,
        )
        (tasks[owner].queries if owner else stray).append(query)
    spans = [ti for ti in tis if ti.start_date and ti.end_date]
    run_s = (max(ti.end_date for ti in spans) - min(ti.start_date for ti in spans)).total_seconds()
    return RunFigures(str(run.state), wall, run_s, tasks, stray)


def _fmt_s(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _fmt_n(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _report(runs: list[RunFigures], totals: dict[str, Any], setup: dict[str, float]) -> None:
    labels = ["first run", "rerun"][: len(runs)]
    print(
        f"vpcflow_hourly, one hour of {totals['rows_in']:,} records, dag.test() on in-process localaws"
        f" (VPCFLOW_ATHENA_POLL_S={os.environ['VPCFLOW_ATHENA_POLL_S']},"
        f" VPCFLOW_DEFERRABLE={os.environ['VPCFLOW_DEFERRABLE']}, spice refresh on)"
    )
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(
        "setup: "
        + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in setup.items())
        + " (not counted below)"
    )
    print()
    head = f"{'task':<28}"
    sub = f"{'':<28}"
    for label in labels:
        head += f"  {label:^37}"
        sub += f"  {'wall s':>7} {'queries':>7} {'scanned B':>12} {'engine ms':>9}"
    print(head)
    print(sub)
    order = list(runs[0].tasks)
    for task_id in order:
        line = f"{task_id:<28}"
        for run in runs:
            t = run.tasks.get(task_id)
            if t is None:
                line += f"  {'(not run)':>37}"
                continue
            mark = "" if t.state == "success" else f" [{t.state}]"
            retry = "" if t.tries <= 1 else f" [tries {t.tries}]"
            if t.queries:
                line += f"  {_fmt_s(t.wall_s):>7} {len(t.queries):>7} {_fmt_n(t.scanned):>12} {_fmt_n(t.engine_ms):>9}"
            else:
                line += f"  {_fmt_s(t.wall_s):>7} {'':>7} {'':>12} {'':>9}"
            line += mark + retry
        print(line.rstrip())
    line = f"{'sum of tasks':<28}"
    for run in runs:
        wall = sum(t.wall_s or 0 for t in run.tasks.values())
        queries = [q for t in run.tasks.values() for q in t.queries]
        line += (
            f"  {wall:>7.2f} {len(queries):>7} {_fmt_n(sum(q.scanned for q in queries)):>12}"
            f" {_fmt_n(sum(q.engine_ms for q in queries)):>9}"
        )
    print(line)
    for name, attr in (("first task start..last end", "run_s"), ("dag.test() wall", "wall_s")):
        print(f"{name:<28}" + "".join(f"  {getattr(run, attr):>7.2f}{'':>30}" for run in runs).rstrip())
    print(f"{'run state':<28}" + "".join(f"  {run.state:>7}{'':>30}" for run in runs).rstrip())
    for label, run in zip(labels, runs, strict=True):
        for query in run.stray_queries:
            print(
                f"{label}: query outside every task's window at {query.submitted:%H:%M:%S.%f},"
                f" {query.scanned:,} B scanned: {query.sql[:70]}"
            )
    print()
    print(f"rows in (lines generated)        {totals['rows_in']:>14,}")
    print(f"rows the regex reads             {totals['records']:>14,}")
    print(f"rows compacted (Parquet, rerun)  {totals['rows_compacted']:>14,}")
    print(f"raw bytes, uncompressed          {totals['raw_bytes']:>14,}")
    print(f"raw bytes, gzip ({totals['raw_objects']} objects)     {totals['gzip_bytes']:>14,}")
    print(f"Parquet bytes ({totals['parquet_objects']} objects)        {totals['parquet_bytes']:>14,}")
    print(
        f"compression: raw/Parquet {totals['raw_bytes'] / totals['parquet_bytes']:.1f}x,"
        f" gzip/Parquet {totals['gzip_bytes'] / totals['parquet_bytes']:.2f}x"
    )


def main() -> None:
    # localaws runs in this process: its per-request access log would bury the figures.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    work = Path(tempfile.mkdtemp(prefix="vpcflow-bench-hourly-"))
    try:
        _prepare_environment(work / "airflow")
        _bench(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _bench(work: Path) -> None:
    setup: dict[str, float] = {}
    t0 = time.perf_counter()
    from localaws.server import LocalAWS

    aws = LocalAWS(port=0, state_dir=work / "localaws").start()
    try:
        _aws_connection(aws.endpoint)
        setup["localaws start"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        from airflow.utils import db

        db.initdb()
        # dag.test() warns once a second while a task waits out its retry delay; the table shows the tries.
        logging.getLogger("airflow.sdk.definitions.dag").setLevel(logging.ERROR)
        setup["airflow import + initdb"] = time.perf_counter() - t0

        from vpcflow.athena import Athena
        from vpcflow.hourly.context import HourContext
        from vpcflow.hourly.settings import RunSettings
        from vpcflow.model.config import StackConfig
        from vpcflow.provision.common import Clients
        from vpcflow.provision.stack import provision_catalog, provision_quicksight, provision_storage
        from vpcflow.synthetic.generator import GeneratorConfig, build_estate, generate_hour
        from vpcflow.synthetic.sinks import write_s3

        t0 = time.perf_counter()
        config = StackConfig.isolated("bench", buffer_interval_s=0)
        # The DAG's tasks learn the stack from the environment, as in a deployment.
        os.environ.update(config.to_env())
        clients = Clients(endpoint_url=aws.endpoint, region=REGION)
        provision_storage(clients, config)
        provision_catalog(clients, config)
        provision_quicksight(clients, config)
        _settle_ingestions(clients("quicksight"), clients.account, config.quicksight_dataset_id)
        setup["provision"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        gen = GeneratorConfig(records_per_hour=RECORDS, daily_curve=False)
        batch = generate_hour(HOUR, gen, build_estate(gen.seed, gen.accounts))
        raw_bytes = sum(len(line.encode()) + 1 for line in batch.lines)
        s3 = clients("s3")
        (summary,) = write_s3([batch], s3, bucket=config.bucket, prefix=config.raw_prefix, seed=gen.seed)
        gzip_bytes = sum(
            s3.head_object(Bucket=config.bucket, Key=key)["ContentLength"] for key in summary.objects
        )
        setup["generate + write S3"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        from airflow.dag_processing.dagbag import DagBag

        dag = DagBag(dag_folder=str(REPO / "dags" / "vpcflow_hourly.py")).get_dag("vpcflow_hourly")
        if dag is None:
            raise SystemExit("dags/vpcflow_hourly.py did not yield the DAG vpcflow_hourly (import error?)")
        setup["parse DAG"] = time.perf_counter() - t0

        hour = HourContext(config, RunSettings(grace_s=0), HOUR)
        athena = clients("athena")
        runs = [
            _run_hour(dag, {"grace_s": 0}, athena, [config.workgroup, config.spice_workgroup])
            for _ in range(2)
        ]

        (row,) = Athena.for_stack(athena, config, max_poll_s=0.05).query(
            f"SELECT count(*) AS n FROM {hour.table(config.parquet_table)} WHERE ingestdatetime = '{hour.label}'"
        )
        bucket, _, prefix = hour.parquet_location.removeprefix("s3://").partition("/")
        parquet = s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
        totals = {
            "rows_in": summary.lines,
            "records": summary.records,
            "rows_compacted": int(row["n"]),
            "raw_bytes": raw_bytes,
            "gzip_bytes": gzip_bytes,
            "raw_objects": len(summary.objects),
            "parquet_bytes": sum(item["Size"] for item in parquet) or 1,
            "parquet_objects": len(parquet),
        }
        _report(runs, totals, setup)
    finally:
        aws.stop()


if __name__ == "__main__":
    main()
