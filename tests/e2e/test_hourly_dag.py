"""vpcflow_hourly end to end with dag.test() on localaws: several generated hours, a malformed hour, an
empty hour, and a rerun that must leave exactly the state of the first run."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta

import pendulum
import pytest
from airflow.sdk import DagRunState
from vpcflow.athena import Athena
from vpcflow.hourly.quality import checks_for
from vpcflow.model.config import StackConfig
from vpcflow.model.formats import DEFAULT_FORMAT
from vpcflow.provision.common import Clients
from vpcflow.provision.stack import provision_catalog, provision_quicksight, provision_storage
from vpcflow.synthetic.generator import GeneratorConfig
from vpcflow.synthetic.sinks import generate_to_s3

from tests.conftest import stack_environment

pytestmark = pytest.mark.e2e

FIRST = datetime(2026, 11, 25, 10, tzinfo=UTC)
GOOD_HOURS = [FIRST, FIRST + timedelta(hours=1)]
BAD_HOUR = FIRST + timedelta(hours=2)  # 5% malformed lines: over the 1% threshold
EMPTY_HOUR = FIRST + timedelta(hours=3)
BUSY_HOUR = FIRST + timedelta(hours=4)  # one flow wider than the blog's INT columns
BIG_BYTES, BIG_PACKETS = 5_000_000_000, 3_000_000_000  # both over 2^31 - 1
QUALITY_ROWS = 1 + len(checks_for(DEFAULT_FORMAT))  # the total, then one row per check


@pytest.fixture(scope="module")
def stack(localaws, airflow_db, aws_conn):
    # Firehose's buffer interval is part of the hour's wait: none here, the objects are written directly.
    config = StackConfig.isolated("hourly", buffer_interval_s=0)
    clients = Clients(endpoint_url=localaws.endpoint, region="us-east-1")
    provision_storage(clients, config)
    provision_catalog(clients, config)
    provision_quicksight(clients, config)
    s3 = clients("s3")
    summaries = generate_to_s3(
        GOOD_HOURS[0],
        GOOD_HOURS[-1] + timedelta(hours=1),
        GeneratorConfig(records_per_hour=2000, seed=3),
        s3=s3,
        url=config.raw_location,
    )
    bad = generate_to_s3(
        BAD_HOUR,
        BAD_HOUR + timedelta(hours=1),
        GeneratorConfig(records_per_hour=1000, seed=4, malformed=0.05),
        s3=s3,
        url=config.raw_location,
    )
    with stack_environment(config):
        yield config, clients, {s.partition: s for s in summaries + bad}


@pytest.fixture(scope="module")
def hourly_dag(stack):
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder="dags/vpcflow_hourly.py").get_dag("vpcflow_hourly")


def _run(dag, config: StackConfig, hour: datetime, **overrides):
    # The stack is the environment's (stack_environment); a run only sets its own settings.
    conf = {"grace_s": 0, **overrides}
    # A manual run of a data-interval timetable processes the interval that ends at its logical date.
    return dag.test(logical_date=pendulum.instance(hour + timedelta(hours=1)), run_conf=conf)


def _states(run) -> dict[str, str]:
    return {ti.task_id: ti.state for ti in run.get_task_instances()}


def _query(clients, config, sql: str) -> list[dict[str, str | None]]:
    return Athena.for_stack(clients("athena"), config, max_poll_s=0.1).query(sql)


def _scalar(clients, config, sql: str) -> str | None:
    (row,) = _query(clients, config, sql)
    return next(iter(row.values()))


def _state_of_hour(clients, config, hour: datetime) -> dict:
    label = f"{hour:%Y-%m-%d-%H}"
    parquet_prefix = f"{config.parquet_prefix}{hour:%Y/%m/%d/%H}/"
    objects = clients("s3").list_objects_v2(Bucket=config.bucket, Prefix=parquet_prefix).get("Contents", [])
    return {
        "raw_partitions": [
            p["Values"]
            for p in clients("glue").get_partitions(DatabaseName=config.database, TableName=config.raw_table)[
                "Partitions"
            ]
        ],
        "parquet_rows": int(
            _scalar(
                clients,
                config,
                f"SELECT count(*) FROM {config.database}."
                f"{config.parquet_table} WHERE ingestdatetime = '{label}'",
            )
        ),
        "parquet_objects": len(objects),
        "quality_rows": int(
            _scalar(
                clients,
                config,
                f"SELECT count(*) FROM {config.database}."
                f"{config.raw_table}_quality WHERE ingestdatetime = '{label}'",
            )
        ),
    }


def test_good_hours_are_registered_checked_compacted_and_refreshed(stack, hourly_dag):
    config, clients, generated = stack
    qs = clients("quicksight")
    for i, hour in enumerate(GOOD_HOURS):
        if i == 1:
            # Someone refreshes the dataset by hand just before: the run's own ingestion queues behind it.
            qs.create_ingestion(
                AwsAccountId="123456789012", DataSetId=config.quicksight_dataset_id, IngestionId="by-hand"
            )
        run = _run(hourly_dag, config, hour)
        assert run.state == DagRunState.SUCCESS, _states(run)

    partitions = {
        tuple(p["Values"])
        for p in clients("glue").get_partitions(DatabaseName=config.database, TableName=config.raw_table)[
            "Partitions"
        ]
    }
    assert {(f"{h:%Y-%m-%d-%H}",) for h in GOOD_HOURS} <= partitions

    for hour in GOOD_HOURS:
        label = f"{hour:%Y-%m-%d-%H}"
        expected = generated[label]
        state = _state_of_hour(clients, config, hour)
        # Every line the regex reads (NODATA and SKIPDATA included) is compacted; malformed lines are not.
        assert state["parquet_rows"] == expected.records
        assert state["quality_rows"] == QUALITY_ROWS
        rows = _query(
            clients,
            config,
            (
                f"SELECT check_name, value, passed FROM {config.database}.{config.raw_table}_quality"
                f" WHERE ingestdatetime = '{label}'"
            ),
        )
        checks = {r["check_name"]: (int(r["value"]), r["passed"]) for r in rows}
        assert checks["total_rows"] == (expected.lines, "true")
        assert checks["malformed_rows"] == (expected.malformed, "true")
        assert checks["nodata_rows"] == (expected.nodata, "true")
        assert checks["skipdata_rows"] == (expected.skipdata, "true")
        assert all(passed == "true" for _, passed in checks.values())

    ingestions = qs.list_ingestions(AwsAccountId="123456789012", DataSetId=config.quicksight_dataset_id)[
        "Ingestions"
    ]
    assert ingestions and all(i["IngestionStatus"] == "COMPLETED" for i in ingestions)
    rows_in_spice = max(i["RowInfo"]["TotalRowsInDataset"] for i in ingestions)
    assert rows_in_spice == sum(generated[f"{h:%Y-%m-%d-%H}"].records for h in GOOD_HOURS)


def test_rerun_of_an_hour_leaves_identical_state(stack, hourly_dag):
    config, clients, _ = stack
    hour = GOOD_HOURS[0]
    before = _state_of_hour(clients, config, hour)
    run = _run(hourly_dag, config, hour)
    assert run.state == DagRunState.SUCCESS, _states(run)
    assert _state_of_hour(clients, config, hour) == before


def test_hour_over_the_malformed_threshold_fails_after_storing_its_verdict(stack, hourly_dag):
    config, clients, generated = stack
    run = _run(hourly_dag, config, BAD_HOUR)
    states = _states(run)
    assert run.state == DagRunState.FAILED
    assert states["evaluate_quality"] == "failed"
    assert states["compact_hour"] == "upstream_failed", "a failed hour must not reach the Parquet table"
    label = f"{BAD_HOUR:%Y-%m-%d-%H}"
    rows = _query(
        clients,
        config,
        (
            f"SELECT value, passed FROM {config.database}.{config.raw_table}_quality"
            f" WHERE ingestdatetime = '{label}' AND check_name = 'malformed_rows'"
        ),
    )
    assert rows == [{"value": str(generated[label].malformed), "passed": "false"}]


def test_empty_hour_fails_naming_its_prefix_unless_allowed(stack, hourly_dag):
    config, _, _ = stack
    run = _run(hourly_dag, config, EMPTY_HOUR)
    assert run.state == DagRunState.FAILED
    assert _states(run)["list_hour_objects"] == "failed"

    allowed = _run(hourly_dag, config, EMPTY_HOUR, min_objects=0, spice_refresh="off")
    assert allowed.state == DagRunState.SUCCESS, _states(allowed)


def _put_busy_hour(clients, config: StackConfig) -> None:
    """Hour BUSY_HOUR as Firehose writes it: a few ordinary flows and one of 5 GB / 3 G packets."""
    start = int(BUSY_HOUR.timestamp()) + 60
    lines = [
        f"2 123456789012 eni-0busy 10.0.0.{i} 10.0.1.1 443 5000{i} 6 10 8400 {start} {start + 60} ACCEPT OK"
        for i in range(1, 4)
    ]
    lines.append(
        f"2 123456789012 eni-0busy 10.9.9.9 10.0.1.1 443 50000 6 {BIG_PACKETS} {BIG_BYTES} "
        f"{start} {start + 60} ACCEPT OK"
    )
    key = (
        f"{config.raw_prefix}{BUSY_HOUR:%Y/%m/%d/%H}/vpcflow-delivery-1-{BUSY_HOUR:%Y-%m-%d-%H}-05-00-busy.gz"
    )
    clients("s3").put_object(
        Bucket=config.bucket, Key=key, Body=gzip.compress(("\n".join(lines) + "\n").encode())
    )


def test_flows_wider_than_int_reach_the_parquet_table_whole(stack, hourly_dag):
    config, clients, _ = stack
    _put_busy_hour(clients, config)
    run = _run(hourly_dag, config, BUSY_HOUR, spice_refresh="off")
    assert run.state == DagRunState.SUCCESS, _states(run)
    label = f"{BUSY_HOUR:%Y-%m-%d-%H}"

    def big_flow(table: str) -> list[dict]:
        return _query(
            clients,
            config,
            (
                f"SELECT bytes, packets FROM {config.database}.{table}"
                f" WHERE ingestdatetime = '{label}' AND sourceaddress = '10.9.9.9'"
            ),
        )

    assert big_flow(config.parquet_table) == [{"bytes": str(BIG_BYTES), "packets": str(BIG_PACKETS)}]
    # Why the typed companion exists: the blog's INT columns read the same line as NULL (Athena does too).
    assert big_flow(config.raw_table) == [{"bytes": None, "packets": None}]
    assert big_flow(config.typed_table) == [{"bytes": str(BIG_BYTES), "packets": str(BIG_PACKETS)}]

    rows = _query(
        clients,
        config,
        (
            f"SELECT check_name, value, passed FROM {config.database}.{config.raw_table}_quality"
            f" WHERE ingestdatetime = '{label}'"
        ),
    )
    checks = {r["check_name"]: (int(r["value"]), r["passed"]) for r in rows}
    assert checks["total_rows"] == (4, "true")
    assert checks["malformed_rows"] == (0, "true") and checks["negative_counts"] == (0, "true")
    assert all(passed == "true" for _, passed in checks.values()), checks
