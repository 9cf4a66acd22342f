"""The Lambdas' stdlib-only logic on the Python versions of the AWS runtimes (python3.12, python3.13),
when such an interpreter is installed here; the suite itself runs on 3.11."""

from __future__ import annotations

import glob
import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from vpcflow.provision import packaging


def _interpreters() -> dict[str, str]:
    found = {}
    for version in ("3.12", "3.13"):
        candidates = sorted(glob.glob(str(Path.home() / f".pyenv/versions/{version}*/bin/python{version}")))
        exe = candidates[-1] if candidates else shutil.which(f"python{version}")
        if exe and subprocess.run([exe, "-c", "pass"], capture_output=True).returncode == 0:
            found[version] = exe
    return found


INTERPRETERS = _interpreters()

SCRIPT = r"""
import base64, gzip, json, sys
sys.path[:0] = sys.argv[1:3]
import awslogs, packing, s3_events, vpcflow_lambda
from vpcflow.model import partitions
assert vpcflow_lambda.bounded_int({"N": " 5 "}, "N", 1, 0, 9) == 5
envelope = {"messageType": "DATA_MESSAGE", "logGroup": "g", "logStream": "s", "owner": "1",
            "logEvents": [{"id": "1", "timestamp": 1, "message": f"line {i}"} for i in range(100)]}
event = {"awslogs": {"data": base64.b64encode(gzip.compress(json.dumps(envelope).encode())).decode()}}
records = packing.pack_lines(awslogs.decode(event).messages, 64)
assert b"".join(records) == "".join(f"line {i}\n" for i in range(100)).encode(), records
(obj,) = s3_events.created_objects({"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
    "s3": {"bucket": {"name": "bkt"}, "object": {"key": "raw/2017/01/14/07/a+b.gz"}}}]})
p = partitions.partition_for_key(obj.bucket, obj.key, "s3://bkt/raw/", "Hour")
print(partitions.add_partitions_sql("default.vpc_flow_logs", [p]))
"""


@pytest.mark.parametrize("version", ["3.12", "3.13"])
def test_pure_logic_runs_on_the_lambda_python_versions(version, tmp_path):
    if version not in INTERPRETERS:
        pytest.skip(f"no python{version} interpreter on this machine")
    for name in ("cloudwatch_to_firehose", "athena_partitioner"):
        zipfile.ZipFile(io.BytesIO(packaging.build_lambda_zip(name))).extractall(tmp_path / name)
    out = subprocess.run(
        [
            INTERPRETERS[version],
            "-I",
            "-c",
            SCRIPT,
            str(tmp_path / "cloudwatch_to_firehose"),
            str(tmp_path / "athena_partitioner"),
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == (
        "ALTER TABLE default.vpc_flow_logs ADD IF NOT EXISTS PARTITION (IngestDateTime='2017-01-14-07') "
        "LOCATION 's3://bkt/raw/2017/01/14/07/'"
    )
