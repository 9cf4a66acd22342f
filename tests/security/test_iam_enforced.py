"""Least privilege, proven: vpcflow_provision and an hour of vpcflow_hourly run on a localaws that enforces
IAM (localaws.iam), with Airflow's connection holding only the policies vpcflow.provision.airflow_policies
generates for each DAG. Every call is allowed, moto's services and localaws's own alike; with one action
dropped from a policy, the run fails with AccessDenied naming that action."""

from __future__ import annotations

import gzip
import json
import uuid
from datetime import UTC, datetime, timedelta

import boto3
import pendulum
import pytest
from localaws.server import LocalAWS
from vpcflow.model.config import StackConfig
from vpcflow.provision.airflow_policies import NEEDED_BY, POLICIES
from vpcflow.provision.iam_policies import StackArns

from tests.conftest import REGION, stack_environment

pytestmark = pytest.mark.slow

ACCOUNT = "123456789012"
ROOT_KEY = "testing"  # the suite's default credentials act as the account's root user here
HOUR = datetime(2026, 11, 25, 10, tzinfo=UTC)
# What each DAG must have been judged on: moto's services and localaws's own (athena, quicksight, firehose).
PROVISION_SERVICES = {
    *("s3", "iam", "logs", "sqs", "sns", "cloudwatch", "ec2", "glue"),
    *("athena", "quicksight", "firehose", "lambda"),
}
HOURLY_SERVICES = {"s3", "athena", "glue", "quicksight"}
DROPPED = "athena:StartQueryExecution"


@pytest.fixture(scope="module")
def enforcing(tmp_path_factory):
    state = tmp_path_factory.mktemp("enforcing")
    with LocalAWS(port=0, state_dir=state, enforce_iam=True, root_access_keys=(ROOT_KEY,)) as aws:
        yield aws


@pytest.fixture(scope="module")
def root(enforcing):
    return lambda service: boto3.client(service, endpoint_url=enforcing.endpoint, region_name=REGION)


@pytest.fixture(scope="module")
def stack(root, airflow_db):
    suffix = uuid.uuid4().hex[:8]
    vpc = root("ec2").create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    names = {"log_group": f"/vpcflow/i{suffix}", "delivery_stream": f"i{suffix}", "vpc_id": vpc}
    config = StackConfig.isolated("iam", suffix[:6], buffer_interval_s=0, **names)
    with stack_environment(config):
        yield config


def _user(root, stack: StackConfig, dag: str) -> tuple[str, dict[str, str]]:
    """An IAM user holding only ``dag``'s generated managed policies: its ARN and access key."""
    iam, arns, name = root("iam"), StackArns(stack, ACCOUNT, REGION), f"{dag}-{stack.stack_name}"
    user = iam.create_user(UserName=name)["User"]["Arn"]
    for policy in NEEDED_BY[dag]:
        document = json.dumps(POLICIES[policy](arns))
        created = iam.create_policy(PolicyName=f"{policy}-{stack.stack_name}", PolicyDocument=document)
        iam.attach_user_policy(UserName=name, PolicyArn=created["Policy"]["Arn"])
    return user, iam.create_access_key(UserName=name)["AccessKey"]


def _connect(enforcing, key: dict[str, str]) -> pytest.MonkeyPatch:
    """Airflow's aws_default connection with the user's keys, as a deployment configures it."""
    conn = {
        "conn_type": "aws",
        "login": key["AccessKeyId"],
        "password": key["SecretAccessKey"],
        "extra": {"endpoint_url": enforcing.endpoint, "region_name": REGION},
    }
    patch = pytest.MonkeyPatch()
    patch.setenv("AIRFLOW_CONN_AWS_DEFAULT", json.dumps(conn))
    return patch


def _dag(dag_id: str):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=f"dags/{dag_id}.py", bundle_name="dags-folder")
    assert not bag.import_errors, bag.import_errors
    dag = bag.get_dag(dag_id)
    for task in dag.tasks:  # a denial is final: no retry waits
        task.retries = 0
    return dag


def _states(run) -> dict[str, str]:
    return {ti.task_id: ti.state for ti in run.get_task_instances()}


def _services_judged(enforcing, user: str) -> set[str]:
    return {d.action.split(":")[0] for d in enforcing.iam.allowed(user)}


@pytest.fixture(scope="module")
def provisioned(enforcing, root, stack):
    user, key = _user(root, stack, "vpcflow_provision")
    patch = _connect(enforcing, key)
    try:
        run = _dag("vpcflow_provision").test()
    finally:
        patch.undo()
    return user, run


@pytest.fixture(scope="module")
def hourly(enforcing, root, stack, provisioned):
    """The hourly user, its connection, and one run of hour H (written as Firehose writes it)."""
    from vpcflow.synthetic.generator import GeneratorConfig
    from vpcflow.synthetic.sinks import generate_to_s3

    generate_to_s3(HOUR, HOUR + timedelta(hours=1), GeneratorConfig(records_per_hour=500, seed=5),
                   s3=root("s3"), url=stack.raw_location)  # fmt: skip
    # ... and a vertical port scan in it, so vpcflow_detections has a finding to deliver
    start = int(HOUR.timestamp()) + 600
    scan = "".join(
        f"2 {ACCOUNT} eni-0scan 198.51.100.7 10.0.1.5 40000 {port} 6 1 40 {start + port} {start + port + 1} "
        "REJECT OK\n"
        for port in range(1, 31)
    )
    key = f"{stack.raw_prefix}{HOUR:%Y/%m/%d/%H}/{stack.delivery_stream}-1-{HOUR:%Y-%m-%d-%H}-10-00-scan.gz"
    root("s3").put_object(Bucket=stack.bucket, Key=key, Body=gzip.compress(scan.encode()))
    user, key = _user(root, stack, "vpcflow_hourly")
    patch = _connect(enforcing, key)
    try:
        yield user, _run_hour()
    finally:
        patch.undo()


def _run_hour():
    return _dag("vpcflow_hourly").test(
        logical_date=pendulum.instance(HOUR + timedelta(hours=1)), run_conf={"grace_s": 0}
    )


def test_provision_runs_with_only_its_generated_policies(enforcing, stack, provisioned):
    from airflow.sdk import DagRunState

    user, run = provisioned
    assert run.state == DagRunState.SUCCESS, _states(run)
    assert enforcing.iam.denials(user) == []
    assert PROVISION_SERVICES <= _services_judged(enforcing, user)
    # Each role went to its service only: iam:PassRole was judged with iam:PassedToService.
    arns = StackArns(stack, ACCOUNT, REGION)
    roles = (stack.firehose_role, stack.forwarder_role, stack.partitioner_role, stack.flow_log_role)
    passed = {d.resource for d in enforcing.iam.allowed(user) if d.action == "iam:PassRole"}
    assert passed == {arns.role(r) for r in roles}


def test_an_hour_runs_with_only_the_hourly_policy(enforcing, hourly):
    from airflow.sdk import DagRunState

    user, run = hourly
    assert run.state == DagRunState.SUCCESS, _states(run)
    assert enforcing.iam.denials(user) == []
    assert HOURLY_SERVICES <= _services_judged(enforcing, user)


def test_an_action_dropped_from_the_policy_fails_the_run_with_access_denied_naming_it(
    enforcing, root, stack, hourly, capsys
):
    from airflow.sdk import DagRunState

    # GIVEN the hourly policy without one action
    user, _ = hourly
    iam = root("iam")
    (policy,) = iam.list_attached_user_policies(UserName=f"vpcflow_hourly-{stack.stack_name}")[
        "AttachedPolicies"
    ]
    document = POLICIES["vpcflow_hourly"](StackArns(stack, ACCOUNT, REGION))
    for statement in document["Statement"]:
        statement["Action"] = [a for a in statement["Action"] if a != DROPPED]
    iam.create_policy_version(
        PolicyArn=policy["PolicyArn"], PolicyDocument=json.dumps(document), SetAsDefault=True
    )
    capsys.readouterr()

    # WHEN the hour runs again
    run = _run_hour()

    # THEN it fails, every denial names the dropped action, and the task saw AWS's error
    assert run.state == DagRunState.FAILED
    denied = enforcing.iam.denials(user)
    assert denied and {d.action for d in denied} == {DROPPED}
    workgroup = StackArns(stack, ACCOUNT, REGION).workgroup
    message = f"User: {user} is not authorized to perform: {DROPPED} on resource: {workgroup}"
    assert all(d.message.startswith(message) for d in denied)
    assert "failed" in _states(run).values()
    # ... and the failure alert still reached the alerts topic: sns:Publish is in the policy.
    topic = StackArns(stack, ACCOUNT, REGION).topic(stack.alerts_topic)
    assert ("sns:Publish", topic) in {(d.action, d.resource) for d in enforcing.iam.allowed(user)}
    logs = capsys.readouterr()
    assert (
        f"(AccessDeniedException) when calling the StartQueryExecution operation: {message}"
        in logs.out + logs.err
    )


def test_detections_run_with_only_their_policy(enforcing, root, stack, hourly):
    """vpcflow_detections judges hour H (compacted by the hourly fixture) as a user holding only its
    policy: Athena over Parquet and its own tables, the scan's finding imported into Security Hub and
    published to the alerts topic, nothing denied."""
    from airflow.sdk import DagRunState
    from vpcflow.detections.settings import DetectionSettings

    # GIVEN the account's Security Hub on (VPCFLOW_SECURITY_HUB=import, the default, expects it)
    assert DetectionSettings().security_hub == "import"
    root("securityhub").enable_security_hub(EnableDefaultStandards=False)
    user, key = _user(root, stack, "vpcflow_detections")
    patch = _connect(enforcing, key)
    try:
        # WHEN the hour is judged, as a manual run names it
        run = _dag("vpcflow_detections").test(run_conf={"hours": [f"{HOUR:%Y-%m-%d-%H}"]})
    finally:
        patch.undo()
    # THEN the run succeeded with every call allowed, on the services detections use
    assert run.state == DagRunState.SUCCESS, _states(run)
    assert enforcing.iam.denials(user) == []
    assert {"s3", "athena", "securityhub", "sns"} <= _services_judged(enforcing, user)
    imported = root("securityhub").get_findings()["Findings"]
    assert [f["GeneratorId"].rsplit("/", 1)[-1] for f in imported] == ["port_scan_vertical"]


def _clients(enforcing, key: dict[str, str]):
    from vpcflow.provision.common import Clients

    session = boto3.Session(
        aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"]
    )
    return Clients(session, endpoint_url=enforcing.endpoint, region=REGION)


def test_reconcile_replay_and_teardown_run_with_only_their_policies(enforcing, root, stack, hourly):
    """The code of vpcflow_reconcile, `vpcflow replay` and vpcflow_teardown, called directly (their DAG
    wrappers add no AWS call) with each one's user."""
    from vpcflow.hourly.reconcile import changed_hours, hours_back
    from vpcflow.provision.teardown import teardown_stack
    from vpcflow.replay import replay

    from tests.lambdas.events import awslogs_event
    from tests.vpcflow.test_replay import record

    # GIVEN an object Firehose delivered late into hour H THEN reconciliation finds the hour changed
    user, key = _user(root, stack, "vpcflow_reconcile")
    late = f"{stack.raw_prefix}{HOUR:%Y/%m/%d/%H}/late.gz"
    root("s3").put_object(Bucket=stack.bucket, Key=late, Body=b"")
    clients = _clients(enforcing, key)
    changed = changed_hours(clients("s3"), clients("athena"), stack, hours_back(HOUR + timedelta(hours=1), 1))
    assert [c.added for c in changed] == [1]
    assert enforcing.iam.denials(user) == [] and {"s3", "athena"} <= _services_judged(enforcing, user)

    # GIVEN an event the forwarder gave up on THEN `vpcflow replay` sends it on and empties the queue
    user, key = _user(root, stack, "vpcflow replay")
    queue = root("sqs").get_queue_url(QueueName=stack.forwarder_failure_queue)["QueueUrl"]
    body = record(awslogs_event(["2 123456789012 eni-0 10.0.0.1 10.0.0.2 1 2 6 1 40 1 2 ACCEPT OK"]),
                  function=stack.forwarder_function)  # fmt: skip
    root("sqs").send_message(QueueUrl=queue, MessageBody=body)
    clients = _clients(enforcing, key)
    report = replay(clients("sqs"), clients("lambda"), queue, stack.forwarder_function, wait_s=0)
    assert [(i.outcome, i.error) for i in report.items] == [("sent", None)] and report.left_in_queue == 0
    assert enforcing.iam.denials(user) == [] and {"sqs", "lambda"} <= _services_judged(enforcing, user)

    # WHEN the stack is torn down with its data THEN nothing of it is left
    user, key = _user(root, stack, "vpcflow_teardown")
    teardown_stack(_clients(enforcing, key), stack, delete_data=True)
    assert enforcing.iam.denials(user) == []
    assert stack.bucket not in {b["Name"] for b in root("s3").list_buckets()["Buckets"]}
    assert not root("logs").describe_log_groups(logGroupNamePrefix=stack.log_group)["logGroups"]
