"""The hourly path for fault tests: a provisioned stack with one generated hour, vpcflow_hourly run on it
with dag.test(), faults armed on localaws Athena, and the state an hour leaves behind, comparable
between stacks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pendulum
import requests
from vpcflow.athena import Athena
from vpcflow.model.config import StackConfig
from vpcflow.provision.common import Clients
from vpcflow.provision.stack import provision_catalog, provision_quicksight, provision_storage
from vpcflow.synthetic.generator import GeneratorConfig
from vpcflow.synthetic.sinks import generate_to_s3

ACCOUNT = "123456789012"
HOUR = datetime(2026, 11, 24, 14, tzinfo=UTC)
GENERATED = GeneratorConfig(records_per_hour=1500, seed=11)
ATHENA_FAULTS = "/_localaws/athena/faults"


@dataclass
class Stack:
    config: StackConfig
    clients: Clients
    records: int  # rows the hour's Parquet partition must hold

    @property
    def label(self) -> str:
        return f"{HOUR:%Y-%m-%d-%H}"


def new_config() -> StackConfig:
    # No Firehose buffer interval to wait out: the hour's objects are written directly.
    return StackConfig.isolated("faults", buffer_interval_s=0)


def provision(endpoint: str, config: StackConfig) -> Clients:
    """The stack's storage, catalog and QuickSight side, as the e2e test provisions it (idempotent)."""
    clients = Clients(endpoint_url=endpoint, region="us-east-1")
    provision_storage(clients, config)
    provision_catalog(clients, config)
    provision_quicksight(clients, config)
    return clients


def deliver_hour(clients: Clients, config: StackConfig) -> int:
    """HOUR's objects in Firehose's layout (the same lines in every stack); returns its valid records."""
    (summary,) = generate_to_s3(HOUR, HOUR + timedelta(hours=1), GENERATED, s3=clients("s3"),
                                url=config.raw_location)  # fmt: skip
    return summary.records


def new_stack(endpoint: str) -> Stack:
    config = new_config()
    clients = provision(endpoint, config)
    return Stack(config, clients, deliver_hour(clients, config))


def run_hour(dag: Any, stack: Stack, **overrides: Any) -> Any:
    """vpcflow_hourly for HOUR on ``stack`` (named by the environment, as a deployment names it)."""
    from tests.conftest import stack_environment

    # A manual run of a data-interval timetable processes the interval that ends at its logical date; a
    # second call for the same date clears the run's task instances first, as `airflow tasks clear` does.
    with stack_environment(stack.config):
        return dag.test(
            logical_date=pendulum.instance(HOUR + timedelta(hours=1)), run_conf={"grace_s": 0, **overrides}
        )


def task_states(run: Any) -> dict[str, str]:
    return {ti.task_id: ti.state for ti in run.get_task_instances()}


def tries(run: Any) -> dict[str, int]:
    return {ti.task_id: ti.try_number for ti in run.get_task_instances()}


# ---- faults on localaws Athena ------------------------------------------------------------------------
def arm(endpoint: str, **spec: Any) -> None:
    answer = requests.post(endpoint + ATHENA_FAULTS, json=spec, timeout=10)
    answer.raise_for_status()


def faults(endpoint: str) -> dict[str, Any]:
    return requests.get(endpoint + ATHENA_FAULTS, timeout=10).json()


def clear(endpoint: str) -> None:
    requests.delete(endpoint + ATHENA_FAULTS, timeout=10).raise_for_status()


# ---- the state an hour leaves ----------------------------------------------------------------------
def _rows(stack: Stack, sql: str) -> list[dict[str, str | None]]:
    return Athena.for_stack(stack.clients("athena"), stack.config, max_poll_s=0.1).query(sql)


def _partitions(stack: Stack, table: str) -> list[list[str]]:
    pages = stack.clients("glue").get_paginator("get_partitions")
    found = pages.paginate(DatabaseName=stack.config.database, TableName=table)
    return sorted(p["Values"] for page in found for p in page["Partitions"])


def _objects(stack: Stack, prefix: str) -> int:
    pages = (
        stack.clients("s3")
        .get_paginator("list_objects_v2")
        .paginate(Bucket=stack.config.bucket, Prefix=prefix)
    )
    return sum(len(page.get("Contents", [])) for page in pages)


def state_of_hour(stack: Stack) -> dict[str, Any]:
    """Everything a run leaves for HOUR, free of the stack's names: so a stack's state equals another's
    exactly when both processed the same hour the same way."""
    config, label = stack.config, stack.label
    db, raw, parquet = config.database, config.raw_table, config.parquet_table
    quality = f"{raw}_quality"
    (parquet_sums,) = _rows(stack, (
        f"SELECT count(*) AS rows, sum(bytes) AS bytes, sum(packets) AS packets, sum(starttime) AS starts,"
        f" count_if(action = 'REJECT') AS rejects, count(DISTINCT sourceaddress) AS sources"
        f" FROM {db}.{parquet} WHERE ingestdatetime = '{label}'"))  # fmt: skip
    quality_rows = _rows(stack, (
        f"SELECT check_name, value, passed FROM {db}.{quality} WHERE ingestdatetime = '{label}'"
        " ORDER BY check_name, value"))  # fmt: skip
    return {
        "raw_partitions": _partitions(stack, raw),
        "typed_partitions": _partitions(stack, config.typed_table),
        "parquet_partitions": _partitions(stack, parquet),
        "quality_partitions": _partitions(stack, quality),
        "parquet_objects": _objects(stack, f"{config.parquet_prefix}{HOUR:%Y/%m/%d/%H}/"),
        # A try's CTAS entry or compaction lock left behind would show here.
        "stage_tables": sorted(
            t["Name"].rsplit("_", 1)[0]
            for t in stack.clients("glue").get_tables(DatabaseName=db)["TableList"]
            if "_stage_" in t["Name"]
        ),
        "locks": _objects(stack, "locks/"),
        "parquet": parquet_sums,
        # A list, not a set: a check stored twice for the hour shows as two rows.
        "quality_rows": [(r["check_name"], r["value"], r["passed"]) for r in quality_rows],
    }


def ingestions(stack: Stack) -> dict[str, dict[str, Any]]:
    qs = stack.clients("quicksight")
    found = qs.list_ingestions(AwsAccountId=ACCOUNT, DataSetId=stack.config.quicksight_dataset_id)
    return {i["IngestionId"]: i for i in found["Ingestions"]}


def wait_ingestions_idle(stack: Stack) -> None:
    """Until no ingestion of the stack's dataset is unfinished (the one its creation started, say)."""
    import time

    while any(
        i["IngestionStatus"] not in ("COMPLETED", "FAILED", "CANCELLED") for i in ingestions(stack).values()
    ):
        time.sleep(0.1)


def wait_until(condition: Any, what: str, attempts: int = 600) -> None:
    """Poll ``condition`` every 0.1 s; fail naming ``what`` if it never holds (a hang, not a timing test)."""
    import time

    for _ in range(attempts):
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"never happened: {what}")


# ---- a localaws of its own, in its own process, to restart ----------------------------------------------
class LocalAWSProcess:
    """``python -m localaws`` on a fixed port, stopped with SIGTERM and started again, as a user restarts it."""

    def __init__(self, state_dir: str):
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.state_dir = state_dir
        self.proc: Any = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _healthy(self) -> bool:
        try:
            return requests.get(self.endpoint + "/_localaws/health", timeout=2).ok
        except requests.ConnectionError:
            return False

    def start(self) -> LocalAWSProcess:
        import subprocess
        import sys
        from pathlib import Path

        repo = Path(__file__).resolve().parents[2]
        cmd = [sys.executable, "-m", "localaws", "--port", str(self.port), "--state-dir", self.state_dir]
        self.proc = subprocess.Popen(cmd, cwd=repo, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(
            lambda: self.proc.poll() is None and self._healthy(), f"localaws answering on {self.endpoint}"
        )
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except Exception:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()
