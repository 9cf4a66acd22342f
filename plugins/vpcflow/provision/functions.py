"""Lambda functions, their resource-based permissions, and the S3 -> Lambda notification."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from vpcflow.provision.common import (
    Result,
    delete_if_present,
    get_or_none,
    log,
    retry_propagation,
)
from vpcflow.provision.packaging import code_sha256

_WAIT = {"Delay": 1, "MaxAttempts": 300}
S3_NOTIFICATION_ID = "vpcflow-athena-partitioner"


def ensure_lambda_function(
    client: Any,
    name: str,
    role_arn: str,
    zip_bytes: bytes,
    handler: str,
    runtime: str,
    env: Mapping[str, str] | None = None,
    timeout: int = 60,
    memory: int = 256,
) -> Result:
    """The function with this code and configuration.

    Code is uploaded only when CodeSha256 differs, configuration only when a field differs; each update
    waits for LastUpdateStatus Successful, because Lambda rejects an update while another is in progress.
    """
    env = dict(env or {})
    want = {
        "Role": role_arn,
        "Handler": handler,
        "Runtime": runtime,
        "Timeout": timeout,
        "MemorySize": memory,
    }
    current = get_or_none(lambda: client.get_function(FunctionName=name)["Configuration"])
    if current is None:
        created = retry_propagation(
            lambda: client.create_function(
                FunctionName=name,
                Code={"ZipFile": zip_bytes},
                Environment={"Variables": env},
                Publish=False,
                PackageType="Zip",
                **want,
            )
        )
        client.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig=_WAIT)
        log.info("created function %s", name)
        return Result("created", created["FunctionArn"])

    if current.get("State") == "Pending" or current.get("LastUpdateStatus") == "InProgress":
        _wait_updated(client, name)
    updated = False
    if current.get("CodeSha256") != code_sha256(zip_bytes):
        client.update_function_code(FunctionName=name, ZipFile=zip_bytes, Publish=False)
        _wait_updated(client, name)
        updated = True
    current_env = (current.get("Environment") or {}).get("Variables") or {}
    if any(current.get(k) != v for k, v in want.items()) or current_env != env:
        retry_propagation(
            lambda: client.update_function_configuration(
                FunctionName=name, Environment={"Variables": env}, **want
            )
        )
        _wait_updated(client, name)
        updated = True
    return Result("updated" if updated else "unchanged", current["FunctionArn"])


def _wait_updated(client: Any, name: str) -> None:
    client.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig=_WAIT)


def delete_lambda_function(client: Any, name: str) -> Result:
    return delete_if_present(lambda: client.delete_function(FunctionName=name), name)


# -- permissions ----------------------------------------------------------------------------------------


def _statements(client: Any, function: str) -> list[dict[str, Any]]:
    policy = get_or_none(lambda: client.get_policy(FunctionName=function)["Policy"])
    return [] if policy is None else json.loads(policy).get("Statement", [])


def _statement_matches(
    statement: dict[str, Any], principal: str, source_arn: str, source_account: str
) -> bool:
    granted = statement.get("Principal")
    granted = granted.get("Service") if isinstance(granted, dict) else granted
    condition = statement.get("Condition", {})
    arn = condition.get("ArnLike", {}).get("AWS:SourceArn") or condition.get("ArnEquals", {}).get(
        "AWS:SourceArn"
    )
    account = condition.get("StringEquals", {}).get("AWS:SourceAccount")
    return (
        granted == principal
        and arn == source_arn
        and account == source_account
        and statement.get("Action") in ("lambda:InvokeFunction", ["lambda:InvokeFunction"])
    )


def ensure_lambda_permission(
    client: Any, function: str, statement_id: str, principal: str, source_arn: str, source_account: str
) -> Result:
    """Allow ``principal`` (a service) to invoke ``function`` for ``source_arn`` of ``source_account`` only."""
    current = next((s for s in _statements(client, function) if s.get("Sid") == statement_id), None)
    if current is not None and _statement_matches(current, principal, source_arn, source_account):
        return Result("unchanged", statement_id)
    if current is not None:
        client.remove_permission(FunctionName=function, StatementId=statement_id)
    client.add_permission(
        FunctionName=function,
        StatementId=statement_id,
        Action="lambda:InvokeFunction",
        Principal=principal,
        SourceArn=source_arn,
        SourceAccount=source_account,
    )
    return Result("updated" if current else "created", statement_id)


# -- S3 notification ------------------------------------------------------------------------------------


def notification_config(function_arn: str, prefix: str) -> dict[str, Any]:
    return {
        "Id": S3_NOTIFICATION_ID,
        "LambdaFunctionArn": function_arn,
        "Events": ["s3:ObjectCreated:*"],
        "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": prefix}]}},
    }


def _current_notifications(s3: Any, bucket: str) -> dict[str, Any]:
    current = s3.get_bucket_notification_configuration(Bucket=bucket)
    current.pop("ResponseMetadata", None)
    return current


def _matches(current: dict[str, Any] | None, want: dict[str, Any]) -> bool:
    if current is None:
        return False
    rules = current.get("Filter", {}).get("Key", {}).get("FilterRules", [])
    rules = sorted((r["Name"].lower(), r["Value"]) for r in rules)
    return (
        current.get("LambdaFunctionArn") == want["LambdaFunctionArn"]
        and sorted(current.get("Events", [])) == want["Events"]
        and rules == [("prefix", want["Filter"]["Key"]["FilterRules"][0]["Value"])]
    )


def ensure_s3_notification(s3: Any, bucket: str, function_arn: str, prefix: str) -> Result:
    """ObjectCreated events under ``prefix`` invoke the function; other notifications are kept."""
    want = notification_config(function_arn, prefix)
    current = _current_notifications(s3, bucket)
    lambdas = current.get("LambdaFunctionConfigurations", [])
    ours = next((c for c in lambdas if c.get("Id") == S3_NOTIFICATION_ID), None)
    if _matches(ours, want):
        return Result("unchanged", S3_NOTIFICATION_ID)
    current["LambdaFunctionConfigurations"] = [c for c in lambdas if c.get("Id") != S3_NOTIFICATION_ID] + [
        want
    ]
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=current)
    return Result("updated" if ours else "created", S3_NOTIFICATION_ID)


def delete_s3_notification(s3: Any, bucket: str) -> Result:
    current = get_or_none(lambda: _current_notifications(s3, bucket))
    if current is None:
        return Result("absent", S3_NOTIFICATION_ID)
    lambdas = current.get("LambdaFunctionConfigurations", [])
    if not any(c.get("Id") == S3_NOTIFICATION_ID for c in lambdas):
        return Result("absent", S3_NOTIFICATION_ID)
    current["LambdaFunctionConfigurations"] = [c for c in lambdas if c.get("Id") != S3_NOTIFICATION_ID]
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=current)
    return Result("deleted", S3_NOTIFICATION_ID)
