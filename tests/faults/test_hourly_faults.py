"""vpcflow_hourly under faults: Athena throttling and failed queries, a SPICE ingestion that fails or meets
one already running, and localaws restarted in the middle of a run.

The real DAG runs with dag.test() on localaws. Faults are armed at the AWS API boundary, on localaws
Athena's fault hook (localaws/athena/README.md); QuickSight ingestions fail or wait through the Athena
query they run. Every case processes the same generated hour in a stack of its own (provisioning one costs
about a second; a clean twin run per case would cost a run), so "the state of a clean run" is exact: the
state one clean run left in a reference stack (partitions of the raw, typed, Parquet and quality tables,
the Parquet objects, their rows and sums, the quality rows).

Two settings differ from production, for speed only: Athena is polled every second (VPCFLOW_ATHENA_POLL_S,
as an operator would set it) and the DAG's retry_delay (1 minute) is 0, so a retry happens at once.
"""

from __future__ import annotations

import os
import signal
import threading
from datetime import timedelta
from typing import Any

import pytest
from airflow.sdk import DagRunState
from vpcflow.hourly.quality import checks_for
from vpcflow.model.formats import DEFAULT_FORMAT

from tests.faults import hourly

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def hourly_dag(airflow_db, aws_conn):
    from airflow.dag_processing.dagbag import DagBag

    with pytest.MonkeyPatch.context() as env:
        env.setenv("VPCFLOW_ATHENA_POLL_S", "1")  # read when the DAG file is parsed
        dag = DagBag(dag_folder="dags/vpcflow_hourly.py").get_dag("vpcflow_hourly")
    for task in dag.tasks:
        task.retry_delay = timedelta(0)
    return dag


@pytest.fixture(scope="module")
def clean_state(localaws, hourly_dag):
    """The reference: the hour processed by a clean run, in a stack of its own."""
    stack = hourly.new_stack(localaws.endpoint)
    run = hourly.run_hour(hourly_dag, stack)
    assert run.state == DagRunState.SUCCESS, hourly.task_states(run)
    state = hourly.state_of_hour(stack)
    assert int(state["parquet"]["rows"]) == stack.records and len(state["quality_rows"]) == 1 + len(
        checks_for(DEFAULT_FORMAT)
    ), state
    return state


@pytest.fixture
def stack(localaws):
    yield hourly.new_stack(localaws.endpoint)
    hourly.clear(localaws.endpoint)


def _record(fault_report, stack: hourly.Stack, state: dict[str, Any], clean: dict[str, Any], case: str, fault: str,
            recovery: str) -> None:  # fmt: skip
    rows = int(state["parquet"]["rows"])
    extra_quality = len(state["quality_rows"]) - len(clean["quality_rows"])
    duplicates = max(0, rows - stack.records) + max(0, extra_quality)
    fault_report.add(case, fault, stack.records, rows, max(0, stack.records - rows), duplicates, 0, recovery)


def test_throttling_a_failed_query_and_a_refresh_already_running_are_absorbed_within_the_run(
    localaws, hourly_dag, clean_state, stack, fault_report
):
    """Four faults one run must absorb, in one run to keep the suite short: Athena throttles the first
    ALTER TABLE, fails the quality scan once, fails the hour's compaction (its CTAS) once after it wrote its files
    (a late failure or timeout on AWS leaves what the query wrote), and someone's SPICE refresh of the
    dataset is RUNNING (its Athena query held) when refresh_spice starts."""
    config, endpoint = stack.config, localaws.endpoint
    # GIVEN the four faults
    hourly.arm(endpoint, action="StartQueryExecution", error="TooManyRequestsException",
               message="Rate exceeded", match=f"ALTER TABLE {config.database}.{config.raw_table} ADD")  # fmt: skip
    hourly.arm(endpoint, match="AS total_rows", fail="HIVE_CURSOR_ERROR: localaws fault")
    hourly.arm(endpoint, match=f"CREATE TABLE {config.database}.{config.parquet_table}_stage_",
               fail="Query exhausted resources at this scale factor", after=True)  # fmt: skip
    hourly.wait_ingestions_idle(stack)  # the ingestion the dataset's creation started
    hourly.arm(endpoint, match=f'FROM "{config.database}"."{config.parquet_table}"', hold=True)
    qs = stack.clients("quicksight")
    qs.create_ingestion(
        AwsAccountId=hourly.ACCOUNT, DataSetId=config.quicksight_dataset_id, IngestionId="by-hand"
    )
    hourly.wait_until(lambda: hourly.faults(endpoint)["held"], "the by-hand ingestion's query held RUNNING")
    queued: list[dict] = []
    done = threading.Event()

    def release_once_the_run_queues() -> None:
        # The run's ingestion must be seen waiting behind the running one; then the held query goes on.
        while not done.is_set():
            mine = [i for i in hourly.ingestions(stack).values() if i["IngestionId"].startswith("vpcflow-")]
            if mine and mine[0]["IngestionStatus"] == "QUEUED":
                queued.append(mine[0])
                break
            done.wait(0.2)
        hourly.clear(endpoint)

    releaser = threading.Thread(target=release_once_the_run_queues, daemon=True)
    releaser.start()
    try:
        # WHEN the hour runs
        run = hourly.run_hour(hourly_dag, stack)
    finally:
        done.set()
        releaser.join(30)
    # THEN the throttled and the failed tasks each failed once and went through on their retry (botocore's
    # default retry mode does not retry Athena's throttling: it answers HTTP 400)
    assert run.state == DagRunState.SUCCESS, hourly.task_states(run)
    tries = hourly.tries(run)
    assert (tries["register_partition"], tries["check_quality"]) == (2, 2), tries
    # AND compact_hour's retry replaced the hour instead of adding to what the failed try wrote (checked
    # with the state below)
    assert tries["compact_hour"] == 2, tries
    # AND the run's ingestion queued behind the running one and completed after it, in the same try
    assert len(queued) == 1 and queued[0]["QueueInfo"]["QueuedIngestion"] == "by-hand", queued
    assert tries["refresh_spice"] == 1, tries
    final = hourly.ingestions(stack)
    assert final["by-hand"]["IngestionStatus"] == "COMPLETED"
    assert final[queued[0]["IngestionId"]]["IngestionStatus"] == "COMPLETED"
    assert final[queued[0]["IngestionId"]]["RowInfo"]["TotalRowsInDataset"] == stack.records
    # AND the run left exactly a clean run's state
    state = hourly.state_of_hour(stack)
    assert state == clean_state
    _record(fault_report, stack, state, clean_state, "hourly: Athena throttling + failed query",
            "register_partition's StartQueryExecution answered TooManyRequestsException; check_quality FAILED",
            "task retries (botocore's default mode does not retry Athena's HTTP 400 throttling); = clean run")  # fmt: skip
    _record(fault_report, stack, state, clean_state, "hourly: compaction fails after writing",
            "compact_hour's CTAS wrote its files, then ended FAILED (once)",
            "the retry writes to a location of its own; the partition is switched only to a finished one, "
            "the failed try's files deleted; = clean run")  # fmt: skip
    _record(fault_report, stack, state, clean_state, "hourly: SPICE ingestion already running",
            "a by-hand ingestion RUNNING when refresh_spice starts",
            "the run's ingestion QUEUED behind it; the waiter waited; run succeeded; = clean run")  # fmt: skip


def test_a_run_failed_by_athena_after_the_partition_was_emptied_is_rerun_to_a_clean_state(
    localaws, hourly_dag, clean_state, stack, fault_report
):
    # GIVEN Athena fails the hour's compaction (its CTAS) on every try
    config = stack.config
    hourly.arm(localaws.endpoint, match=f"CREATE TABLE {config.database}.{config.parquet_table}_stage_",
               fail="HIVE_PATH_ALREADY_EXISTS: localaws fault", times=3)  # fmt: skip
    # WHEN the hour runs
    failed = hourly.run_hour(hourly_dag, stack)
    # THEN the run fails at compact_hour after its retries, refreshing nothing
    states = hourly.task_states(failed)
    assert failed.state == DagRunState.FAILED
    assert (states["compact_hour"], hourly.tries(failed)["compact_hour"]) == ("failed", 3), states
    assert states["refresh_spice"] in ("upstream_failed", "skipped"), states
    between = hourly.state_of_hour(stack)
    assert int(between["parquet"]["rows"]) == 0 and between["quality_rows"] == clean_state["quality_rows"]
    # AND a rerun of the same hour (the run cleared, as `airflow tasks clear` does) leaves a clean run's state
    rerun = hourly.run_hour(hourly_dag, stack)
    assert rerun.state == DagRunState.SUCCESS, hourly.task_states(rerun)
    state = hourly.state_of_hour(stack)
    assert state == clean_state
    _record(fault_report, stack, state, clean_state, "hourly: Athena query fails every try",
            "compact_hour's CTAS FAILED 3 times: run failed, no partition published",
            "rerun of the hour (cleared): = clean run, no duplicated quality rows")  # fmt: skip


def test_a_failed_spice_ingestion_fails_the_run_naming_the_reason_and_a_rerun_refreshes(
    localaws, hourly_dag, clean_state, stack, fault_report, capfd
):
    # GIVEN every SPICE ingestion of the dataset fails: QuickSight's query to Athena ends FAILED
    config = stack.config
    hourly.wait_ingestions_idle(stack)
    reason = "HIVE_METASTORE_ERROR: localaws fault: the dataset query failed"
    hourly.arm(
        localaws.endpoint, match=f'FROM "{config.database}"."{config.parquet_table}"', fail=reason, times=3
    )
    # WHEN the hour runs
    failed = hourly.run_hour(hourly_dag, stack)
    # THEN refresh_spice fails after its retries, with QuickSight's reason in its error
    states = hourly.task_states(failed)
    assert failed.state == DagRunState.FAILED
    assert (states["refresh_spice"], states["compact_hour"]) == ("failed", "success"), states
    output = capfd.readouterr()
    logged = output.out + output.err
    assert "Amazon QuickSight SPICE ingestion failed" in logged and "SQL_EXCEPTION" in logged
    assert reason in logged
    runs = [i for i in hourly.ingestions(stack).values() if i["IngestionId"].startswith("vpcflow-")]
    assert len(runs) == 3 and all(i["IngestionStatus"] == "FAILED" for i in runs), runs
    assert all(
        i["ErrorInfo"]["Type"] == "SQL_EXCEPTION" and reason in i["ErrorInfo"]["Message"] for i in runs
    )
    # AND a rerun refreshes SPICE with the hour's rows and leaves a clean run's state
    rerun = hourly.run_hour(hourly_dag, stack)
    assert rerun.state == DagRunState.SUCCESS, hourly.task_states(rerun)
    done = [i for i in hourly.ingestions(stack).values() if i["IngestionStatus"] == "COMPLETED"
            and i["IngestionId"].startswith("vpcflow-")]  # fmt: skip
    assert [i["RowInfo"]["TotalRowsInDataset"] for i in done] == [stack.records], done
    state = hourly.state_of_hour(stack)
    assert state == clean_state
    _record(fault_report, stack, state, clean_state, "hourly: SPICE ingestion fails",
            "every ingestion FAILED (SQL_EXCEPTION from Athena): refresh_spice failed after 3 tries",
            "task error names QuickSight's reason; rerun of the hour refreshed SPICE; = clean run")  # fmt: skip


def test_localaws_restarted_mid_run_then_reprovisioned_and_rerun_gives_a_clean_state(
    hourly_dag, clean_state, fault_report, tmp_path, monkeypatch
):
    """localaws keeps its state in memory (moto's backends, the Athena and QuickSight services): a restart
    starts it empty, as `python -m localaws` does. So the faithful case is a localaws process of its own,
    restarted while compact_hour's CTAS runs; the run fails (its query, table and bucket are gone); then
    the user does what a restart asks for: `vpcflow provision` (idempotent) and the hour's data delivered
    again, and a rerun of the hour must leave exactly a clean run's state. State surviving a restart is
    not something localaws offers, so it is not tested."""
    aws = hourly.LocalAWSProcess(str(tmp_path / "localaws")).start()
    try:
        monkeypatch.setenv("AIRFLOW_CONN_AWS_DEFAULT", (
            '{"conn_type": "aws", "login": "testing", "password": "testing", '
            f'"extra": {{"endpoint_url": "{aws.endpoint}", "region_name": "us-east-1"}}}}'))  # fmt: skip
        stack = hourly.new_stack(aws.endpoint)
        config = stack.config
        # GIVEN localaws is restarted while the hour's compaction (its CTAS) runs
        hourly.arm(
            aws.endpoint, match=f"CREATE TABLE {config.database}.{config.parquet_table}_stage_", hold=True
        )
        restarted = threading.Event()

        def restart_when_held() -> None:
            hourly.wait_until(lambda: hourly.faults(aws.endpoint)["held"], "compact_hour's CTAS held")
            aws.restart()
            restarted.set()

        restarter = threading.Thread(target=restart_when_held, daemon=True)
        restarter.start()
        # WHEN the hour runs
        failed = hourly.run_hour(hourly_dag, stack)
        restarter.join(60)
        # THEN the run fails at compact_hour: the restarted localaws knows neither the query nor the table
        assert restarted.is_set()
        states = hourly.task_states(failed)
        assert failed.state == DagRunState.FAILED
        assert states["compact_hour"] == "failed", states
        # AND after re-provisioning and re-delivering the hour, a rerun leaves exactly a clean run's state
        hourly.provision(aws.endpoint, config)
        assert hourly.deliver_hour(stack.clients, config) == stack.records
        rerun = hourly.run_hour(hourly_dag, stack)
        assert rerun.state == DagRunState.SUCCESS, hourly.task_states(rerun)
        state = hourly.state_of_hour(stack)
        assert state == clean_state
    finally:
        aws.stop()
    _record(fault_report, stack, state, clean_state, "hourly: localaws restarted mid-run",
            "python -m localaws stopped (SIGTERM) and started while compact_hour's CTAS ran; state lost",
            "run failed; re-provision (idempotent) + hour re-delivered + rerun: = clean run")  # fmt: skip


@pytest.mark.slow
@pytest.mark.skipif(
    not os.environ.get("VPCFLOW_SLOW_TESTS"), reason="set VPCFLOW_SLOW_TESTS=1 to start Airflow"
)
def test_scheduler_killed_mid_task_then_restarted_finishes_the_hour_in_a_clean_state(
    localaws, clean_state, tmp_path_factory, fault_report
):
    """A real local Airflow (vpcflow.devstack.airflow_local: LocalExecutor, tasks waiting in their worker as `make up`
    runs them). The scheduler is SIGKILLed, with its workers and the task process, while compact_hour's
    CTAS runs; the orphaned CTAS then completes at Athena, writing the hour's files with no task to
    own them. The restarted scheduler resets the dead scheduler's orphaned task, which runs again (try 2),
    and the hour must end exactly as a clean run leaves it. Starting Airflow twice costs minutes,
    so the test is opt-in: VPCFLOW_SLOW_TESTS=1."""
    import psutil
    from vpcflow.devstack.airflow_api import AirflowAPI
    from vpcflow.devstack.airflow_local import AirflowLocal

    from tests.conftest import free_port

    stack = hourly.new_stack(localaws.endpoint)
    config, endpoint = stack.config, localaws.endpoint
    env = {
        # A run's tasks exist only from the DAG's start date on; without catchup the scheduler adds one run,
        # of the latest hour, which waits out its hour in reschedule mode (no worker held).
        "VPCFLOW_START_DATE": hourly.HOUR.isoformat(),
        "VPCFLOW_CATCHUP": "false",
        "VPCFLOW_ATHENA_POLL_S": "1",
        # How soon a restarted scheduler resets the dead one's running task (once that scheduler has missed
        # its health-check threshold, 30 s): Airflow's default check interval is 300 s.
        "AIRFLOW__SCHEDULER__ORPHANED_TASKS_CHECK_INTERVAL": "10",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
        **config.to_env(),
    }
    airflow = AirflowLocal(home=tmp_path_factory.mktemp("airflow-kill"), aws_endpoint=endpoint,
                           api_port=free_port(), parallelism=2)  # fmt: skip
    hourly.arm(endpoint, match=f"CREATE TABLE {config.database}.{config.parquet_table}_stage_", hold=True)
    try:
        airflow.start(env=env, wait_seconds=240)
        api = AirflowAPI(airflow.url, "admin", airflow.admin_password() or "")
        api.wait_for_dag("vpcflow_hourly")
        api.unpause("vpcflow_hourly")
        run_id = api.trigger(
            "vpcflow_hourly", conf={"grace_s": 0}, logical_date=(hourly.HOUR + timedelta(hours=1)).isoformat()
        )
        hourly.wait_until(lambda: hourly.faults(endpoint)["held"], "compact_hour's CTAS held", attempts=3000)
        # WHEN the scheduler is killed, with every process under it (the worker and the task)
        scheduler = psutil.Process(airflow._pid("scheduler"))
        doomed = [scheduler, *scheduler.children(recursive=True)]
        for process in doomed:
            try:
                process.send_signal(signal.SIGKILL)
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(doomed, timeout=30)
        # AND the orphaned CTAS completes: the hour's files are written with no task alive to own them
        hourly.clear(endpoint)
        prefix = f"{config.parquet_prefix}{hourly.HOUR:%Y/%m/%d/%H}/"
        hourly.wait_until(lambda: hourly._objects(stack, prefix) > 0, "the orphaned CTAS's files")
        airflow.start(env=env, wait_seconds=240)  # only the scheduler is missing
        states = api.wait_finished("vpcflow_hourly", [run_id], timeout=900)
        tries = {t["task_id"]: t["try_number"] for t in api.task_instances("vpcflow_hourly", run_id)}
    finally:
        airflow.stop()
    # THEN the run finished, compact_hour on a second try, and the hour is exactly a clean run's
    assert states[run_id] == "success", (states, tries)
    assert tries["compact_hour"] == 2, tries
    state = hourly.state_of_hour(stack)
    assert state == clean_state
    _record(fault_report, stack, state, clean_state, "hourly: scheduler killed mid-task",
            "scheduler, worker and task SIGKILLed during compact_hour; the orphaned CTAS then wrote its files",
            "scheduler restarted; orphaned task reset; try 2 takes over its run's lock, publishes its own "
            "location and deletes the orphan's files; = clean run")  # fmt: skip
