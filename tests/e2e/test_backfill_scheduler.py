"""A backfill of vpcflow_hourly through a real scheduler: Airflow 3 (api-server, scheduler, dag-processor,
triggerer; vpcflow.devstack.airflow_local, as `make demo` and `make up` run it) against the session's localaws.

`airflow backfill create` makes the runs; the scheduler, LocalExecutor and triggerer (the deferred waits)
run them. Costs about two minutes, most of it Airflow's start-up.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from vpcflow.athena import Athena
from vpcflow.devstack.airflow_api import AirflowAPI
from vpcflow.devstack.airflow_local import AirflowLocal
from vpcflow.hourly.quality import checks_for
from vpcflow.model.config import StackConfig
from vpcflow.model.formats import DEFAULT_FORMAT
from vpcflow.provision.common import Clients
from vpcflow.provision.stack import provision_catalog, provision_quicksight, provision_storage
from vpcflow.synthetic.generator import GeneratorConfig
from vpcflow.synthetic.sinks import generate_to_s3

from tests.conftest import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ACCOUNT = "123456789012"
FIRST = datetime(2026, 11, 20, 10, tzinfo=UTC)
HOURS = [FIRST, FIRST + timedelta(hours=1)]


@pytest.fixture(scope="module")
def backfilled(localaws, tmp_path_factory):
    config = StackConfig.isolated("backfill", buffer_interval_s=0)
    clients = Clients(endpoint_url=localaws.endpoint, region="us-east-1")
    provision_storage(clients, config)
    provision_catalog(clients, config)
    provision_quicksight(clients, config)
    generated = generate_to_s3(HOURS[0], HOURS[-1] + timedelta(hours=1),
                               GeneratorConfig(records_per_hour=1000, seed=21), s3=clients("s3"),
                               url=config.raw_location)  # fmt: skip
    spice_before = _ingestions(clients, config)

    env = {
        **config.to_env(),
        # No scheduled runs of its own while the test runs: the hours come from the backfill only.
        "VPCFLOW_START_DATE": "2099-01-01T00:00:00+00:00",
        "VPCFLOW_HOUR_GRACE_S": "0",
        "VPCFLOW_ATHENA_POLL_S": "1",
        # The session runs Airflow at WARNING; task logs of this real Airflow are worth reading on failure.
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
    }
    airflow = AirflowLocal(home=tmp_path_factory.mktemp("airflow-backfill"), aws_endpoint=localaws.endpoint,
                           api_port=free_port(), parallelism=2)  # fmt: skip
    try:
        airflow.start(env=env, wait_seconds=240)
        api = AirflowAPI(airflow.url, "admin", airflow.admin_password() or "")
        api.wait_for_dag("vpcflow_hourly")
        api.unpause("vpcflow_hourly")
        backfill_to = (HOURS[-1] + timedelta(hours=1)).isoformat()
        out = airflow.backfill("vpcflow_hourly", HOURS[0].isoformat(), HOURS[-1].isoformat(),
                               max_active_runs=2, conf={"backfill_to": backfill_to}, env=env)  # fmt: skip
        runs = [r["dag_run_id"] for r in api.runs("vpcflow_hourly", run_type="backfill")]
        states = api.wait_finished("vpcflow_hourly", runs, timeout=600)
        tasks = {run: {t["task_id"]: t["state"] for t in api.task_instances("vpcflow_hourly", run)}
                 for run in runs}  # fmt: skip
        yield {
            "config": config, "clients": clients, "generated": {s.partition: s for s in generated},
            "states": states, "tasks": tasks, "spice_before": spice_before, "cli": out,
            "listening": airflow.listening(), "api_port": airflow.api_port,
        }  # fmt: skip
    finally:
        airflow.stop()


def _ingestions(clients, config) -> list[dict]:
    return clients("quicksight").list_ingestions(
        AwsAccountId=ACCOUNT, DataSetId=config.quicksight_dataset_id
    )["Ingestions"]


def _rows(clients, config, sql: str) -> list[dict]:
    return Athena.for_stack(clients("athena"), config, max_poll_s=0.1).query(sql)


def test_the_scheduler_runs_every_hour_of_the_backfill(backfilled):
    states, tasks = backfilled["states"], backfilled["tasks"]
    assert sorted(states) == [f"backfill__{h + timedelta(hours=1):%Y-%m-%dT%H:%M:%S}+00:00" for h in HOURS], (
        backfilled["cli"]
    )
    assert set(states.values()) == {"success"}, json.dumps(tasks, indent=1)
    # The deferred wait ran in the triggerer; every task of each run finished.
    for run_tasks in tasks.values():
        assert run_tasks["wait_for_hour"] == "success"
        assert run_tasks["summarise"] == "success"


def test_each_hour_is_registered_checked_and_compacted(backfilled):
    config, clients, generated = backfilled["config"], backfilled["clients"], backfilled["generated"]
    partitions = {tuple(p["Values"]) for p in clients("glue").get_partitions(
        DatabaseName=config.database, TableName=config.raw_table)["Partitions"]}  # fmt: skip
    assert partitions == {(f"{h:%Y-%m-%d-%H}",) for h in HOURS}
    counted = _rows(clients, config, (
        f"SELECT ingestdatetime, count(*) AS n FROM {config.database}.{config.parquet_table}"
        " GROUP BY ingestdatetime"))  # fmt: skip
    assert {r["ingestdatetime"]: int(r["n"]) for r in counted} == {p: s.records for p, s in generated.items()}
    verdicts = _rows(clients, config, (
        f"SELECT ingestdatetime, count(*) AS checks, count_if(NOT passed) AS failed"
        f" FROM {config.database}.{config.raw_table}_quality GROUP BY ingestdatetime"))  # fmt: skip
    assert {r["ingestdatetime"]: (int(r["checks"]), int(r["failed"])) for r in verdicts} == {
        p: (1 + len(checks_for(DEFAULT_FORMAT)), 0) for p in generated
    }


def test_spice_is_refreshed_once_at_the_end_of_the_backfill(backfilled):
    config, clients, tasks = backfilled["config"], backfilled["clients"], backfilled["tasks"]
    by_hour = [tasks[run]["refresh_spice"] for run in sorted(tasks)]
    assert by_hour == ["skipped", "success"]
    before = {i["IngestionId"] for i in backfilled["spice_before"]}
    new = [i for i in _ingestions(clients, config) if i["IngestionId"] not in before]
    assert [i["IngestionStatus"] for i in new] == ["COMPLETED"]
    assert new[0]["RowInfo"]["TotalRowsInDataset"] == sum(s.records for s in backfilled["generated"].values())


def test_airflow_listens_on_loopback_only(backfilled):
    found = backfilled["listening"]
    assert any(port == backfilled["api_port"] for _, port in found), found
    assert {ip for ip, _ in found} == {"127.0.0.1"}, found
