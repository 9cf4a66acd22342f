"""ensure_lambda_function, permissions and the S3 notification against moto (which stores, not runs, code)."""

from __future__ import annotations

import json

import pytest
from vpcflow.provision.functions import (
    delete_lambda_function,
    delete_s3_notification,
    ensure_lambda_function,
    ensure_lambda_permission,
    ensure_s3_notification,
)
from vpcflow.provision.iam import ensure_roles
from vpcflow.provision.packaging import code_sha256
from vpcflow.provision.storage import ensure_bucket

from tests.vpcflow.provision_fixtures import moto, tiny_zip  # noqa: F401  (fixture)


@pytest.fixture
def role(moto):  # noqa: F811
    ensure_roles(moto.clients("iam"), moto.arns)
    return moto.arns.role(moto.config.forwarder_role)


def deploy(moto, role, zip_bytes, **overrides):  # noqa: F811
    kwargs = {"env": {"DELIVERY_STREAM_NAME": "s"}, "timeout": 60, "memory": 256} | overrides
    return ensure_lambda_function(
        moto.clients("lambda"), "fn", role, zip_bytes, "handler.handler", "python3.12", **kwargs
    )


def test_function_created_then_unchanged(moto, role):  # noqa: F811
    created = deploy(moto, role, tiny_zip())
    assert created == ("created", "arn:aws:lambda:us-east-1:123456789012:function:fn")
    config = moto.clients("lambda").get_function(FunctionName="fn")["Configuration"]
    assert config["CodeSha256"] == code_sha256(tiny_zip())
    assert config["Environment"]["Variables"] == {"DELIVERY_STREAM_NAME": "s"}
    moto.reset()
    assert deploy(moto, role, tiny_zip()).action == "unchanged"
    assert moto.writes() == []


def test_changed_code_is_uploaded_alone(moto, role):  # noqa: F811
    deploy(moto, role, tiny_zip())
    moto.reset()
    new_code = tiny_zip("def handler(event, context):\n    return 2\n")
    assert deploy(moto, role, new_code).action == "updated"
    assert [op for _, op in moto.writes()] == ["UpdateFunctionCode"]
    config = moto.clients("lambda").get_function(FunctionName="fn")["Configuration"]
    assert config["CodeSha256"] == code_sha256(new_code)


def test_changed_configuration_is_updated_alone(moto, role):  # noqa: F811
    deploy(moto, role, tiny_zip())
    moto.reset()
    assert deploy(moto, role, tiny_zip(), memory=512, env={"DELIVERY_STREAM_NAME": "t"}).action == "updated"
    assert [op for _, op in moto.writes()] == ["UpdateFunctionConfiguration"]
    config = moto.clients("lambda").get_function(FunctionName="fn")["Configuration"]
    assert config["MemorySize"] == 512 and config["Environment"]["Variables"] == {"DELIVERY_STREAM_NAME": "t"}


def test_delete_function_is_idempotent(moto, role):  # noqa: F811
    deploy(moto, role, tiny_zip())
    lam = moto.clients("lambda")
    assert delete_lambda_function(lam, "fn").action == "deleted"
    assert delete_lambda_function(lam, "fn").action == "absent"


def test_permission_scoped_to_source_and_repaired(moto, role):  # noqa: F811
    deploy(moto, role, tiny_zip())
    lam = moto.clients("lambda")
    group = "arn:aws:logs:us-east-1:123456789012:log-group:/vpcflow/flow-logs:*"
    args = (lam, "fn", "logs-invoke", "logs.amazonaws.com", group, "123456789012")
    assert ensure_lambda_permission(*args).action == "created"
    (statement,) = json.loads(lam.get_policy(FunctionName="fn")["Policy"])["Statement"]
    assert statement["Condition"]["ArnLike"]["AWS:SourceArn"] == group
    moto.reset()
    assert ensure_lambda_permission(*args).action == "unchanged"
    assert moto.writes() == []
    other = (
        lam,
        "fn",
        "logs-invoke",
        "logs.amazonaws.com",
        group.replace("flow-logs", "other"),
        "123456789012",
    )
    assert ensure_lambda_permission(*other).action == "updated"
    assert [op for _, op in moto.writes()] == ["RemovePermission", "AddPermission"]


def test_s3_notification_created_unchanged_removed(moto, role):  # noqa: F811
    s3 = moto.clients("s3")
    ensure_bucket(s3, moto.config, moto.arns)
    function = deploy(moto, role, tiny_zip()).id
    assert ensure_s3_notification(s3, moto.config.bucket, function, "raw/").action == "created"
    (config,) = s3.get_bucket_notification_configuration(Bucket=moto.config.bucket)[
        "LambdaFunctionConfigurations"
    ]
    assert config["Events"] == ["s3:ObjectCreated:*"]
    assert config["Filter"]["Key"]["FilterRules"][0]["Value"] == "raw/"
    moto.reset()
    assert ensure_s3_notification(s3, moto.config.bucket, function, "raw/").action == "unchanged"
    assert moto.writes() == []
    assert ensure_s3_notification(s3, moto.config.bucket, function, "raw2/").action == "updated"
    assert delete_s3_notification(s3, moto.config.bucket).action == "deleted"
    assert delete_s3_notification(s3, moto.config.bucket).action == "absent"
