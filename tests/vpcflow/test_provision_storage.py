"""ensure_bucket against moto: created, unchanged with no write call, repaired after drift."""

from __future__ import annotations

import json

from vpcflow.provision.storage import ensure_bucket

from tests.vpcflow.provision_fixtures import moto  # noqa: F401  (fixture)


def test_bucket_is_created_with_every_setting(moto):  # noqa: F811
    s3 = moto.clients("s3")
    result = ensure_bucket(s3, moto.config, moto.arns)
    assert result == ("created", "arn:aws:s3:::vpcflow-test-bucket")

    bucket = moto.config.bucket
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values()) and len(block) == 4
    (deny,) = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    rules = {r["ID"]: r for r in s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]}
    assert rules["vpcflow-expire-raw"]["Expiration"]["Days"] == 90
    assert rules["vpcflow-expire-raw"]["Filter"]["Prefix"] == "raw/"
    assert rules["vpcflow-expire-athena-results"]["Expiration"]["Days"] == 7


def test_second_call_makes_no_write(moto):  # noqa: F811
    s3 = moto.clients("s3")
    ensure_bucket(s3, moto.config, moto.arns)
    moto.reset()
    assert ensure_bucket(s3, moto.config, moto.arns).action == "unchanged"
    assert moto.writes() == []


def test_changed_lifecycle_is_repaired_and_foreign_rules_kept(moto):  # noqa: F811
    s3 = moto.clients("s3")
    ensure_bucket(s3, moto.config, moto.arns)
    rules = s3.get_bucket_lifecycle_configuration(Bucket=moto.config.bucket)["Rules"]
    rules[0]["Expiration"]["Days"] = 1
    foreign = {
        "ID": "someone-elses",
        "Filter": {"Prefix": "other/"},
        "Status": "Enabled",
        "Expiration": {"Days": 3},
    }
    s3.put_bucket_lifecycle_configuration(
        Bucket=moto.config.bucket, LifecycleConfiguration={"Rules": rules + [foreign]}
    )
    moto.reset()
    assert ensure_bucket(s3, moto.config, moto.arns).action == "updated"
    assert [op for _, op in moto.writes()] == ["PutBucketLifecycleConfiguration"]
    after = {r["ID"]: r for r in s3.get_bucket_lifecycle_configuration(Bucket=moto.config.bucket)["Rules"]}
    assert after["vpcflow-expire-raw"]["Expiration"]["Days"] == 90 and "someone-elses" in after


def test_deleted_policy_and_encryption_change_are_repaired(moto):  # noqa: F811
    s3 = moto.clients("s3")
    ensure_bucket(s3, moto.config, moto.arns)
    s3.delete_bucket_policy(Bucket=moto.config.bucket)
    s3.delete_public_access_block(Bucket=moto.config.bucket)
    moto.reset()
    assert ensure_bucket(s3, moto.config, moto.arns).action == "updated"
    assert sorted(op for _, op in moto.writes()) == ["PutBucketPolicy", "PutPublicAccessBlock"]


def test_kms_encryption_when_a_key_is_given(moto):  # noqa: F811
    import dataclasses

    key = moto.clients("kms").create_key()["KeyMetadata"]["Arn"]
    config = dataclasses.replace(moto.config, kms_key_arn=key)
    s3 = moto.clients("s3")
    ensure_bucket(s3, moto.config, moto.arns)
    moto.reset()
    assert ensure_bucket(s3, config, moto.arns).action == "updated"
    rule = s3.get_bucket_encryption(Bucket=config.bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}
