"""localaws core: start-up time, Firehose throughput and Lambda invocation rate.

    .venv/bin/python benchmarks/run.py localaws

Everything goes through the same clients as the product (boto3 over HTTP on 127.0.0.1), on this
machine as it is (other work may share its cores: rerun before comparing figures).
"""

from __future__ import annotations

import io
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import boto3
import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from localaws.server import LocalAWS  # noqa: E402

REGION = "us-east-1"
ROLE_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}


def client(aws: LocalAWS, service: str):
    return boto3.client(
        service,
        endpoint_url=aws.endpoint,
        region_name=REGION,
        aws_access_key_id="x",
        aws_secret_access_key="x",
    )


def wait_health(endpoint: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{endpoint}/_localaws/health", timeout=1).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"localaws at {endpoint} did not answer health within {timeout} s")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- start-up ------------------------------------------------------------------------------------------------
def startup_in_process(runs: int = 5) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        aws = LocalAWS(port=0).start()
        wait_health(aws.endpoint)
        times.append(time.perf_counter() - started)
        aws.stop()
    return times


def startup_subprocess(runs: int = 3) -> tuple[list[float], list[float]]:
    starts, stops = [], []
    for _ in range(runs):
        port = free_port()
        with tempfile.TemporaryDirectory() as state:
            started = time.perf_counter()
            proc = subprocess.Popen(
                [sys.executable, "-m", "localaws", "--port", str(port), "--state-dir", state],
                cwd=REPO,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                wait_health(f"http://127.0.0.1:{port}")
                starts.append(time.perf_counter() - started)
                stopping = time.perf_counter()
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=30)
                stops.append(time.perf_counter() - stopping)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
    return starts, stops


# --- Firehose ------------------------------------------------------------------------------------------------
def flow_lines(n: int) -> list[bytes]:
    rng = random.Random(1)
    return [
        (
            f"2 123456789012 eni-{rng.randrange(16**8):08x} 10.0.{rng.randrange(256)}.{rng.randrange(256)} "
            f"172.31.{rng.randrange(256)}.{rng.randrange(256)} {rng.randrange(65536)} 443 6 {rng.randrange(1, 90)} "
            f"{rng.randrange(40, 90000)} 1764170000 1764170060 {rng.choice(['ACCEPT', 'REJECT'])} OK\n"
        ).encode()
        for _ in range(n)
    ]


def firehose_figures(aws: LocalAWS, seconds: float = 3.0) -> dict[str, float]:
    s3, firehose = client(aws, "s3"), client(aws, "firehose")
    s3.create_bucket(Bucket="bench-firehose")
    for name, size_mb in (("bench-records", 5), ("bench-objects", 1)):
        firehose.create_delivery_stream(
            DeliveryStreamName=name,
            ExtendedS3DestinationConfiguration={
                "RoleARN": "arn:aws:iam::123456789012:role/firehose",
                "BucketARN": "arn:aws:s3:::bench-firehose",
                "Prefix": f"{name}/",
                "CompressionFormat": "GZIP",
                "BufferingHints": {"SizeInMBs": size_mb, "IntervalInSeconds": 900},
            },
        )
    # Records/s: batches of 500 flow log lines (~130 B each), the call the cloudwatch_to_firehose Lambda makes.
    batch = [{"Data": line} for line in flow_lines(500)]
    calls, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        firehose.put_record_batch(DeliveryStreamName="bench-records", Records=batch)
        calls += 1
    records_elapsed = time.perf_counter() - started
    # Objects/s: every call fills the 1 MiB buffer (8 records of 128 KiB of flow lines), so each call
    # gzips and writes one object: the delivery path, end to end.
    chunk = b"".join(flow_lines(1100))[: 128 * 1024]
    big = [{"Data": chunk}] * 8
    before = aws.services["firehose"].objects_delivered
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        firehose.put_record_batch(DeliveryStreamName="bench-objects", Records=big)
    objects_elapsed = time.perf_counter() - started
    objects = aws.services["firehose"].objects_delivered - before
    return {
        "records_per_s": calls * len(batch) / records_elapsed,
        "mb_per_s": calls * sum(len(r["Data"]) for r in batch) / records_elapsed / 2**20,
        "objects_per_s": objects / objects_elapsed,
    }


# --- Lambda --------------------------------------------------------------------------------------------------
HANDLERS = {
    "echo.py": "def handler(event, context):\n    return event\n",
    "with_boto3.py": "import boto3\ns3 = boto3.client('s3')\n\ndef handler(event, context):\n    return event\n",
}


def lambda_figures(aws: LocalAWS, seconds: float = 3.0, cold_runs: int = 5) -> dict[str, float]:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, source in HANDLERS.items():
            archive.writestr(name, source)
    role = client(aws, "iam").create_role(RoleName="bench", AssumeRolePolicyDocument=json.dumps(ROLE_TRUST))
    lam = client(aws, "lambda")
    for module in ("echo", "with_boto3"):
        lam.create_function(
            FunctionName=f"bench-{module}",
            Runtime="python3.12",
            Role=role["Role"]["Arn"],
            Handler=f"{module}.handler",
            Code={"ZipFile": buffer.getvalue()},
            Timeout=30,
        )
    pool = aws.services["lambda"].pool
    figures: dict[str, float] = {}
    for module in ("echo", "with_boto3"):
        pool.warm = False
        cold = []
        for _ in range(cold_runs):
            started = time.perf_counter()
            lam.invoke(FunctionName=f"bench-{module}", Payload=b'{"n": 1}')["Payload"].read()
            cold.append(time.perf_counter() - started)
        figures[f"{module}_cold_ms"] = statistics.median(cold) * 1000
        pool.warm = True
        lam.invoke(FunctionName=f"bench-{module}", Payload=b'{"n": 1}')["Payload"].read()  # warms one sandbox
        calls, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            lam.invoke(FunctionName=f"bench-{module}", Payload=b'{"n": 1}')["Payload"].read()
            calls += 1
        elapsed = time.perf_counter() - started
        figures[f"{module}_warm_per_s"] = calls / elapsed
        figures[f"{module}_warm_ms"] = elapsed / calls * 1000
    return figures


def main() -> None:
    print("## localaws core")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    print()
    import_started = time.perf_counter()
    import moto.moto_server.werkzeug_app  # noqa: F401  (the first LocalAWS pays for moto's imports)

    imports = time.perf_counter() - import_started
    in_process = startup_in_process()
    starts, stops = startup_subprocess()
    print(f"{'start-up':44}{'median':>10}{'best':>10}")
    print(f"{'moto server imports (once per process)':44}{imports:>9.2f}s")
    print(
        f"{'LocalAWS(port=0).start() until health':44}{statistics.median(in_process):>9.3f}s{min(in_process):>9.3f}s"
    )
    print(f"{'python -m localaws until health':44}{statistics.median(starts):>9.2f}s{min(starts):>9.2f}s")
    print(f"{'python -m localaws SIGTERM until exit':44}{statistics.median(stops):>9.2f}s{min(stops):>9.2f}s")
    print()
    with LocalAWS(port=0) as aws:
        fh = firehose_figures(aws)
        lam = lambda_figures(aws)
    print(f"{'Firehose (boto3 over HTTP, GZIP streams)':44}{'figure':>16}")
    print(f"{'PutRecordBatch x500 flow lines: records/s':44}{fh['records_per_s']:>16,.0f}")
    print(f"{'  same, MiB/s of record data':44}{fh['mb_per_s']:>16.1f}")
    print(f"{'1 MiB buffers gzipped + written: objects/s':44}{fh['objects_per_s']:>16.1f}")
    print()
    print(f"{'Lambda Invoke (RequestResponse, boto3)':44}{'cold ms':>10}{'warm ms':>10}{'warm/s':>10}")
    for module, label in (
        ("echo", "handler without imports"),
        ("with_boto3", "handler importing boto3 + client"),
    ):
        print(
            f"{label:44}{lam[f'{module}_cold_ms']:>10.0f}{lam[f'{module}_warm_ms']:>10.1f}"
            f"{lam[f'{module}_warm_per_s']:>10.0f}"
        )
    print("(cold = a new sandbox process per invoke, LOCALAWS_LAMBDA_WARM=0; warm = the default pool)")


if __name__ == "__main__":
    main()
