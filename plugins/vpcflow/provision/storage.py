"""The S3 bucket: encryption, public access block, TLS-only bucket policy, lifecycle rules."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from vpcflow.model.config import StackConfig
from vpcflow.provision.common import Result, error_code, get_or_none, is_missing, log, same_policy
from vpcflow.provision.iam_policies import StackArns, bucket_policy

PUBLIC_ACCESS_BLOCK = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


def ensure_bucket(s3: Any, config: StackConfig, arns: StackArns) -> Result:
    """The bucket and every setting below; "updated" if any setting had to be written."""
    created = _ensure_exists(s3, config.bucket, s3.meta.region_name)
    changed = [
        ensure_bucket_encryption(s3, config).action,
        ensure_public_access_block(s3, config).action,
        ensure_bucket_policy(s3, config, arns).action,
        ensure_lifecycle(s3, config).action,
    ]
    action = "created" if created else ("updated" if any(a != "unchanged" for a in changed) else "unchanged")
    return Result(action, arns.bucket)


def _ensure_exists(s3: Any, bucket: str, region: str) -> bool:
    try:
        s3.head_bucket(Bucket=bucket)
        return False
    except ClientError as exc:
        if error_code(exc) in ("403", "Forbidden"):
            raise PermissionError(
                f"bucket {bucket!r} exists but is not accessible to this account "
                "(S3 bucket names are global: choose another 'bucket')"
            ) from exc
        if not is_missing(exc):
            raise
    kwargs: dict[str, Any] = {"Bucket": bucket}
    if region != "us-east-1":  # us-east-1 rejects an explicit LocationConstraint
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3.create_bucket(**kwargs)
    s3.get_waiter("bucket_exists").wait(Bucket=bucket, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    log.info("created bucket %s", bucket)
    return True


def encryption_rule(config: StackConfig) -> dict[str, Any]:
    if config.kms_key_arn:
        return {
            "ApplyServerSideEncryptionByDefault": {
                "SSEAlgorithm": "aws:kms",
                "KMSMasterKeyID": config.kms_key_arn,
            },
            "BucketKeyEnabled": True,
        }
    return {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": False}


def ensure_bucket_encryption(s3: Any, config: StackConfig) -> Result:
    want = encryption_rule(config)
    rules = get_or_none(
        lambda: s3.get_bucket_encryption(Bucket=config.bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    )
    current = rules[0].get("ApplyServerSideEncryptionByDefault") if rules else None
    if current == want["ApplyServerSideEncryptionByDefault"]:
        return Result("unchanged", config.bucket)
    s3.put_bucket_encryption(Bucket=config.bucket, ServerSideEncryptionConfiguration={"Rules": [want]})
    return Result("updated", config.bucket)


def ensure_public_access_block(s3: Any, config: StackConfig) -> Result:
    current = (
        get_or_none(
            lambda: s3.get_public_access_block(Bucket=config.bucket)["PublicAccessBlockConfiguration"]
        )
        or {}
    )
    if all(current.get(k) is True for k in PUBLIC_ACCESS_BLOCK):
        return Result("unchanged", config.bucket)
    s3.put_public_access_block(Bucket=config.bucket, PublicAccessBlockConfiguration=PUBLIC_ACCESS_BLOCK)
    return Result("updated", config.bucket)


def ensure_bucket_policy(s3: Any, config: StackConfig, arns: StackArns) -> Result:
    """Our statements (by Sid) replace their previous versions; statements others added are kept."""
    ours = bucket_policy(arns)
    policy = get_or_none(lambda: s3.get_bucket_policy(Bucket=config.bucket)["Policy"])
    current = {"Version": ours["Version"], "Statement": []} if policy is None else json.loads(policy)
    sids = {s["Sid"] for s in ours["Statement"]}
    statements = current.get("Statement", [])
    statements = [statements] if isinstance(statements, dict) else statements
    want = {
        "Version": ours["Version"],
        "Statement": [s for s in statements if s.get("Sid") not in sids] + ours["Statement"],
    }
    if same_policy(current, want):
        return Result("unchanged", config.bucket)
    s3.put_bucket_policy(Bucket=config.bucket, Policy=json.dumps(want))
    return Result("updated", config.bucket)


def lifecycle_rules(config: StackConfig) -> list[dict[str, Any]]:
    def expire(rule_id: str, prefix: str, days: int) -> dict[str, Any]:
        return {
            "ID": rule_id,
            "Filter": {"Prefix": prefix},
            "Status": "Enabled",
            "Expiration": {"Days": days},
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
        }

    return [
        expire("vpcflow-expire-raw", config.raw_prefix, config.raw_expire_days),
        expire(
            "vpcflow-expire-athena-results", config.athena_results_prefix, config.athena_results_expire_days
        ),
    ]


def ensure_lifecycle(s3: Any, config: StackConfig) -> Result:
    """Our rules (by ID) are set; rules with other IDs are kept."""
    want = lifecycle_rules(config)
    current = get_or_none(lambda: s3.get_bucket_lifecycle_configuration(Bucket=config.bucket)["Rules"]) or []
    by_id = {r.get("ID"): r for r in current}
    if all(_rule_matches(by_id.get(r["ID"]), r) for r in want):
        return Result("unchanged", config.bucket)
    ids = {r["ID"] for r in want}
    rules = [r for r in current if r.get("ID") not in ids] + want
    s3.put_bucket_lifecycle_configuration(Bucket=config.bucket, LifecycleConfiguration={"Rules": rules})
    return Result("updated", config.bucket)


def _rule_matches(current: dict[str, Any] | None, want: dict[str, Any]) -> bool:
    if current is None:
        return False
    prefix = current.get("Filter", {}).get("Prefix", current.get("Prefix"))
    return (
        prefix == want["Filter"]["Prefix"]
        and current.get("Status") == want["Status"]
        and current.get("Expiration", {}).get("Days") == want["Expiration"]["Days"]
        and current.get("AbortIncompleteMultipartUpload") == want["AbortIncompleteMultipartUpload"]
    )
