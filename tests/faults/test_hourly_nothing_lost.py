"""Nothing lost, nothing doubled, nothing silent (issue 13), with vpcflow_hourly and vpcflow_reconcile run by
dag.test() on localaws: flows of service-owned interfaces ('unknown'/'-' account) reach Parquet; records
delivered twice are compacted once and warn; malformed lines are kept with their object and line; a
warned hour is published to the alerts topic; an object landing in an hour after its run is picked up by
one reconciliation."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta

import pendulum
import pytest
from airflow.sdk import DagRunState
from vpcflow.athena import Athena
from vpcflow.model.config import StackConfig
from vpcflow.provision.common import Clients
from vpcflow.provision.stack import provision_catalog, provision_storage

from tests.conftest import stack_environment

pytestmark = pytest.mark.e2e

HOUR = datetime(2026, 11, 23, 9, tzinfo=UTC)
START = int(HOUR.timestamp()) + 120


def _line(i: int, account: str = "123456789012", action: str = "ACCEPT") -> str:
    return (
        f"2 {account} eni-0{i % 7:016x} 10.0.{i % 250}.{i % 200 + 1} 172.31.{i % 100}.9 {40000 + i} 443 6 "
        f"{10 + i} {8400 + i} {START + i % 600} {START + i % 600 + 60} {action} OK"
    )


# 300 ordinary flows, 20 of load balancers and NAT gateways ('unknown' and '-' as AWS writes their account),
# one NODATA record, and 2 malformed lines; then a resend of 10 lines (at-least-once delivery).
ORDINARY = [_line(i) for i in range(300)]
SERVICE_OWNED = [_line(1000 + i, "unknown" if i % 2 else "-") for i in range(20)]
NODATA = f"2 123456789012 eni-0nodata000000000 - - - - - - - {START} {START + 60} - NODATA"
MALFORMED = ["2 123456789012 eni-0trunc 10.0.0.1", "not a flow log at all"]
FIRST_OBJECT = ORDINARY[:200] + SERVICE_OWNED + [MALFORMED[0], NODATA]
SECOND_OBJECT = ORDINARY[200:] + [MALFORMED[1]]
RESENT = ORDINARY[:10]
LATE = [_line(5000 + i, action="REJECT") for i in range(25)]
RECORDS = len(ORDINARY) + len(SERVICE_OWNED) + 1  # distinct records, NODATA included


def _put(clients, config: StackConfig, name: str, lines: list[str]) -> str:
    key = f"{config.raw_prefix}{HOUR:%Y/%m/%d/%H}/vpcflow-delivery-1-{HOUR:%Y-%m-%d-%H}-{name}.gz"
    clients("s3").put_object(
        Bucket=config.bucket, Key=key, Body=gzip.compress(("\n".join(lines) + "\n").encode())
    )
    return key


@pytest.fixture(scope="module")
def stack(localaws, airflow_db, aws_conn):
    config = StackConfig.isolated("lost", buffer_interval_s=0)
    clients = Clients(endpoint_url=localaws.endpoint, region="us-east-1")
    provision_storage(clients, config)
    provision_catalog(clients, config)
    # The alerts topic (vpcflow_provision's ensure_failure_handling makes it), read through a queue.
    sns, sqs = clients("sns"), clients("sqs")
    topic = sns.create_topic(Name=config.alerts_topic)["TopicArn"]
    inbox = sqs.create_queue(QueueName=f"{config.stack_name}-inbox")["QueueUrl"]
    inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint=inbox_arn, Attributes={"RawMessageDelivery": "true"}
    )
    keys = [_put(clients, config, "00-00-a", FIRST_OBJECT), _put(clients, config, "20-00-b", SECOND_OBJECT),
            _put(clients, config, "40-00-resent", RESENT)]  # fmt: skip
    with stack_environment(config):
        yield config, clients, inbox, keys


def _dag(dag_id: str):
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=f"dags/{dag_id}.py").get_dag(dag_id)


def _run_hour(dag_id: str = "vpcflow_hourly", **conf):
    # A manual run of a data-interval timetable processes the interval that ends at its logical date.
    return _dag(dag_id).test(
        logical_date=pendulum.instance(HOUR + timedelta(hours=1)),
        run_conf={"grace_s": 0, "spice_refresh": "off", **conf},
    )


def _query(clients, config, sql: str) -> list[dict]:
    return Athena.for_stack(clients("athena"), config, max_poll_s=0.1).query(sql)


def _parquet(clients, config) -> list[dict]:
    return _query(clients, config, (
        f"SELECT account, sourceaddress, action, logstatus FROM {config.database}.{config.parquet_table}"
        f" WHERE ingestdatetime = '{HOUR:%Y-%m-%d-%H}'"))  # fmt: skip


def _states(run) -> dict[str, str]:
    return {ti.task_id: ti.state for ti in run.get_task_instances()}


def test_the_hour_keeps_every_record_once_and_says_what_it_saw(stack, fault_report):
    config, clients, inbox, keys = stack
    run = _run_hour()
    assert run.state == DagRunState.SUCCESS, _states(run)
    rows = _parquet(clients, config)
    # THEN each distinct record once: the resent lines are not doubled
    assert len(rows) == RECORDS
    # AND the flows of service-owned interfaces are there ('-' is NULL in Parquet, 'unknown' kept)
    accounts = [r["account"] for r in rows]
    assert accounts.count("unknown") == 10 and accounts.count(None) == 10
    # AND the quality history counts what was resent and warned about it (not blocking)
    label = f"{HOUR:%Y-%m-%d-%H}"
    checks = {r["check_name"]: r for r in _query(clients, config, (
        f"SELECT check_name, value, passed, severity FROM {config.database}.{config.quality_table}"
        f" WHERE ingestdatetime = '{label}'"))}  # fmt: skip
    assert (checks["duplicate_rows"]["value"], checks["duplicate_rows"]["passed"]) == (
        str(len(RESENT)),
        "false",
    )
    assert checks["duplicate_rows"]["severity"] == "warn"
    assert (checks["bad_account"]["value"], checks["bad_account"]["passed"]) == ("0", "true")
    assert checks["malformed_rows"]["value"] == "2" and checks["malformed_rows"]["passed"] == "true"
    # AND the malformed lines are kept with their object and line number
    kept = _query(clients, config, (
        f"SELECT object_key, line_number, line FROM {config.database}.{config.malformed_table}"
        f" WHERE ingestdatetime = '{label}' ORDER BY object_key"))  # fmt: skip
    assert [(k["object_key"], int(k["line_number"]), k["line"]) for k in kept] == [
        (keys[0], FIRST_OBJECT.index(MALFORMED[0]) + 1, MALFORMED[0]),
        (keys[1], SECOND_OBJECT.index(MALFORMED[1]) + 1, MALFORMED[1]),
    ]
    # AND the hour's objects are recorded as its run read them
    manifest = _query(clients, config, (
        f"SELECT object_key, run_id FROM {config.database}.{config.objects_table}"
        f" WHERE ingestdatetime = '{label}'"))  # fmt: skip
    assert sorted(m["object_key"] for m in manifest) == sorted(keys)
    assert {m["run_id"] for m in manifest} == {run.run_id}
    # AND the summary counts flows apart from the NODATA record
    summary = run.get_task_instance("summarise").xcom_pull(task_ids="summarise")
    assert (summary["flows"], summary["nodata"]) == (RECORDS - 1, 1)
    assert summary["warnings"] == ["duplicate_rows"]
    # AND the warning was published to the alerts topic, naming the check
    messages = clients("sqs").receive_message(QueueUrl=inbox, MaxNumberOfMessages=10)["Messages"]
    assert any("duplicate_rows (warn): 10 rows" in m["Body"] for m in messages), messages
    lines_in = len(FIRST_OBJECT) + len(SECOND_OBJECT) + len(RESENT)
    fault_report.add("hourly: service-owned interfaces", "20 flows with account 'unknown' or '-' (load balancers, NAT)",
                     20, accounts.count("unknown") + accounts.count(None), 20 - accounts.count("unknown") - accounts.count(None), 0, 0,
                     "typed table reads one token per field; all 20 in Parquet, bad_account 0")  # fmt: skip
    fault_report.add("hourly: records delivered twice", f"{len(RESENT)} lines resent in a third object",
                     RECORDS, len(rows), RECORDS - len(rows), 0, 0,
                     "compaction keeps each distinct record once; duplicate_rows warns, published to SNS")  # fmt: skip
    fault_report.add("hourly: malformed lines", f"{len(MALFORMED)} lines no format reads, in 2 objects",
                     lines_in - len(RESENT), len(rows) + len(kept), lines_in - len(RESENT) - len(rows) - len(kept), 0, 0,
                     "kept in vpc_flow_logs_malformed with object and line number; below threshold, hour passes")  # fmt: skip


def _forget(runs) -> None:
    from airflow.utils.session import create_session

    with create_session() as session:
        for run in runs:
            session.delete(session.merge(run))


def test_an_object_landing_after_the_run_is_reprocessed_by_one_reconciliation(stack, fault_report):
    config, clients, _, _ = stack
    # GIVEN the hour was processed, then Firehose delivered one more object into it (a late retry)
    before = _run_hour()
    assert before.state == DagRunState.SUCCESS, _states(before)
    _put(clients, config, "59-30-late", LATE)
    # WHEN vpcflow_reconcile runs over the hours before it
    reconcile = _dag("vpcflow_reconcile").test(logical_date=pendulum.instance(HOUR + timedelta(hours=1, minutes=30)),
                                               run_conf={"lookback_hours": 2})  # fmt: skip
    assert reconcile.state == DagRunState.SUCCESS, _states(reconcile)
    found = reconcile.get_task_instance("find_changed_hours").xcom_pull(task_ids="find_changed_hours")
    assert found == [{"trigger_run_id": before.run_id, "logical_date": before.logical_date.isoformat()}]
    # ... and that H was compacted but never judged by vpcflow_detections: one detections run names it
    judge = reconcile.get_task_instance("find_unjudged_hours").xcom_pull(task_ids="find_unjudged_hours")
    assert judge == [{"conf": {"hours": [f"{HOUR:%Y-%m-%d-%H}"]}}]
    from airflow.models import DagRun

    judging = [r for r in DagRun.find(dag_id="vpcflow_detections") if r.run_type == "operator_triggered"]
    assert [r.conf for r in judging] == [{"hours": [f"{HOUR:%Y-%m-%d-%H}"]}]
    _forget(judging)  # the queued run would wait behind later modules' vpcflow_detections dag.test()
    # THEN Airflow cleared that hour's run (the scheduler reruns it; here dag.test does)
    (cleared_run,) = DagRun.find(dag_id="vpcflow_hourly", run_id=before.run_id)
    cleared = {ti.task_id: ti.state for ti in cleared_run.get_task_instances()}
    assert set(cleared.values()) == {None}, cleared
    after = _run_hour()
    assert after.state == DagRunState.SUCCESS, _states(after)
    rows = _parquet(clients, config)
    assert len(rows) == RECORDS + len(LATE)
    assert sum(1 for r in rows if r["action"] == "REJECT") == len(LATE)
    # AND a second reconciliation finds nothing left to do
    again = _dag("vpcflow_reconcile").test(logical_date=pendulum.instance(HOUR + timedelta(hours=2, minutes=30)),
                                           run_conf={"lookback_hours": 2})  # fmt: skip
    assert again.get_task_instance("find_changed_hours").xcom_pull(task_ids="find_changed_hours") == []
    _forget([r for r in DagRun.find(dag_id="vpcflow_detections") if r.run_type == "operator_triggered"])
    fault_report.add("hourly: object lands after its hour's run", f"{len(LATE)} records delivered into hour H after H's run",
                     RECORDS + len(LATE), len(rows), RECORDS + len(LATE) - len(rows), 0, 0,
                     "vpcflow_reconcile found the changed manifest; Airflow cleared H's run; rerun compacted it")  # fmt: skip
