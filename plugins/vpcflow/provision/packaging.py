"""Deterministic Lambda deployment zips: same sources -> same bytes -> same CodeSha256.

Every entry gets a fixed timestamp (1980-01-01 00:00:00, the zip epoch), fixed Unix permissions (0644),
the same compression settings, and entries are sorted by name. Provisioning compares ``code_sha256(zip)``
with the CodeSha256 that Lambda reports to tell whether the code changed.

A function's zip holds the ``*.py`` files of its folder under ``lambdas/`` at the zip root, the shared
modules it declares (from ``lambdas/shared/``, also at the root) and the vpcflow modules it imports (from
``plugins/vpcflow``); both are copied at build time, never kept as copies in the repo. boto3 is not
packed: the Lambda Python runtimes ship it.

Compressed bytes depend on the zlib build; one machine (or one CI image) always gives the same digest.
"""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from vpcflow.model.resources import PACKAGE_DIR as VPCFLOW_DIR
from vpcflow.model.resources import lambdas_dir

SHARED_FOLDER = "shared"  # lambdas/shared/ holds modules for several functions; it is not one itself
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644  # regular file, rw-r--r--
COMPRESS_LEVEL = 9

# The zip's vpcflow/__init__.py is generated, not copied: the real package __init__ may grow imports
# (Airflow, duckdb) that a Lambda must not pull in.
_PACKAGE_INIT = b'"""The vpcflow modules this Lambda needs, copied at build time from plugins/vpcflow."""\n'


@dataclass(frozen=True)
class LambdaFunction:
    """What provisioning needs to deploy one function from this repo."""

    name: str
    handler: str = "handler.handler"
    runtime: str = "python3.12"
    shared_modules: tuple[str, ...] = ()  # stems of lambdas/shared/*.py
    vpcflow_modules: tuple[str, ...] = ()
    description: str = ""
    environment: tuple[str, ...] = field(default=())  # the variables it reads, for documentation

    @property
    def source_dir(self) -> Path:
        return lambdas_dir() / self.name


FUNCTIONS: dict[str, LambdaFunction] = {
    "cloudwatch_to_firehose": LambdaFunction(
        name="cloudwatch_to_firehose",
        shared_modules=("vpcflow_lambda",),
        description="CloudWatch Logs subscription -> Firehose PutRecordBatch (packed records, retries)",
        environment=(
            "DELIVERY_STREAM_NAME",
            "MAX_RECORD_BYTES",
            "MAX_BATCH_RECORDS",
            "MAX_BATCH_BYTES",
            "MAX_ATTEMPTS",
            "SAFETY_MARGIN_MS",
        ),
    ),
    "athena_partitioner": LambdaFunction(
        name="athena_partitioner",
        shared_modules=("vpcflow_lambda",),
        vpcflow_modules=("model.partitions", "athena"),
        description="S3 ObjectCreated -> ALTER TABLE ADD IF NOT EXISTS PARTITION on Athena",
        environment=(
            "TABLE_NAME",
            "PARTITION_TYPE",
            "TABLE_LOCATION",
            "S3_STAGING_DIR",
            "ATHENA_WORKGROUP",
            "PARTITION_COLUMN",
            "ATHENA_REGION",
        ),
    ),
}


def function(name: str) -> LambdaFunction:
    try:
        return FUNCTIONS[name]
    except KeyError:
        raise ValueError(f"unknown Lambda {name!r}; known: {', '.join(sorted(FUNCTIONS))}") from None


def lambda_sources(name: str) -> dict[str, bytes]:
    """Archive name -> content for one function: its folder's ``*.py`` (not tests, not caches), and the
    shared and vpcflow modules it declares."""
    spec = function(name)
    if not spec.source_dir.is_dir():
        raise FileNotFoundError(f"Lambda {name!r}: no source folder {spec.source_dir}")
    files = {path.name: path.read_bytes() for path in spec.source_dir.glob("*.py")}
    if "handler.py" not in files:
        raise FileNotFoundError(f"Lambda {name!r}: {spec.source_dir}/handler.py is missing")
    for module in spec.shared_modules:
        if f"{module}.py" in files:
            # Two files for one import name: the in-process tests and the zip would disagree on which wins.
            raise ValueError(f"Lambda {name!r}: {module}.py is both in its folder and in {SHARED_FOLDER}/")
        files[f"{module}.py"] = (lambdas_dir() / SHARED_FOLDER / f"{module}.py").read_bytes()
    for module in spec.vpcflow_modules:
        *packages, name = module.split(".")
        for depth in range(len(packages) + 1):
            files["/".join(["vpcflow", *packages[:depth], "__init__.py"])] = _PACKAGE_INIT
        files["/".join(["vpcflow", *packages, f"{name}.py"])] = VPCFLOW_DIR.joinpath(
            *packages, f"{name}.py"
        ).read_bytes()
    return files


def build_zip(files: Mapping[str, bytes]) -> bytes:
    """A zip of ``files`` (archive name -> bytes) that depends only on the names and contents."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(files):
            if name.startswith("/") or ".." in name.split("/") or "\\" in name:
                raise ValueError(f"zip entry {name!r} must be a relative path without '..' or backslashes")
            info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so external_attr carries the mode as on every other build host
            info.external_attr = FILE_MODE << 16
            archive.writestr(info, files[name], compresslevel=COMPRESS_LEVEL)
    return buffer.getvalue()


def build_lambda_zip(name: str) -> bytes:
    """The deployment zip of one function (``"cloudwatch_to_firehose"`` or ``"athena_partitioner"``)."""
    return build_zip(lambda_sources(name))


def code_sha256(zip_bytes: bytes) -> str:
    """The CodeSha256 Lambda reports for this zip: base64 of its SHA-256 digest."""
    return base64.b64encode(hashlib.sha256(zip_bytes).digest()).decode("ascii")


def write_lambda_zip(name: str, out_dir: str | Path) -> Path:
    """Build one function's zip into ``out_dir/<name>.zip`` and return the path."""
    out = Path(out_dir) / f"{name}.zip"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(build_lambda_zip(name))
    return out
