"""vpcflow.provision.packaging: deterministic zips that carry everything their code imports."""

from __future__ import annotations

import ast
import base64
import hashlib
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from vpcflow.provision import packaging

FUNCTIONS = sorted(packaging.FUNCTIONS)
REPO = Path(__file__).resolve().parents[2]


def copy_lambdas(target: Path, monkeypatch) -> None:
    """GIVEN a copy of the lambdas folder, which packaging then reads."""
    for name in [*FUNCTIONS, packaging.SHARED_FOLDER]:
        (target / name).mkdir()
        for source in (REPO / "lambdas" / name).glob("*.py"):
            (target / name / source.name).write_bytes(source.read_bytes())
    monkeypatch.setenv("VPCFLOW_LAMBDAS_DIR", str(target))


@pytest.mark.parametrize("name", FUNCTIONS)
def test_building_twice_gives_the_same_bytes_and_code_sha256(name):
    first, second = packaging.build_lambda_zip(name), packaging.build_lambda_zip(name)
    assert first == second
    assert packaging.code_sha256(first) == packaging.code_sha256(second)


def test_entries_are_sorted_with_fixed_time_and_mode():
    archive = zipfile.ZipFile(io.BytesIO(packaging.build_lambda_zip("athena_partitioner")))
    infos = archive.infolist()
    assert [i.filename for i in infos] == sorted(i.filename for i in infos)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {i.external_attr >> 16 for i in infos} == {0o100644}
    assert {i.compress_type for i in infos} == {zipfile.ZIP_DEFLATED}


def test_content_changes_change_the_digest_and_file_times_do_not(tmp_path, monkeypatch):
    copy_lambdas(tmp_path, monkeypatch)
    before = packaging.build_lambda_zip("cloudwatch_to_firehose")
    # WHEN only a file's time and mode change THEN the zip is the same
    handler = tmp_path / "cloudwatch_to_firehose" / "handler.py"
    handler.touch()
    handler.chmod(0o755)
    assert packaging.build_lambda_zip("cloudwatch_to_firehose") == before
    # WHEN its content changes THEN the digest changes
    handler.write_text(handler.read_text() + "\n# changed\n")
    assert packaging.code_sha256(
        packaging.build_lambda_zip("cloudwatch_to_firehose")
    ) != packaging.code_sha256(before)


def test_code_sha256_is_what_lambda_reports():
    zip_bytes = packaging.build_lambda_zip("cloudwatch_to_firehose")
    assert packaging.code_sha256(zip_bytes) == base64.b64encode(hashlib.sha256(zip_bytes).digest()).decode()
    with mock_aws():
        iam = boto3.client("iam", region_name="us-east-1")
        role = iam.create_role(RoleName="lambda-exec", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        created = boto3.client("lambda", region_name="us-east-1").create_function(
            FunctionName="cw-to-firehose",
            Runtime="python3.12",
            Role=role,
            Handler=packaging.FUNCTIONS["cloudwatch_to_firehose"].handler,
            Code={"ZipFile": zip_bytes},
        )
    assert created["CodeSha256"] == packaging.code_sha256(zip_bytes)


def test_the_partitioner_zip_carries_vpcflow_partitions_and_athena_as_in_the_repo():
    archive = zipfile.ZipFile(io.BytesIO(packaging.build_lambda_zip("athena_partitioner")))
    names = set(archive.namelist())
    assert {
        "handler.py",
        "s3_events.py",
        "vpcflow_lambda.py",
        "vpcflow/__init__.py",
        "vpcflow/model/__init__.py",
        "vpcflow/model/partitions.py",
        "vpcflow/athena.py",
    } <= names
    for module in ("model/partitions.py", "athena.py"):
        assert archive.read(f"vpcflow/{module}") == (REPO / "plugins/vpcflow" / module).read_bytes()
    # AND nothing but Python sources: no tests, no caches
    assert all(name.endswith(".py") for name in names)


def test_the_forwarder_zip_holds_only_its_own_modules_and_the_shared_one():
    archive = zipfile.ZipFile(io.BytesIO(packaging.build_lambda_zip("cloudwatch_to_firehose")))
    assert sorted(archive.namelist()) == [
        "awslogs.py",
        "delivery.py",
        "handler.py",
        "packing.py",
        "vpcflow_lambda.py",
    ]


@pytest.mark.parametrize("name", FUNCTIONS)
def test_every_zip_carries_the_shared_module_as_in_the_repo(name):
    archive = zipfile.ZipFile(io.BytesIO(packaging.build_lambda_zip(name)))
    assert archive.read("vpcflow_lambda.py") == (REPO / "lambdas/shared/vpcflow_lambda.py").read_bytes()


def test_a_shared_module_change_changes_every_digest(tmp_path, monkeypatch):
    copy_lambdas(tmp_path, monkeypatch)
    before = {name: packaging.build_lambda_zip(name) for name in FUNCTIONS}
    shared = tmp_path / packaging.SHARED_FOLDER / "vpcflow_lambda.py"
    shared.write_text(shared.read_text() + "\n# changed\n")
    assert all(packaging.build_lambda_zip(name) != before[name] for name in FUNCTIONS)


def test_the_shared_folder_is_not_a_function():
    with pytest.raises(ValueError, match=r"unknown Lambda 'shared'"):
        packaging.build_lambda_zip(packaging.SHARED_FOLDER)
    # AND every other folder under lambdas/ is one
    folders = {p.name for p in (REPO / "lambdas").iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders == {*FUNCTIONS, packaging.SHARED_FOLDER}


def test_a_function_module_cannot_shadow_a_shared_one(tmp_path, monkeypatch):
    # GIVEN a function folder with its own file of the shared module's name
    copy_lambdas(tmp_path, monkeypatch)
    (tmp_path / "athena_partitioner" / "vpcflow_lambda.py").write_text("")
    # WHEN packed THEN refused: the in-process tests and the zip would import different files
    with pytest.raises(ValueError, match=r"vpcflow_lambda.py is both in its folder and in shared/"):
        packaging.build_lambda_zip("athena_partitioner")


def _top_level_imports(source: bytes) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("name", FUNCTIONS)
def test_every_import_is_stdlib_the_runtimes_boto3_or_in_the_zip(name):
    archive = zipfile.ZipFile(io.BytesIO(packaging.build_lambda_zip(name)))
    packed = {n.split("/")[0].removesuffix(".py") for n in archive.namelist()}
    imported = set().union(*(_top_level_imports(archive.read(n)) for n in archive.namelist()))
    missing = imported - set(sys.stdlib_module_names) - {"boto3", "botocore", "__future__"} - packed
    assert not missing, f"{name}: imports not in the zip: {missing}"


@pytest.mark.parametrize("name", FUNCTIONS)
def test_the_zip_imports_from_itself(name, tmp_path):
    # GIVEN the zip unpacked as Lambda unpacks it into /var/task
    zipfile.ZipFile(io.BytesIO(packaging.build_lambda_zip(name))).extractall(tmp_path)
    spec = packaging.FUNCTIONS[name]
    module, _, function = spec.handler.rpartition(".")
    # WHEN its handler module is imported with the zip first on the path (as the runtime does)
    code = (
        "import sys, json; sys.path.insert(0, sys.argv[1]); "
        f"import {module} as m; assert callable(m.{function}); "
        "print(json.dumps(sorted(f for f in (getattr(x, '__file__', None) for x in list(sys.modules.values())) "
        "if f and 'vpcflow' in f)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True
    )
    # THEN any vpcflow module it loaded came from the zip, not from the repo
    assert all(path.startswith(str(tmp_path)) for path in json.loads(out.stdout)), out.stdout


def test_unknown_function_is_a_clear_error():
    with pytest.raises(
        ValueError, match=r"unknown Lambda 'nope'; known: athena_partitioner, cloudwatch_to_firehose"
    ):
        packaging.build_lambda_zip("nope")


def test_unsafe_entry_names_are_refused():
    with pytest.raises(ValueError, match="relative path"):
        packaging.build_zip({"../evil.py": b""})


def test_write_lambda_zip(tmp_path):
    path = packaging.write_lambda_zip("athena_partitioner", tmp_path / "dist")
    assert path == tmp_path / "dist" / "athena_partitioner.zip"
    assert path.read_bytes() == packaging.build_lambda_zip("athena_partitioner")
