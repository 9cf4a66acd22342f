"""The real-time path on localaws, built for fault tests: a GZIP Firehose stream into a bucket, the
cloudwatch_to_firehose zip deployed and subscribed to a log group, and the counting that proves what
arrived. Lines are unique (each carries its own start time), so a Counter of delivered lines shows both
losses and duplicates."""

from __future__ import annotations

import gzip
import importlib.util
import json
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import requests
from vpcflow.provision import packaging

LAMBDAS = Path(__file__).resolve().parents[2] / "lambdas"
LOG_STREAM = "eni-0a1b2c3d4e5f67890-all"
ROLE_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)
# CloudWatch Logs PutLogEvents limits: 10,000 events and 1,048,576 bytes, counting 26 bytes per event.
MAX_PUT_EVENTS = 10_000
MAX_PUT_BYTES = 1_048_576
EVENT_OVERHEAD = 26


def lambda_module(function: str, module: str) -> ModuleType:
    """A module of a Lambda's folder (e.g. its ``packing``), loaded under a private name."""
    name = f"_faults_{function}_{module}"
    spec = importlib.util.spec_from_file_location(name, LAMBDAS / function / f"{module}.py")
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


def deploy(aws_client, name: str, function: str, env: dict[str, str], timeout: int = 60) -> str:
    """CreateFunction with the deterministic zip of ``function``; returns the function ARN."""
    role = aws_client("iam").create_role(RoleName=f"role-{name}", AssumeRolePolicyDocument=ROLE_POLICY)
    created = aws_client("lambda").create_function(
        FunctionName=name,
        Runtime=packaging.function(function).runtime,
        Role=role["Role"]["Arn"],
        Handler=packaging.function(function).handler,
        Code={"ZipFile": packaging.build_lambda_zip(function)},
        Timeout=timeout,
        Environment={"Variables": env},
    )
    return created["FunctionArn"]


@dataclass(frozen=True)
class Stack:
    bucket: str
    stream: str
    group: str
    function: str
    arn: str


def forwarding_stack(
    aws_client,
    unique: str,
    env: dict[str, str] | None = None,
    buffer_mb: int = 5,
    event_invoke_config: dict | None = None,
) -> Stack:
    """Bucket, GZIP stream (prefix raw/), forwarder deployed with ``env`` added, log group subscribed."""
    bucket, stream, group, function = (
        f"faults-{unique}",
        f"fh-{unique}",
        f"/vpc/faults-{unique}",
        f"cw-{unique}",
    )
    aws_client("s3").create_bucket(Bucket=bucket)
    aws_client("firehose").create_delivery_stream(
        DeliveryStreamName=stream,
        ExtendedS3DestinationConfiguration={
            "RoleARN": "arn:aws:iam::123456789012:role/firehose",
            "BucketARN": f"arn:aws:s3:::{bucket}",
            "Prefix": "raw/",
            "ErrorOutputPrefix": "errors/!{firehose:error-output-type}/",
            "CompressionFormat": "GZIP",
            "BufferingHints": {"SizeInMBs": buffer_mb, "IntervalInSeconds": 900},
        },
    )
    arn = deploy(
        aws_client, function, "cloudwatch_to_firehose", {"DELIVERY_STREAM_NAME": stream, **(env or {})}
    )
    if event_invoke_config is not None:
        aws_client("lambda").put_function_event_invoke_config(FunctionName=function, **event_invoke_config)
    logs = aws_client("logs")
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName=LOG_STREAM)
    logs.put_subscription_filter(
        logGroupName=group, filterName="to-lambda", filterPattern="", destinationArn=arn
    )
    return Stack(bucket, stream, group, function, arn)


def put_batches(lines: list[str], max_events: int = MAX_PUT_EVENTS, max_bytes: int = MAX_PUT_BYTES):
    """``lines`` cut into PutLogEvents calls as large as CloudWatch Logs allows."""
    batch: list[str] = []
    size = 0
    for line in lines:
        cost = len(line.encode()) + EVENT_OVERHEAD
        if batch and (len(batch) == max_events or size + cost > max_bytes):
            yield batch
            batch, size = [], 0
        batch.append(line)
        size += cost
    if batch:
        yield batch


def put_lines(logs, group: str, lines: list[str], max_events: int = MAX_PUT_EVENTS) -> int:
    """PutLogEvents of ``lines`` in calls of at most ``max_events``; returns the number of calls."""
    calls = 0
    for batch in put_batches(lines, max_events):
        now = int(time.time() * 1000)
        logs.put_log_events(
            logGroupName=group,
            logStreamName=LOG_STREAM,
            logEvents=[{"timestamp": now, "message": message} for message in batch],
        )
        calls += 1
    return calls


def wait_for_lambdas(endpoint: str, timeout: float = 120) -> None:
    answer = requests.post(
        f"{endpoint}/_localaws/lambda/wait", params={"timeout": str(timeout)}, timeout=timeout + 10
    )
    answer.raise_for_status()
    assert answer.json()["idle"], f"async Lambda invocations still running after {timeout} s"


def outcomes(endpoint: str, function: str) -> list[dict]:
    """The async invocations of ``function`` that finished (attempts, status, final payload)."""
    answer = requests.get(f"{endpoint}/_localaws/lambda/invocations", timeout=10).json()
    return [o for o in answer if o["function"] == function]


def flush(endpoint: str, stream: str) -> list[dict]:
    answer = requests.post(f"{endpoint}/_localaws/firehose/flush", params={"stream": stream}, timeout=60)
    answer.raise_for_status()
    return answer.json()["flushed"]


def set_fault(endpoint: str, stream: str, **spec) -> None:
    requests.post(
        f"{endpoint}/_localaws/firehose/faults", json={"stream": stream, **spec}, timeout=10
    ).raise_for_status()


def clear_fault(endpoint: str, stream: str) -> None:
    requests.delete(
        f"{endpoint}/_localaws/firehose/faults", params={"stream": stream}, timeout=10
    ).raise_for_status()


def object_keys(s3, bucket: str, prefix: str = "") -> list[str]:
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys += [obj["Key"] for obj in page.get("Contents", [])]
    return keys


def delivered_lines(s3, bucket: str, prefix: str = "raw/") -> Counter:
    """Every line of every gzip object under ``prefix``, counted."""
    counts: Counter = Counter()
    for key in object_keys(s3, bucket, prefix):
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        assert body[:2] == b"\x1f\x8b", f"s3://{bucket}/{key} is not gzip"
        text = gzip.decompress(body).decode()
        assert text.endswith("\n"), f"s3://{bucket}/{key} ends inside a line"
        counts.update(text.splitlines())
    return counts


@dataclass(frozen=True)
class Tally:
    generated: int
    delivered: int  # distinct generated lines found
    lost: int
    duplicates: int  # extra copies
    foreign: int  # lines found that were never generated

    @classmethod
    def of(cls, generated: list[str], found: Counter) -> Tally:
        wanted = Counter(generated)
        assert max(wanted.values(), default=1) == 1, "generated lines must be unique to count duplicates"
        delivered = sum(1 for line in wanted if found[line])
        extra = sum(count - 1 for line, count in found.items() if line in wanted and count > 1)
        foreign = sum(count for line, count in found.items() if line not in wanted)
        return cls(len(wanted), delivered, len(wanted) - delivered, extra, foreign)
