"""localaws Firehose through boto3: buffering, compression, key layout, flushing, limits and faults."""

from __future__ import annotations

import gzip
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime

import boto3
import botocore.config
import pytest
import requests
from botocore.exceptions import ClientError
from localaws.server import LocalAWS

ROLE = "arn:aws:iam::123456789012:role/firehose"
KEY = re.compile(
    r"^(?P<prefix>.*?)(?P<y>\d{4})/(?P<m>\d{2})/(?P<d>\d{2})/(?P<h>\d{2})/(?P<stream>.+)-(?P<version>\d+)-"
    r"(?P<ts>\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2})-(?P<uuid>[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12})"
    r"(?P<suffix>(\.gz)?)$"
)


def make_stream(
    client, bucket: str, name: str, compression: str = "GZIP", size_mb: int = 5, interval: int = 900
):
    client("s3").create_bucket(Bucket=bucket)
    client("firehose").create_delivery_stream(
        DeliveryStreamName=name,
        DeliveryStreamType="DirectPut",
        ExtendedS3DestinationConfiguration={
            "RoleARN": ROLE,
            "BucketARN": f"arn:aws:s3:::{bucket}",
            "Prefix": "raw/",
            "CompressionFormat": compression,
            "BufferingHints": {"SizeInMBs": size_mb, "IntervalInSeconds": interval},
        },
    )


def objects(s3, bucket: str) -> list[tuple[str, bytes]]:
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []))
    return [(key, s3.get_object(Bucket=bucket, Key=key)["Body"].read()) for key in keys]


def flush(endpoint: str, stream: str | None = None) -> list[dict]:
    response = requests.post(
        f"{endpoint}/_localaws/firehose/flush", params={"stream": stream} if stream else None
    )
    response.raise_for_status()
    return response.json()["flushed"]


def test_gzip_stream_writes_gzip_objects_in_the_aws_key_layout(localaws, aws_client, unique):
    # GIVEN a GZIP stream with a raw/ prefix and a long buffering interval
    bucket, stream = f"fh-gzip-{unique}", f"vpc-flow-{unique}"
    make_stream(aws_client, bucket, stream)
    firehose = aws_client("firehose")
    # WHEN two batches are put and the stream is flushed on demand
    before = datetime.now(tz=UTC).replace(microsecond=0)
    first = firehose.put_record_batch(
        DeliveryStreamName=stream,
        Records=[{"Data": b"2 123 eni-1 ACCEPT\n"}, {"Data": b"2 123 eni-2 REJECT\n"}],
    )
    firehose.put_record_batch(DeliveryStreamName=stream, Records=[{"Data": b"2 123 eni-3 ACCEPT\n"}])
    after = datetime.now(tz=UTC)
    flushed = flush(localaws.endpoint, stream)
    # THEN the response has AWS's shape and one gzip object holds all records in order
    assert first["FailedPutCount"] == 0 and first["Encrypted"] is False
    assert len(first["RequestResponses"]) == 2 and all(r["RecordId"] for r in first["RequestResponses"])
    assert [f["records"] for f in flushed] == [3]
    ((key, body),) = objects(aws_client("s3"), bucket)
    assert body[:2] == b"\x1f\x8b"
    assert gzip.decompress(body) == b"2 123 eni-1 ACCEPT\n2 123 eni-2 REJECT\n2 123 eni-3 ACCEPT\n"
    # AND the key is {Prefix}YYYY/MM/DD/HH/{stream}-1-{timestamp of the oldest record}-{uuid4}.gz in UTC
    parts = KEY.match(key)
    assert parts, key
    assert (parts["prefix"], parts["stream"], parts["version"], parts["suffix"]) == (
        "raw/",
        stream,
        "1",
        ".gz",
    )
    stamped = datetime.strptime(parts["ts"], "%Y-%m-%d-%H-%M-%S").replace(tzinfo=UTC)
    assert before <= stamped <= after
    assert (parts["y"], parts["m"], parts["d"], parts["h"]) == tuple(parts["ts"].split("-")[:4])


def test_uncompressed_stream_concatenates_bytes_exactly_without_suffix(localaws, aws_client, unique):
    bucket, stream = f"fh-raw-{unique}", f"raw-{unique}"
    make_stream(aws_client, bucket, stream, compression="UNCOMPRESSED")
    firehose = aws_client("firehose")
    # Binary records with no delimiters: Firehose adds nothing between records.
    records = [os.urandom(n) for n in (1, 0, 700, 5000)] + [b"\x00\n\r\xff"]
    firehose.put_record(DeliveryStreamName=stream, Record={"Data": records[0]})
    firehose.put_record_batch(DeliveryStreamName=stream, Records=[{"Data": r} for r in records[1:]])
    flush(localaws.endpoint, stream)
    ((key, body),) = objects(aws_client("s3"), bucket)
    assert body == b"".join(records)
    assert KEY.match(key)["suffix"] == ""


def test_buffer_is_delivered_when_its_size_is_reached(localaws, aws_client, unique):
    bucket, stream = f"fh-size-{unique}", f"size-{unique}"
    make_stream(aws_client, bucket, stream, compression="UNCOMPRESSED", size_mb=1)
    firehose = aws_client("firehose")
    chunk = 400_000
    # 3 x 400,000 bytes cross 1 MiB: those three go out together, without any flush or timer.
    for marker in b"abc":
        firehose.put_record_batch(DeliveryStreamName=stream, Records=[{"Data": bytes([marker]) * chunk}])
    firehose.put_record(DeliveryStreamName=stream, Record={"Data": b"tail"})
    delivered = objects(aws_client("s3"), bucket)
    assert [body for _, body in delivered] == [b"a" * chunk + b"b" * chunk + b"c" * chunk]
    flush(localaws.endpoint, stream)
    bodies = sorted(body for _, body in objects(aws_client("s3"), bucket))
    assert bodies == [b"a" * chunk + b"b" * chunk + b"c" * chunk, b"tail"]


def test_buffer_is_delivered_when_its_interval_has_passed(aws_client, unique):
    bucket, stream = f"fh-interval-{unique}", f"interval-{unique}"
    make_stream(aws_client, bucket, stream, compression="GZIP", interval=1)
    aws_client("firehose").put_record_batch(
        DeliveryStreamName=stream, Records=[{"Data": b"x\n"}, {"Data": b"y\n"}]
    )
    # No flush: the timer thread delivers after IntervalInSeconds. Poll with a generous deadline.
    deadline = time.monotonic() + 20
    delivered = []
    while not delivered and time.monotonic() < deadline:
        time.sleep(0.1)
        delivered = objects(aws_client("s3"), bucket)
    assert [gzip.decompress(body) for _, body in delivered] == [b"x\ny\n"]


def test_flush_endpoint_flushes_only_the_named_stream(localaws, aws_client, unique):
    make_stream(aws_client, f"fh-a-{unique}", f"a-{unique}")
    make_stream(aws_client, f"fh-b-{unique}", f"b-{unique}")
    for stream in (f"a-{unique}", f"b-{unique}"):
        aws_client("firehose").put_record(DeliveryStreamName=stream, Record={"Data": b"r\n"})
    flushed = flush(localaws.endpoint, f"a-{unique}")
    assert [(f["stream"], f["delivered"]) for f in flushed] == [(f"a-{unique}", True)]
    assert len(objects(aws_client("s3"), f"fh-a-{unique}")) == 1
    assert objects(aws_client("s3"), f"fh-b-{unique}") == []
    # The service method does the same for code that holds the LocalAWS.
    assert [f["stream"] for f in localaws.services["firehose"].flush(f"b-{unique}")] == [f"b-{unique}"]


def test_stop_flushes_every_buffer(aws_client, unique, tmp_path):
    bucket, stream = f"fh-stop-{unique}", f"stop-{unique}"
    # GIVEN a second localaws (moto's state is process-wide, so the session's endpoint sees its objects)
    with LocalAWS(port=0, state_dir=tmp_path) as other:
        client = boto3.client("firehose", endpoint_url=other.endpoint, region_name="us-east-1")
        make_stream(aws_client, bucket, stream)
        client.put_record_batch(DeliveryStreamName=stream, Records=[{"Data": b"kept\n"}])
        assert objects(aws_client("s3"), bucket) == []
    # WHEN it stops THEN the buffered record was delivered, not lost
    assert [gzip.decompress(body) for _, body in objects(aws_client("s3"), bucket)] == [b"kept\n"]


def test_aws_limits_and_unknown_streams_answer_as_aws(aws_client, unique):
    make_stream(aws_client, f"fh-limits-{unique}", f"limits-{unique}")
    firehose = aws_client("firehose")
    cases = [
        ([{"Data": b"x"}] * 501, "ValidationException"),
        ([{"Data": b"x" * 1_024_001}], "ValidationException"),
        ([{"Data": b"x" * 1_000_000}] * 5, "InvalidArgumentException"),  # 5 MB > 4 MiB per request
    ]
    for records, code in cases:
        with pytest.raises(ClientError) as err:
            firehose.put_record_batch(DeliveryStreamName=f"limits-{unique}", Records=records)
        assert err.value.response["Error"]["Code"] == code
    # The largest legal record is accepted.
    assert firehose.put_record(DeliveryStreamName=f"limits-{unique}", Record={"Data": b"x" * 1_024_000})[
        "RecordId"
    ]
    with pytest.raises(firehose.exceptions.ResourceNotFoundException):
        firehose.put_record(DeliveryStreamName=f"missing-{unique}", Record={"Data": b"x"})


def test_encrypted_streams_say_so(aws_client, unique):
    bucket, stream = f"fh-sse-{unique}", f"sse-{unique}"
    aws_client("s3").create_bucket(Bucket=bucket)
    aws_client("firehose").create_delivery_stream(
        DeliveryStreamName=stream,
        DeliveryStreamEncryptionConfigurationInput={"KeyType": "AWS_OWNED_CMK"},
        ExtendedS3DestinationConfiguration={"RoleARN": ROLE, "BucketARN": f"arn:aws:s3:::{bucket}"},
    )
    assert (
        aws_client("firehose").put_record(DeliveryStreamName=stream, Record={"Data": b"x"})["Encrypted"]
        is True
    )


def test_fault_hook_fails_records_and_calls(localaws, aws_client, unique):
    bucket, stream = f"fh-fault-{unique}", f"fault-{unique}"
    make_stream(aws_client, bucket, stream, compression="UNCOMPRESSED")
    faults = f"{localaws.endpoint}/_localaws/firehose/faults"
    firehose = aws_client("firehose")
    # Every record fails: FailedPutCount and per-record ErrorCode as Firehose reports throttling.
    requests.post(faults, json={"stream": stream, "fail_rate": 1.0}).raise_for_status()
    result = firehose.put_record_batch(DeliveryStreamName=stream, Records=[{"Data": b"lost"}] * 3)
    assert result["FailedPutCount"] == 3
    assert {(r["ErrorCode"], r["ErrorMessage"]) for r in result["RequestResponses"]} == {
        ("ServiceUnavailableException", "Slow down.")
    }
    # Part of the records fail, reproducibly with a seed; only the others are delivered.
    requests.post(faults, json={"stream": stream, "fail_rate": 0.5, "seed": 7}).raise_for_status()
    result = firehose.put_record_batch(
        DeliveryStreamName=stream, Records=[{"Data": b"%d," % i} for i in range(20)]
    )
    kept = [b"%d," % i for i, r in enumerate(result["RequestResponses"]) if "RecordId" in r]
    assert 0 < result["FailedPutCount"] < 20 and len(kept) == 20 - result["FailedPutCount"]
    # A whole call fails (no client retries here, so the error is seen).
    requests.post(faults, json={"stream": stream, "fail_calls": 1}).raise_for_status()
    no_retry = boto3.client(
        "firehose",
        endpoint_url=localaws.endpoint,
        region_name="us-east-1",
        config=botocore.config.Config(retries={"total_max_attempts": 1}),
    )
    with pytest.raises(ClientError) as err:
        no_retry.put_record_batch(DeliveryStreamName=stream, Records=[{"Data": b"x"}])
    assert err.value.response["Error"]["Code"] == "ServiceUnavailableException"
    assert json.loads(requests.get(faults).text).get(stream) is None  # used up
    requests.delete(faults, params={"stream": stream}).raise_for_status()
    flush(localaws.endpoint, stream)
    assert [body for _, body in objects(aws_client("s3"), bucket)] == [b"".join(kept)]


def test_logs_subscription_to_firehose_is_buffered_like_any_record(localaws, aws_client, unique):
    bucket, stream, group = f"fh-logs-{unique}", f"logs-{unique}", f"/vpc/{unique}"
    make_stream(aws_client, bucket, stream, compression="UNCOMPRESSED")
    logs = aws_client("logs")
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="eni-1-all")
    logs.put_subscription_filter(
        logGroupName=group,
        filterName="to-firehose",
        filterPattern="",
        destinationArn=f"arn:aws:firehose:us-east-1:123456789012:deliverystream/{stream}",
        roleArn=ROLE,
    )
    for message in ("first", "second"):
        logs.put_log_events(
            logGroupName=group,
            logStreamName="eni-1-all",
            logEvents=[{"timestamp": int(time.time() * 1000), "message": message}],
        )
    assert objects(aws_client("s3"), bucket) == []  # buffered, not one object per put as moto does
    flush(localaws.endpoint, stream)
    ((_, body),) = objects(aws_client("s3"), bucket)
    envelopes = _gzip_members(body)
    assert [e["logEvents"][0]["message"] for e in envelopes] == ["first", "second"]
    assert envelopes[0]["messageType"] == "DATA_MESSAGE" and envelopes[0]["logGroup"] == group


def _gzip_members(data: bytes) -> list[dict]:
    import zlib

    members = []
    while data:
        decompressor = zlib.decompressobj(zlib.MAX_WBITS | 16)
        members.append(json.loads(decompressor.decompress(data)))
        data = decompressor.unused_data
    return members


def test_sigterm_of_python_m_localaws_flushes_buffers(tmp_path):
    # GIVEN `python -m localaws` with a record buffered for a bucket that has gone away
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    endpoint = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "localaws", "--port", str(port), "--state-dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{endpoint}/_localaws/health", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.05)
        client = lambda service: boto3.client(service, endpoint_url=endpoint, region_name="us-east-1")  # noqa: E731
        make_stream(client, "fh-sigterm", "sigterm")
        client("firehose").put_record(DeliveryStreamName="sigterm", Record={"Data": b"last words\n"})
        client("s3").delete_bucket(Bucket="fh-sigterm")
        # WHEN it is stopped with SIGTERM
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # THEN the buffer was flushed; undeliverable, it was kept on disk rather than dropped
    assert proc.returncode == 0, stderr.decode()
    (kept,) = (tmp_path / "firehose-undelivered" / "fh-sigterm").rglob("*.gz")
    assert KEY.match(str(kept.relative_to(tmp_path / "firehose-undelivered" / "fh-sigterm")))
    assert gzip.decompress(kept.read_bytes()) == b"last words\n"
