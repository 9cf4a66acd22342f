"""vpcflow_provision and vpcflow_teardown with dag.test() against localaws: everything exists afterwards,
a second run writes nothing, drift is repaired, teardown needs its confirmation and removes it all."""

from __future__ import annotations

import pytest
from vpcflow.provision.common import CallRecorder, Clients
from vpcflow.provision.packaging import build_lambda_zip, code_sha256
from vpcflow.provision.stack import table_ddl

from tests.conftest import stack_environment

pytestmark = pytest.mark.slow


@pytest.fixture
def recorder(monkeypatch):
    """Every client the DAG's tasks create records its calls here (dag.test() runs tasks in this process)."""
    recorder = CallRecorder()
    original = Clients.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.recorder = recorder

    monkeypatch.setattr(Clients, "__init__", init)
    return recorder


@pytest.fixture
def config(unique):
    """A stack of its own, named by the environment as a deployment names it."""
    from vpcflow.model.config import StackConfig

    name = f"p{unique}"
    with stack_environment(
        StackConfig.isolated(
            "prov",
            unique[:6],
            log_group=f"/vpcflow/{name}",
            delivery_stream=f"{name}-delivery",
            s3_notification=True,
        )
    ) as config:
        yield config


def _dag(dag_id):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=f"dags/{dag_id}.py", bundle_name="dags-folder")
    assert not bag.import_errors, bag.import_errors
    return bag.get_dag(dag_id)


def _failed(run):
    return sorted(ti.task_id for ti in run.get_task_instances() if ti.state == "failed")


def test_provision_repair_and_teardown(airflow_db, aws_conn, aws_client, recorder, config):
    from airflow.sdk import DagRunState

    provision, teardown = _dag("vpcflow_provision"), _dag("vpcflow_teardown")

    # A run may not point provisioning at another stack: refused before any call.
    run = provision.test(run_conf={"bucket": "vpcflow-elsewhere"})
    assert run.state == DagRunState.FAILED and _failed(run) == ["check_stack"]
    assert recorder.writes == []

    run = provision.test()
    assert run.state == DagRunState.SUCCESS, _failed(run)
    assert recorder.writes, "the first run creates the stack"
    s3, lam, logs, glue = aws_client("s3"), aws_client("lambda"), aws_client("logs"), aws_client("glue")
    s3.head_bucket(Bucket=config.bucket)
    assert aws_client("firehose").describe_delivery_stream(DeliveryStreamName=config.delivery_stream)
    assert lam.get_function(FunctionName=config.forwarder_function)["Configuration"][
        "CodeSha256"
    ] == code_sha256(build_lambda_zip("cloudwatch_to_firehose"))
    assert logs.describe_subscription_filters(logGroupName=config.log_group)["subscriptionFilters"]
    assert {t["Name"] for t in glue.get_tables(DatabaseName=config.database)["TableList"]} == set(
        table_ddl(config)
    )
    assert aws_client("quicksight").describe_data_set(
        AwsAccountId="123456789012", DataSetId=config.quicksight_dataset_id
    )
    failures = aws_client("sqs").get_queue_url(QueueName=config.forwarder_failure_queue)["QueueUrl"]
    assert lam.get_function_event_invoke_config(FunctionName=config.forwarder_function)["DestinationConfig"]
    alarms = aws_client("cloudwatch").describe_alarms(AlarmNamePrefix=config.alarm_prefix)["MetricAlarms"]
    assert len(alarms) == 5

    # A second run writes nothing.
    recorder.clear()
    run = provision.test()
    assert run.state == DagRunState.SUCCESS, _failed(run)
    assert recorder.writes == []

    # Drift: the subscription filter deleted and the forwarder's code replaced by hand.
    logs.delete_subscription_filter(logGroupName=config.log_group, filterName=config.subscription_filter)
    lam.update_function_code(
        FunctionName=config.forwarder_function, ZipFile=build_lambda_zip("athena_partitioner")
    )
    lam.get_waiter("function_updated_v2").wait(FunctionName=config.forwarder_function)
    recorder.clear()
    run = provision.test()
    assert run.state == DagRunState.SUCCESS, _failed(run)
    assert sorted(op for _, op in recorder.writes) == ["PutSubscriptionFilter", "UpdateFunctionCode"]
    assert logs.describe_subscription_filters(logGroupName=config.log_group)["subscriptionFilters"]

    # Teardown refuses without the confirmation, then removes everything.
    run = teardown.test(run_conf={"confirm": "yes"})
    assert run.state == DagRunState.FAILED and _failed(run) == ["check_teardown"]
    run = teardown.test(run_conf={"confirm": config.stack_name, "delete_data": True})
    assert run.state == DagRunState.SUCCESS, _failed(run)
    assert config.bucket not in {b["Name"] for b in s3.list_buckets()["Buckets"]}
    assert config.forwarder_function not in {f["FunctionName"] for f in lam.list_functions()["Functions"]}
    assert config.delivery_stream not in aws_client("firehose").list_delivery_streams()["DeliveryStreamNames"]
    assert not logs.describe_log_groups(logGroupNamePrefix=config.log_group)["logGroups"]
    assert config.database not in {d["Name"] for d in glue.get_databases()["DatabaseList"]}
    assert failures not in aws_client("sqs").list_queues().get("QueueUrls", [])
    assert not aws_client("cloudwatch").describe_alarms(AlarmNamePrefix=config.alarm_prefix)["MetricAlarms"]
    roles = {r["RoleName"] for r in aws_client("iam").list_roles()["Roles"]}
    assert not {config.firehose_role, config.forwarder_role, config.partitioner_role} & roles
