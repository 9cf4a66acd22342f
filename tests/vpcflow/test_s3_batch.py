"""DeleteObjects answers 200 even when keys were not deleted (they come back in ``Errors``,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html): delete_keys fails on any of them,
and sends at most 1000 keys a call. The S3 API is stubbed (botocore's Stubber): localaws deletes whatever
it is asked to, so the per-key error AWS can give (AccessDenied on one key) is answered by hand."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber
from vpcflow.model.s3_batch import delete_keys


def _s3():
    return boto3.client("s3", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")


def test_keys_go_in_batches_of_1000():
    s3, keys = _s3(), [{"Key": f"parquet/k{i}"} for i in range(2500)]
    with Stubber(s3) as stub:
        for start in (0, 1000, 2000):
            batch = keys[start : start + 1000]
            stub.add_response(
                "delete_objects", {}, {"Bucket": "b", "Delete": {"Objects": batch, "Quiet": True}}
            )
        assert delete_keys(s3, "b", keys, "s3://b/parquet/") == 2500
        stub.assert_no_pending_responses()


def test_a_key_not_deleted_fails_the_call_naming_it_and_where():
    s3 = _s3()
    with Stubber(s3) as stub:
        stub.add_response(
            "delete_objects",
            {
                "Errors": [
                    {
                        "Key": "parquet/2026/11/25/10/a.parquet",
                        "Code": "AccessDenied",
                        "Message": "Access Denied",
                    }
                ]
            },
        )
        with pytest.raises(RuntimeError) as failed:
            delete_keys(
                s3, "b", [{"Key": "parquet/2026/11/25/10/a.parquet"}], "s3://b/parquet/2026/11/25/10/"
            )
    assert str(failed.value) == (
        "1 object(s) under s3://b/parquet/2026/11/25/10/ not deleted, "
        "e.g. parquet/2026/11/25/10/a.parquet: AccessDenied Access Denied"
    )
