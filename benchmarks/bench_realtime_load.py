"""The real-time path under a burst: 1 million VPC flow log events through localaws.

    .venv/bin/python benchmarks/bench_realtime_load.py [EVENTS]     # default 1,000,000
    .venv/bin/python benchmarks/run.py realtime_load

PutLogEvents in the largest calls CloudWatch Logs accepts (10,000 events or 1,048,576 bytes counting 26
bytes per event) -> subscription filter -> cloudwatch_to_firehose (the deployed zip, run by localaws's
Lambda runtime) -> Firehose (localaws: buffering, GZIP) -> S3. Then every object is read back and every
line is checked: each line carries its sequence number, so the check is exact (lost, duplicated or
altered lines) without holding a million strings.

Throughput is wall time on this machine, end to end (first put to last line in S3), and for the put phase
alone; localaws, the Lambda sandboxes and this client share its cores. Memory is the kernel's peak resident set
size from the first put until Firehose is flushed: of this process (localaws runs in it, with moto's
in-memory S3 holding every delivered object, beside the writer; getrusage) and of each Lambda sandbox (a
child process running the forwarder, as a Lambda execution environment would; VmHWM, read every 0.1 s while
it lives). tests/faults/test_realtime_load.py runs the same code with 20,000
events and asserts the verification.
"""

from __future__ import annotations

import gzip
import json
import os
import resource
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

import boto3
import requests

REPO = Path(__file__).resolve().parents[1]
for path in (REPO, REPO / "plugins"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from vpcflow.provision import packaging  # noqa: E402

REGION = "us-east-1"
ACCOUNT = "123456789012"
MAX_PUT_EVENTS = 10_000
MAX_PUT_BYTES = 1_048_576
EVENT_OVERHEAD = 26
BASE_TIME = 1_764_165_600  # 2025-11-26T14:00:00Z; a line's start time is BASE_TIME + its sequence number
ROLE_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)
_PORTS = (22, 80, 443, 3306, 5432, 8080, 53)


def flow_line(seq: int) -> str:
    """A default-format (v2) flow log record, deterministic in ``seq``; its start time encodes ``seq``."""
    start = BASE_TIME + seq
    return (
        f"2 {ACCOUNT} eni-0a1b2c3d4e5f6{seq % 7:04d} 10.0.{seq % 251}.{seq % 239} "
        f"172.31.{seq % 241}.{seq % 233} {1024 + seq % 64_000} {_PORTS[seq % 7]} {6 if seq % 5 else 17} "
        f"{1 + seq % 499} {40 + seq % 900_000} {start} {start + 60} {'REJECT' if seq % 9 == 0 else 'ACCEPT'} OK"
    )


def seq_of(line: str) -> int:
    return int(line.split(" ", 11)[10]) - BASE_TIME


MIB = 1024 * 1024


@dataclass
class PeakMemory:
    """Peak RSS of this process (getrusage) and of each child process, the Lambda sandboxes (their VmHWM, a
    high-water mark the kernel keeps, read every ``interval`` while they live)."""

    interval: float = 0.1
    process_mb: float = 0.0
    sandbox_mb: float = 0.0  # the largest peak one sandbox reached
    sandboxes: set[int] = field(default_factory=set)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> PeakMemory:
        self._thread = threading.Thread(target=self._run, name="bench-memory", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join()
        self.process_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux

    def _run(self) -> None:
        import psutil

        me = psutil.Process(os.getpid())
        while True:
            for child in me.children(recursive=True):
                self.sandboxes.add(child.pid)
                self.sandbox_mb = max(self.sandbox_mb, _high_water_mb(child.pid))
            if self._stop.wait(self.interval):
                return


def _high_water_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:  # the sandbox ended between listing and reading
        pass
    return 0.0


@dataclass
class LoadResult:
    events: int
    put_calls: int
    put_seconds: float
    total_seconds: float
    invocations: int
    lambda_attempts: int
    objects: int
    gzip_bytes: int
    delivered: int
    lost: int
    duplicates: int
    altered: int
    peak_process_mb: float = 0.0  # localaws (in this process) + the writer, until the flush
    peak_sandbox_mb: float = 0.0  # the largest forwarder sandbox
    sandboxes: int = 0

    @property
    def events_per_second(self) -> float:
        return self.events / self.total_seconds

    @property
    def put_events_per_second(self) -> float:
        return self.events / self.put_seconds


def put_calls(events: int):
    """Sequence ranges [start, end) for PutLogEvents calls as large as CloudWatch Logs allows."""
    start, size = 0, 0
    for seq in range(events):
        cost = len(flow_line(seq)) + 1 + EVENT_OVERHEAD  # ASCII: characters are bytes
        if seq > start and (seq - start == MAX_PUT_EVENTS or size + cost > MAX_PUT_BYTES):
            yield start, seq
            start, size = seq, 0
        size += cost
    if events > start:
        yield start, events


def run_load(endpoint: str, events: int, name: str | None = None, buffer_mb: int = 5) -> LoadResult:
    """Build a stack on the localaws at ``endpoint``, push ``events`` through it, verify every line."""
    name = name or f"load-{uuid.uuid4().hex[:8]}"
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
    client = lambda service: session.client(service, endpoint_url=endpoint)  # noqa: E731
    s3, logs = client("s3"), client("logs")
    bucket, stream, group, log_stream = name, f"{name}-fh", f"/vpc/{name}", "eni-0a1b2c3d4e5f60000-all"
    s3.create_bucket(Bucket=bucket)
    client("firehose").create_delivery_stream(
        DeliveryStreamName=stream,
        ExtendedS3DestinationConfiguration={
            "RoleARN": f"arn:aws:iam::{ACCOUNT}:role/firehose",
            "BucketARN": f"arn:aws:s3:::{bucket}",
            "Prefix": "raw/",
            "CompressionFormat": "GZIP",
            "BufferingHints": {"SizeInMBs": buffer_mb, "IntervalInSeconds": 900},
        },
    )
    role = client("iam").create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument=ROLE_POLICY)
    spec = packaging.function("cloudwatch_to_firehose")
    function = client("lambda").create_function(
        FunctionName=f"{name}-cw2fh",
        Runtime=spec.runtime,
        Role=role["Role"]["Arn"],
        Handler=spec.handler,
        Code={"ZipFile": packaging.build_lambda_zip("cloudwatch_to_firehose")},
        Timeout=60,
        MemorySize=256,
        Environment={"Variables": {"DELIVERY_STREAM_NAME": stream}},
    )
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName=log_stream)
    logs.put_subscription_filter(
        logGroupName=group, filterName="to-lambda", filterPattern="", destinationArn=function["FunctionArn"]
    )

    started = time.perf_counter()
    calls = 0
    with PeakMemory() as memory:
        for start, end in put_calls(events):
            now = int(time.time() * 1000)
            logs.put_log_events(
                logGroupName=group,
                logStreamName=log_stream,
                logEvents=[{"timestamp": now, "message": flow_line(seq)} for seq in range(start, end)],
            )
            calls += 1
        put_seconds = time.perf_counter() - started
        wait = requests.post(f"{endpoint}/_localaws/lambda/wait", params={"timeout": "1200"}, timeout=1300)
        assert wait.json()["idle"], "Lambda invocations still running after 20 minutes"
        requests.post(
            f"{endpoint}/_localaws/firehose/flush", params={"stream": stream}, timeout=600
        ).raise_for_status()
        total_seconds = time.perf_counter() - started

    outcomes = [
        o
        for o in requests.get(f"{endpoint}/_localaws/lambda/invocations", timeout=30).json()
        if o["function"] == f"{name}-cw2fh"
    ]
    counts = bytearray(events)
    objects = gzip_bytes = altered = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="raw/"):
        for obj in page.get("Contents", []):
            body = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
            objects += 1
            gzip_bytes += len(body)
            for line in gzip.decompress(body).decode().splitlines():
                seq = seq_of(line)
                if not 0 <= seq < events or line != flow_line(seq):
                    altered += 1
                    continue
                counts[seq] = min(counts[seq] + 1, 255)
    delivered = events - counts.count(0)
    return LoadResult(
        events=events,
        put_calls=calls,
        put_seconds=put_seconds,
        total_seconds=total_seconds,
        invocations=len(outcomes),
        lambda_attempts=sum(o["attempts"] for o in outcomes),
        objects=objects,
        gzip_bytes=gzip_bytes,
        delivered=delivered,
        lost=events - delivered,
        duplicates=sum(c - 1 for c in counts if c > 1),
        altered=altered,
        peak_process_mb=round(memory.process_mb, 1),
        peak_sandbox_mb=round(memory.sandbox_mb, 1),
        sandboxes=len(memory.sandboxes),
    )


def main(events: int | None = None) -> None:
    events = events or (int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 1_000_000)
    from localaws.server import LocalAWS

    with (
        tempfile.TemporaryDirectory(prefix="bench-realtime-") as state,
        LocalAWS(port=0, state_dir=state) as aws,
    ):
        result = run_load(aws.endpoint, events)
    checked_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # the read-back check included
    print(json.dumps({**asdict(result), "events_per_second": round(result.events_per_second),
                      "put_events_per_second": round(result.put_events_per_second),
                      "peak_process_with_check_mb": round(checked_mb, 1)}, indent=1))  # fmt: skip
    print(
        f"{result.events:,} events in {result.put_calls} PutLogEvents calls -> {result.invocations} invocations "
        f"({result.lambda_attempts} attempts) -> {result.objects} gzip objects ({result.gzip_bytes / 1e6:.1f} MB)\n"
        f"end to end {result.total_seconds:.1f} s = {result.events_per_second:,.0f} events/s "
        f"(put phase {result.put_seconds:.1f} s = {result.put_events_per_second:,.0f} events/s)\n"
        f"verified: delivered {result.delivered:,}, lost {result.lost}, duplicates {result.duplicates}, "
        f"altered {result.altered}\n"
        f"peak RSS until the flush: this process (localaws + writer) {result.peak_process_mb:,.0f} MiB, "
        f"the largest of {result.sandboxes} forwarder sandbox(es) {result.peak_sandbox_mb:,.0f} MiB; "
        f"with the read-back check {checked_mb:,.0f} MiB"
    )
    if result.lost or result.altered:
        raise SystemExit("lines were lost or altered")


if __name__ == "__main__":
    main()
