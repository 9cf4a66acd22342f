"""vpcflow end to end on a real AWS account: vpcflow_provision, one vpcflow_hourly run, vpcflow_teardown.

Opt-in; skipped unless VPCFLOW_SYSTEM_TESTS=1 and a profile's credentials work (STS GetCallerIdentity):

    VPCFLOW_SYSTEM_TESTS=1 VPCFLOW_SYSTEM_AWS_PROFILE=sandbox VPCFLOW_SYSTEM_AWS_REGION=eu-west-1 \\
        .venv/bin/pytest tests/system -m system -v

Shaped like the Amazon provider's system tests (example_athena.py), one DAG run per step:

    chain(
        # TEST SETUP      a throwaway stack with unique names (fixtures: aws_account, system_stack)
        # TEST BODY       provision -> an hour of flow logs in Firehose's layout -> vpcflow_hourly for that
        #                 hour -> the live path (CloudWatch Logs -> Lambda -> Firehose -> S3)
        # TEST TEARDOWN   vpcflow_teardown, then delete whatever it left (TriggerRule.ALL_DONE)
    )

It costs cents: a few Athena queries over ~2,000 lines, one Lambda and Firehose delivery, and minutes of
QuickSight only with VPCFLOW_SYSTEM_QUICKSIGHT=1.
"""

from __future__ import annotations

import gzip
import time
from typing import Any

import pytest

from tests.system.conftest import DAG_IDS, ENABLED, ENDPOINT_URL, SKIP_REASON
from tests.system.plan import Step, run_plan

pytestmark = [pytest.mark.system, pytest.mark.skipif(not ENABLED, reason=SKIP_REASON)]

# The hour under test lies this far back: complete, and long flushed by Firehose, so the hourly run's
# wait is already over (the run is keyed on its data interval, never on the clock).
HOURS_BACK = 3
LIVE_PATH_GRACE_S = 240


def run_dag(dag: Any, **kwargs: Any) -> Any:
    from airflow.sdk import DagRunState

    run = dag.test(**kwargs)
    if run.state != DagRunState.SUCCESS:
        failed = sorted(ti.task_id for ti in run.get_task_instances() if ti.state == "failed")
        raise AssertionError(f"{dag.dag_id} ended {run.state}; failed tasks: {failed}")
    return run


def conf_for(dag: Any, values: dict[str, Any]) -> dict[str, Any]:
    """Only the params the DAG declares: a DAG may reject parameters it does not know."""
    return {key: value for key, value in values.items() if key in dag.params}


def teardown_conf(dag: Any, stack_name: str) -> dict[str, Any]:
    """Stack params, the explicit confirmation vpcflow_teardown asks for, and delete the test's data too."""
    conf: dict[str, Any] = {}
    for key in dag.params:
        default = dag.params[key]
        if "confirm" in key:
            conf[key] = True if isinstance(default, bool) else stack_name
        elif key == "delete_data":
            conf[key] = True
    return conf


def test_provision_one_hour_and_teardown_on_aws(aws_account, system_stack, vpcflow_dags):
    import pendulum
    from vpcflow.model.config import StackConfig

    provision, hourly, teardown = (vpcflow_dags[dag_id] for dag_id in DAG_IDS)
    params = system_stack.params
    config = StackConfig()  # the stack's names, from the VPCFLOW_* environment the fixture set
    assert config.stack_name == params["stack_name"]
    s3, glue = aws_account.client("s3"), aws_account.client("glue")
    hour = pendulum.now("UTC").start_of("hour").subtract(hours=HOURS_BACK)

    def provision_stack() -> None:
        run_dag(provision, run_conf=conf_for(provision, params))
        s3.head_bucket(Bucket=config.bucket)

    def write_hour_of_flow_logs() -> None:
        from vpcflow.synthetic.generator import GeneratorConfig
        from vpcflow.synthetic.sinks import generate_to_s3

        generated = GeneratorConfig(records_per_hour=2000, daily_curve=False, seed=11)
        generate_to_s3(
            hour,
            hour.add(hours=1),
            generated,
            s3=s3,
            url=config.raw_location,
            delivery_stream=config.delivery_stream,
        )

    def run_hourly() -> None:
        run_dag(hourly, logical_date=hour, run_conf=conf_for(hourly, params))
        partitions = glue.get_partitions(DatabaseName=config.database, TableName=config.raw_table)[
            "Partitions"
        ]
        assert partitions, f"no partition registered in {config.database}.{config.raw_table}"
        parquet = s3.list_objects_v2(Bucket=config.bucket, Prefix=config.parquet_prefix)
        assert parquet.get("KeyCount", 0) > 0, f"no Parquet under {config.parquet_location}"

    def live_path() -> None:
        deliver_one_flow_through_the_live_path(aws_account, config, system_stack.suffix)

    def run_teardown() -> None:
        run_dag(
            teardown, run_conf={**conf_for(teardown, params), **teardown_conf(teardown, config.stack_name)}
        )

    def delete_leftovers() -> None:
        # Whatever the teardown DAG did, leave the account as it was: every resource, data included.
        from vpcflow.provision.common import Clients
        from vpcflow.provision.teardown import teardown_stack

        teardown_stack(Clients(aws_account.session, endpoint_url=ENDPOINT_URL), config, delete_data=True)

    outcome = run_plan(
        setup=[],  # the fixtures: credentials checked, unique names in the environment
        body=[
            Step("vpcflow_provision", provision_stack),
            Step("write_hour_of_flow_logs", write_hour_of_flow_logs),
            Step("vpcflow_hourly", run_hourly),
            Step("live_path", live_path),
        ],
        teardown=[Step("vpcflow_teardown", run_teardown), Step("delete_leftovers", delete_leftovers)],
    )
    print(f"system test {config.stack_name} in {aws_account.id}: step seconds {outcome.seconds}")
    outcome.raise_for_failures()


def deliver_one_flow_through_the_live_path(account: Any, config: Any, suffix: str) -> None:
    """One flow log event into the log group must come out of Firehose into raw/ as a gzip object."""
    logs, s3 = account.client("logs"), account.client("s3")
    eni = f"eni-{suffix}{suffix}0"  # 17 hex digits, unique to this run: the marker to look for
    now = int(time.time())
    line = f"2 {account.id} {eni} 10.0.0.1 10.0.0.2 443 49152 6 10 8400 {now - 30} {now} ACCEPT OK"
    stream = f"system-test-{suffix}"
    logs.create_log_stream(logGroupName=config.log_group, logStreamName=stream)
    logs.put_log_events(
        logGroupName=config.log_group,
        logStreamName=stream,
        logEvents=[{"timestamp": now * 1000, "message": line}],
    )
    seen: set[str] = set()
    deadline = time.monotonic() + config.buffer_interval_s + LIVE_PATH_GRACE_S
    while time.monotonic() < deadline:
        for page in s3.get_paginator("list_objects_v2").paginate(
            Bucket=config.bucket, Prefix=config.raw_prefix
        ):
            for obj in page.get("Contents", []):
                if obj["Key"] in seen or obj["LastModified"].timestamp() < now - 60:
                    continue
                seen.add(obj["Key"])
                body = s3.get_object(Bucket=config.bucket, Key=obj["Key"])["Body"].read()
                if eni.encode() in gzip.decompress(body):
                    return
        time.sleep(15)
    raise AssertionError(
        f"the flow log event for {eni} did not reach s3://{config.bucket}/{config.raw_prefix} within "
        f"{config.buffer_interval_s + LIVE_PATH_GRACE_S}s (log group {config.log_group} -> Lambda "
        f"{config.forwarder_function} -> Firehose {config.delivery_stream})"
    )
