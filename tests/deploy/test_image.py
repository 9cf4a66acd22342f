"""The Dockerfile, checked without building it: the base image matches uv.lock, the install step uses the
lock with hashes, the project lands where Airflow and vpcflow look, and .dockerignore keeps secrets out."""

from __future__ import annotations

import fnmatch
import re
import shutil
import subprocess

import pytest

from tests.deploy import deployfiles as files


@pytest.fixture(scope="module")
def instructions():
    return files.dockerfile_instructions()


def _args(instructions, name):
    """The default of ``ARG name=default``."""
    defaults = dict(a.partition("=")[::2] for i, a in instructions if i == "ARG")
    return defaults.get(name)


def _copy_sources(instructions):
    """Build-context paths that COPY instructions read (not COPY --from=another stage)."""
    for instruction, args in instructions:
        if instruction == "COPY" and "--from=" not in args:
            yield from (p.rstrip("/") for p in args.split()[:-1] if not p.startswith("--"))


def _base_image(instructions):
    image = _args(instructions, "AIRFLOW_BASE_IMAGE")
    assert image, "the Dockerfile names its base image in ARG AIRFLOW_BASE_IMAGE"
    return image


def _final_stage(instructions):
    starts = [n for n, (i, _) in enumerate(instructions) if i == "FROM"]
    return instructions[starts[-1] :]


def test_base_is_the_official_airflow_image_of_the_locked_version(instructions):
    image = _base_image(instructions)
    match = re.fullmatch(r"apache/airflow:(\d+\.\d+\.\d+)-python(\d+)\.(\d+)(@sha256:[0-9a-f]{64})?", image)
    assert match, f"base image {image!r} should be apache/airflow:X.Y.Z-pythonM.N (optionally @sha256:...)"
    version, major, minor = match[1], int(match[2]), int(match[3])
    assert version == files.locked_version("apache-airflow"), (
        f"Dockerfile builds on Airflow {version} but uv.lock pins {files.locked_version('apache-airflow')}"
    )
    required = re.fullmatch(r">=\s*(\d+)\.(\d+)", files.lock()["requires-python"])
    assert (major, minor) >= (int(required[1]), int(required[2])), (
        "the image's Python is older than the lock's"
    )
    froms = [a for i, a in instructions if i == "FROM"]
    assert all(f.split()[0] == "${AIRFLOW_BASE_IMAGE}" for f in froms), (
        "every stage starts from the same base"
    )


def test_lock_is_exported_by_the_uv_that_wrote_it(instructions):
    assert _args(instructions, "UV_VERSION") == files.makefile_variable("UV_VERSION")
    runs = " ".join(a for i, a in instructions if i == "RUN")
    export = re.search(r"uv export ([^&]*)", runs)
    assert export, "the Dockerfile exports uv.lock with `uv export`"
    for flag in ("--frozen", "--no-dev", "--no-emit-project"):
        assert flag in export[1], f"uv export needs {flag}"
    assert "--no-hashes" not in export[1]


def test_install_step_uses_the_lock_with_hashes_as_the_airflow_user(instructions):
    final = _final_stage(instructions)
    users = [(n, a) for n, (i, a) in enumerate(final) if i == "USER"]
    installs = [n for n, (i, a) in enumerate(final) if i == "RUN" and "pip install" in a]
    assert installs, "the image installs vpcflow with pip"
    for n in installs:
        current = [a for m, a in users if m < n]
        assert current and current[-1] == "airflow", (
            "the official image wants pip installs as the airflow user"
        )
    run = final[installs[0]][1]
    assert re.search(r"pip install [^&]*--require-hashes[^&]*-r \S*requirements\.txt", run)
    assert re.search(r"pip install [^&]*--no-deps[^&]*-r \S*requirements\.txt", run)
    assert re.search(r"pip install [^&]*--no-deps \S*vpcflow-\*\.whl", run), (
        "vpcflow itself, without re-resolving"
    )
    assert "pip check" in run, "a conflict with the image's own packages must fail the build"
    assert "AIRFLOW_VERSION" in run, "the build checks that the lock's Airflow is the image's Airflow"


def test_the_export_command_works_on_the_current_lock(tmp_path):
    uv = files.REPO / ".venv" / "bin" / "uv"
    if not uv.exists():
        uv = shutil.which("uv")
    if not uv:
        pytest.skip("uv is not installed (make venv installs it)")
    out = tmp_path / "requirements.txt"
    subprocess.run(
        [
            str(uv),
            "export",
            "--frozen",
            "--no-dev",
            "--no-emit-project",
            "--no-header",
            "--format",
            "requirements-txt",
            "--output-file",
            str(out),
        ],
        cwd=files.REPO,
        check=True,
        capture_output=True,
        timeout=60,
    )
    text = out.read_text()
    pins = re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", text, re.MULTILINE)
    assert ("apache-airflow", files.locked_version("apache-airflow")) in pins
    assert not {"pytest", "ruff"} & {name for name, _ in pins}, "dev tools must stay out of the image"
    assert not {"moto", "localaws"} & {name for name, _ in pins}, (
        "the emulator must stay out of the Airflow image"
    )
    assert "vpcflow" not in {name for name, _ in pins}
    entries = re.split(r"\n(?=[A-Za-z0-9_.-]+==)", text.strip())
    assert all("--hash=sha256:" in entry for entry in entries), "every exported requirement carries hashes"


def test_project_lands_where_airflow_and_vpcflow_look(instructions):
    final = _final_stage(instructions)
    copies = {}
    for instruction, args in final:
        if instruction == "COPY" and "--from=" not in args:
            parts = [p for p in args.split() if not p.startswith("--")]
            copies[parts[0].rstrip("/")] = parts[-1].rstrip("/")
    assert copies == {
        "dags": "/opt/airflow/dags",
        "plugins": "/opt/airflow/plugins",
        "sql": "/opt/airflow/sql",
        "lambdas": "/opt/airflow/lambdas",
    }
    env = {}
    for instruction, args in final:
        if instruction == "ENV":
            env.update(re.findall(r"(\w+)=(\S+)", args))
    assert env["AIRFLOW__CORE__DAGS_FOLDER"] == copies["dags"]
    assert env["AIRFLOW__CORE__PLUGINS_FOLDER"] == copies["plugins"]
    assert env["VPCFLOW_SQL_DIR"] == copies["sql"], "template_searchpath must reach sql/"
    assert env["VPCFLOW_LAMBDAS_DIR"] == copies["lambdas"]
    # A plugins/ folder mounted for development must win over the installed wheel.
    assert env["PYTHONPATH"].split(":")[0] == copies["plugins"]
    # Compose sets the same paths, so the image and the compose stack agree.
    worker = files.service_environment(files.compose()["services"]["airflow-worker"])
    assert (worker["VPCFLOW_SQL_DIR"], worker["VPCFLOW_LAMBDAS_DIR"]) == (copies["sql"], copies["lambdas"])


def test_lock_stage_copies_what_the_wheel_is_built_from(instructions):
    pyproject = (files.REPO / "pyproject.toml").read_text()
    packages = re.search(r"packages\s*=\s*\[([^\]]*)\]", pyproject)[1]
    sources = {p.strip().strip('"') for p in packages.split(",") if p.strip()}
    copied = set(_copy_sources(instructions))
    for source in sources | {"pyproject.toml", "uv.lock", "README.md"}:
        assert source in copied, f"the lock stage must copy {source} to build the vpcflow wheel"


def _ignored(path: str, patterns: list[str]) -> bool:
    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").rstrip("/")
        if fnmatch.fnmatch(path, pattern) or fnmatch.fnmatch(path.split("/")[0], pattern):
            ignored = not negate
    return ignored


def test_dockerignore_keeps_secrets_and_local_state_out_but_not_the_sources(instructions):
    patterns = [
        line.strip()
        for line in files.DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for path in (".env", ".env.prod", ".venv", ".git", ".localaws", "logs", "config"):
        assert _ignored(path, patterns), f".dockerignore must exclude {path}"
    for source in _copy_sources(instructions):
        assert not _ignored(source, patterns), f".dockerignore hides {source}, which COPY needs"


def test_dags_find_sql_through_the_image_path(monkeypatch):
    from vpcflow.model.sqlfiles import sql_dir

    monkeypatch.setenv("VPCFLOW_SQL_DIR", "/opt/airflow/sql")
    assert str(sql_dir()) == "/opt/airflow/sql"
    for dag_file in sorted((files.REPO / "dags").glob("*.py")):
        text = dag_file.read_text()
        templates = re.findall(r"""["']([\w/.-]+\.sql)["']""", text)
        if not templates:
            continue
        assert re.search(r"template_searchpath\s*=\s*\[[^\]]*sql_dir\(\)", text), (
            f"{dag_file.name} renders {templates[0]} but its template_searchpath does not come from sql_dir() "
            "(VPCFLOW_SQL_DIR in the image)"
        )
        for name in templates:
            assert (files.REPO / "sql" / name).is_file(), (
                f"{dag_file.name} names sql/{name}, which is missing"
            )
