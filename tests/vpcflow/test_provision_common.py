"""Small pieces of the provisioning layer: IAM-propagation retries, policy comparison, client recording."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from vpcflow.provision.common import CallRecorder, Clients, retry_propagation, same_policy


def _error(code: str, message: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "CreateFunction")


def test_retry_propagation_retries_only_fresh_role_errors():
    calls = []

    def create():
        calls.append(1)
        if len(calls) < 3:
            raise _error(
                "InvalidParameterValueException",
                "The role defined for the function cannot be assumed by Lambda.",
            )
        return "ok"

    assert retry_propagation(create, delay=0) == "ok" and len(calls) == 3

    def broken():
        raise _error("InvalidParameterValueException", "Unzipped size must be smaller than 262144000 bytes")

    with pytest.raises(ClientError, match="Unzipped size"):
        retry_propagation(broken, delay=0)


@pytest.mark.parametrize(
    "message",
    [
        "The destination ARN arn:aws:sqs:us-east-1:1:q is invalid.",
        "The function execution role does not have permissions to call SendMessage on arn:aws:sqs:us-east-1:1:q",
    ],
)
def test_retry_propagation_waits_for_a_destination_grant(message):
    # GIVEN Lambda refusing an on-failure destination while the role's new sqs:SendMessage propagates
    calls = []

    def put_config():
        calls.append(1)
        if len(calls) < 2:
            raise _error("InvalidParameterValueException", message)
        return "ok"

    # THEN the put is retried until it is accepted
    assert retry_propagation(put_config, delay=0) == "ok" and len(calls) == 2


def test_retry_propagation_gives_up():
    def never():
        raise _error("InvalidArgumentException", "Firehose is unable to assume role arn:aws:iam::1:role/x")

    with pytest.raises(ClientError, match="unable to assume"):
        retry_propagation(never, attempts=2, delay=0)


def test_same_policy_ignores_order_and_single_item_lists():
    a = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": ["arn:aws:s3:::b/*"]}
        ],
    }
    b = {
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:GetObject"],
            "Resource": "arn:aws:s3:::b/*",
        },
    }
    assert same_policy(a, b)
    assert same_policy(
        a,
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": '
        '"arn:aws:s3:::b/*", "Action": ["s3:PutObject", "s3:GetObject"]}]}',
    )
    assert not same_policy(a, {**b, "Statement": {**b["Statement"], "Action": "s3:*"}})


def test_clients_from_a_factory_are_cached_and_recorded():
    import boto3
    from botocore.stub import Stubber

    made = []
    recorder = CallRecorder()

    def factory(name):
        made.append(name)
        return boto3.client(name, region_name="eu-west-1")

    clients = Clients(factory=factory, recorder=recorder)
    s3 = clients("s3")
    assert clients("s3") is s3 and made == ["s3"]
    with Stubber(s3) as stub:
        stub.add_response("put_bucket_policy", {}, {"Bucket": "b", "Policy": "{}"})
        stub.add_response("get_bucket_policy", {"Policy": "{}"}, {"Bucket": "b"})
        s3.put_bucket_policy(Bucket="b", Policy="{}")
        s3.get_bucket_policy(Bucket="b")
    assert recorder.calls == [("s3", "PutBucketPolicy"), ("s3", "GetBucketPolicy")]
    assert recorder.writes == [("s3", "PutBucketPolicy")]
