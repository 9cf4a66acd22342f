"""The whole stack against moto: provision, a second run with zero writes, drift repair, teardown."""

from __future__ import annotations

import dataclasses

import pytest
from vpcflow.provision.common import is_write
from vpcflow.provision.packaging import code_sha256
from vpcflow.provision.stack import LambdaCode, lambda_code, provision_stack
from vpcflow.provision.teardown import teardown_stack

from tests.vpcflow.provision_fixtures import moto, tiny_zip  # noqa: F401  (fixture)


@pytest.fixture
def stack(moto):  # noqa: F811
    moto.config = dataclasses.replace(moto.config, s3_notification=True)
    return moto


def provision(stack, code=None):
    # moto's Athena runs no DDL, so tables are left to the DAG test against localaws.
    return provision_stack(stack.clients, stack.config, code or lambda_code(), ddl={})


def test_provision_twice_then_repair_then_teardown(stack):
    vpc = stack.clients("ec2").create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    stack.config = dataclasses.replace(stack.config, vpc_id=vpc)
    config, clients = stack.config, stack.clients
    # Data already there (moto treats the TLS-only Deny as unconditional, so objects are written first).
    clients("s3").create_bucket(Bucket=config.bucket)
    clients("s3").put_object(Bucket=config.bucket, Key="raw/2026/11/26/15/x.gz", Body=b"data")
    first = provision(stack)
    assert {k: v.action for k, v in first.items() if v.action != "created"} == {
        "quicksight": "skipped",
        "bucket": "updated",
    }  # an existing bucket is adopted and configured
    assert clients("lambda").get_function(FunctionName=config.forwarder_function)["Configuration"][
        "Environment"
    ] == {"Variables": {"DELIVERY_STREAM_NAME": config.delivery_stream}}
    # Failed events have somewhere to wait, and an alarm says so.
    invoke_config = clients("lambda").get_function_event_invoke_config(FunctionName=config.forwarder_function)
    assert invoke_config["DestinationConfig"]["OnFailure"]["Destination"].endswith(
        f":sqs:us-east-1:123456789012:{config.forwarder_failure_queue}"
    )
    assert (
        len(clients("cloudwatch").describe_alarms(AlarmNamePrefix=config.alarm_prefix)["MetricAlarms"]) == 5
    )
    (subscription,) = clients("logs").describe_subscription_filters(logGroupName=config.log_group)[
        "subscriptionFilters"
    ]
    assert subscription["destinationArn"].endswith(f"function:{config.forwarder_function}")

    # A second run changes nothing and writes nothing.
    stack.reset()
    second = provision(stack)
    assert {v.action for k, v in second.items() if k != "quicksight"} == {"unchanged"}
    assert stack.writes() == []

    # Drift: the subscription filter deleted by hand, the partitioner's code changed in the repo.
    clients("logs").delete_subscription_filter(
        logGroupName=config.log_group, filterName=config.subscription_filter
    )
    code = lambda_code() | {"athena_partitioner": LambdaCode(tiny_zip())}
    stack.reset()
    third = provision(stack, code)
    changed = {k: v.action for k, v in third.items() if v.action not in ("unchanged", "skipped")}
    assert changed == {"subscription_filter": "created", f"function:{config.partitioner_function}": "updated"}
    assert sorted(op for _, op in stack.writes()) == ["PutSubscriptionFilter", "UpdateFunctionCode"]
    assert clients("lambda").get_function(FunctionName=config.partitioner_function)["Configuration"][
        "CodeSha256"
    ] == code_sha256(tiny_zip())

    # Teardown keeps the data by default, removes everything else, and can run again.
    gone = teardown_stack(clients, config)
    assert gone["bucket"].action == "skipped"
    assert {v.action for k, v in gone.items() if k != "bucket"} <= {"deleted", "absent"}
    assert (
        clients("s3").list_objects_v2(Bucket=config.bucket)["Contents"][0]["Key"] == "raw/2026/11/26/15/x.gz"
    )
    assert clients("lambda").list_functions()["Functions"] == []
    assert clients("firehose").list_delivery_streams()["DeliveryStreamNames"] == []
    assert clients("ec2").describe_flow_logs()["FlowLogs"] == []
    assert clients("sqs").list_queues().get("QueueUrls", []) == []  # the failure queue held nothing
    assert clients("sns").list_topics()["Topics"] == []
    assert clients("cloudwatch").describe_alarms()["MetricAlarms"] == []
    assert not [r for r in clients("iam").list_roles()["Roles"] if r["RoleName"].startswith("vpcflow-")]

    again = teardown_stack(clients, config, delete_data=True)
    assert again["bucket"].action == "deleted"
    assert {v.action for k, v in again.items() if k != "bucket"} <= {"absent", "skipped"}
    assert clients("s3").list_buckets()["Buckets"] == []


def test_turning_the_s3_notification_off_removes_it(stack):
    provision(stack)
    stack.config = dataclasses.replace(stack.config, s3_notification=False)
    assert provision(stack)["s3_notification"].action == "deleted"
    assert provision(stack)["s3_notification"].action == "skipped"


def test_missing_lambda_zip_is_named(stack):
    with pytest.raises(ValueError, match="athena_partitioner"):
        provision_stack(
            stack.clients, stack.config, {"cloudwatch_to_firehose": LambdaCode(tiny_zip())}, ddl={}
        )


@pytest.mark.parametrize(
    ("operation", "write"),
    [
        ("CreateBucket", True),
        ("PutBucketPolicy", True),
        ("UpdateDestination", True),
        ("AddPermission", True),
        ("AttachRolePolicy", True),
        ("DeleteFlowLogs", True),
        ("StartQueryExecution", True),
        ("GetBucketPolicy", False),
        ("DescribeDeliveryStream", False),
        ("ListRolePolicies", False),
        ("HeadBucket", False),
        ("BatchGetPartition", False),
    ],
)
def test_write_classification(operation, write):
    assert is_write(operation) is write
