"""A bucket policy that denies non-TLS access lets localaws (S3's HTTPS endpoint) through, and a plain
deny still denies."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from localaws.s3_policy import applies


def _policy(bucket: str, condition: dict | None) -> str:
    statement = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
    }
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def test_deny_insecure_transport_does_not_block_requests(aws_client, unique):
    s3, bucket = aws_client("s3"), f"tls-{unique}"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=_policy(bucket, {"Bool": {"aws:SecureTransport": "false"}}))
    s3.put_object(Bucket=bucket, Key="raw/a.gz", Body=b"x")
    assert s3.get_object(Bucket=bucket, Key="raw/a.gz")["Body"].read() == b"x"


def test_unconditional_deny_still_denies(aws_client, unique):
    s3, bucket = aws_client("s3"), f"deny-{unique}"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=_policy(bucket, None))
    with pytest.raises(ClientError, match="403|AccessDenied|Forbidden"):
        s3.put_object(Bucket=bucket, Key="raw/a.gz", Body=b"x")


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"Bool": {"aws:SecureTransport": "false"}}, False),
        ({"Bool": {"aws:SecureTransport": ["true"]}}, True),
        ({"StringEquals": {"aws:SourceVpce": "vpce-1"}}, False),
        ({"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1"}}, True),
        ({"Null": {"aws:SourceVpce": "true"}}, True),
    ],
)
def test_statement_applies_as_iam_evaluates_conditions(condition, expected):
    assert applies({"Condition": condition}) is expected
