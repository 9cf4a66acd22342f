"""docker-compose.yaml, checked without a Docker daemon: the Compose schema, the services the pipeline
needs, health checks, loopback-only ports, and mounts and variables that match what the code reads."""

from __future__ import annotations

import hashlib
import json
import re
from urllib.parse import parse_qsl, unquote, urlsplit

import jsonschema
import pytest

from tests.deploy import deployfiles as files

PIPELINE_SERVICES = {
    # service: the command it runs (None: not an Airflow component)
    "postgres": None,
    "redis": None,
    "airflow-init": None,
    "airflow-apiserver": "api-server",
    "airflow-scheduler": "scheduler",
    "airflow-dag-processor": "dag-processor",
    "airflow-triggerer": "triggerer",
    "airflow-worker": "celery worker",
    "localaws": None,
}
AIRFLOW_SERVICES = sorted(name for name in PIPELINE_SERVICES if name.startswith("airflow-"))
# Containers that run a command and exit: a health check means nothing for them.
ONE_SHOT = {"airflow-init", "airflow-cli"}
# What a user's .env holds for a real account (docs/deployment.md).
REAL_ACCOUNT_ENV = {
    "AIRFLOW_UID": "1000",
    "AIRFLOW_CONN_AWS_DEFAULT": "aws://?region_name=eu-west-1",
    "AIRFLOW_IMAGE_NAME": "registry.example.com/vpcflow-airflow:1.0.0",
}
SCHEMA_SHA256 = "d549057ebc2925f39f62799eab0db7b9e2c18b35b6c00595199116da3ed10e64"


@pytest.fixture(scope="module")
def model():
    return files.compose()


@pytest.fixture(scope="module")
def services(model):
    return model["services"]


def test_vendored_schema_is_the_documented_copy():
    assert hashlib.sha256(files.SCHEMA.read_bytes()).hexdigest() == SCHEMA_SHA256, (
        "tests/deploy/schemas/compose-spec.json changed: update its README and SCHEMA_SHA256 together"
    )


@pytest.mark.parametrize("env", [{}, REAL_ACCOUNT_ENV], ids=["defaults", "real-account-env"])
def test_validates_against_the_compose_specification(env):
    schema = json.loads(files.SCHEMA.read_text())
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(files.compose(env)), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)


def test_every_service_the_pipeline_needs_is_there(services):
    missing = sorted(set(PIPELINE_SERVICES) - set(services))
    assert not missing, f"docker-compose.yaml lacks services {missing}"
    for name, command in PIPELINE_SERVICES.items():
        if command:
            assert services[name]["command"] == command, f"{name} should run `airflow {command}`"
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")


def test_airflow_runs_celery_on_postgres_and_redis(services):
    for name in AIRFLOW_SERVICES:
        env = files.service_environment(services[name])
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith(
            "postgresql+psycopg2://airflow:airflow@postgres/"
        )
        assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://:@redis:6379/")
        # Task tokens are signed by the api-server and checked by workers: one shared secret, one API URL.
        assert env["AIRFLOW__API_AUTH__JWT_SECRET"]
        assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/"


def test_airflow_services_run_the_vpcflow_image(services):
    for name in AIRFLOW_SERVICES:
        assert services[name]["image"] == "vpcflow-airflow:latest", name
        assert services[name]["build"] == ".", f"{name} must build from the repository's Dockerfile"
    assert services["localaws"]["image"] == "vpcflow-localaws:latest"
    assert services["localaws"]["build"] == {"context": ".", "target": "localaws"}
    custom = files.compose({"AIRFLOW_IMAGE_NAME": "registry.example.com/vpcflow:1.2.3"})["services"]
    assert {custom[name]["image"] for name in AIRFLOW_SERVICES} == {"registry.example.com/vpcflow:1.2.3"}


def test_workers_scale_with_the_scale_flag(services):
    worker = services["airflow-worker"]
    # `docker compose up --scale airflow-worker=3` needs no fixed name and no fixed host port.
    assert "container_name" not in worker
    assert not worker.get("ports")


def test_localaws_runs_only_with_the_local_profile(services):
    localaws = services["localaws"]
    assert localaws["profiles"] == ["local"]
    for name, service in services.items():
        if name != "localaws":
            assert "local" not in service.get("profiles", []), name
    # Its own image, built from the Dockerfile's localaws stage: the Airflow image carries no emulator.
    assert localaws["build"]["target"] == "localaws"
    assert localaws["image"] != services["airflow-worker"]["image"]
    command = [*localaws["entrypoint"], *localaws["command"]]
    assert command[:3] == ["python", "-m", "localaws"]
    assert command[command.index("--port") + 1] == "4566"
    # Other containers reach it over the compose network, so it listens on the container's interfaces.
    assert command[command.index("--host") + 1] == "0.0.0.0"


def test_every_long_running_service_has_a_health_check(services):
    without = sorted(
        name for name, s in services.items() if name not in ONE_SHOT and not s.get("healthcheck")
    )
    assert not without, f"services without a healthcheck: {without}"
    for name, service in services.items():
        if name not in ONE_SHOT:
            test = service["healthcheck"]["test"]
            assert test[0] in ("CMD", "CMD-SHELL") and len(test) > 1, name


def test_dependencies_wait_for_health_and_for_init(services):
    for name, service in services.items():
        for dependency, spec in files.depends_on(service).items():
            assert dependency in services, f"{name} depends on unknown service {dependency}"
            condition = spec["condition"]
            if dependency in ONE_SHOT:
                assert condition == "service_completed_successfully", f"{name} -> {dependency}"
            else:
                assert condition == "service_healthy", f"{name} -> {dependency}: {condition}"
    for name in AIRFLOW_SERVICES:
        if name not in ONE_SHOT:
            assert "airflow-init" in files.depends_on(services[name]), name
        # localaws is waited for when its profile is on, and ignored without it.
        assert files.depends_on(services[name])["localaws"].get("required") is False, name


def _published(service):
    for port in service.get("ports", []):
        if isinstance(port, dict):
            yield port.get("host_ip", ""), str(port.get("published", "")), str(port["target"])
        else:
            parts = str(port).split(":")
            if len(parts) == 3:
                yield parts[0], parts[1], parts[2]
            else:  # "8080:8080" or "8080" publish on every interface
                yield "", parts[0], parts[-1]


def test_published_ports_are_on_loopback_only(services):
    published = {name: list(_published(s)) for name, s in services.items() if s.get("ports")}
    for name, ports in published.items():
        for host_ip, host_port, _ in ports:
            assert host_ip == "127.0.0.1", f"{name} publishes {host_port} on {host_ip or 'every interface'}"
    assert published["airflow-apiserver"] == [("127.0.0.1", "8080", "8080")]
    assert published["localaws"] == [("127.0.0.1", "4566", "4566")]
    assert set(published) == {"airflow-apiserver", "localaws"}, "only the UI/API and localaws are published"


def test_airflow_services_mount_the_project_folders(services):
    wanted = {
        "./dags": "/opt/airflow/dags",
        "./plugins": "/opt/airflow/plugins",
        "./sql": "/opt/airflow/sql",
        "./lambdas": "/opt/airflow/lambdas",
        "./logs": "/opt/airflow/logs",
        "./config": "/opt/airflow/config",
    }
    for name in AIRFLOW_SERVICES:
        mounts = {}
        for volume in services[name]["volumes"]:
            source, target = volume.split(":")[:2]
            mounts[source] = target
        assert {source: mounts.get(source) for source in wanted} == wanted, name
    for source in ("dags", "plugins", "sql", "lambdas"):
        assert (files.REPO / source).is_dir(), f"{source}/ is mounted but missing from the repository"


def test_code_finds_sql_and_lambdas_where_they_are_mounted(services):
    env = files.service_environment(services["airflow-worker"])
    mounts = dict(v.split(":")[:2][::-1] for v in services["airflow-worker"]["volumes"])
    assert mounts[env["VPCFLOW_SQL_DIR"]] == "./sql"
    assert mounts[env["VPCFLOW_LAMBDAS_DIR"]] == "./lambdas"
    assert env["AIRFLOW_CONFIG"].startswith("/opt/airflow/config/")


def _airflow_connection(uri):
    """(conn_type, login, extra) of an Airflow connection URI, parsed as Airflow parses it
    (scheme://login:password@host:port/schema?extra_key=value); no Airflow import, so no 10 s start-up."""
    parts = urlsplit(uri)
    return parts.scheme, unquote(parts.username or ""), dict(parse_qsl(parts.query, keep_blank_values=True))


def test_aws_default_points_at_localaws_unless_env_says_otherwise(services):
    uri = files.service_environment(services["airflow-worker"])["AIRFLOW_CONN_AWS_DEFAULT"]
    conn_type, login, extra = _airflow_connection(uri)
    assert conn_type == "aws" and login == "testing", "localaws takes any keys; fake ones make that explicit"
    host, port = re.fullmatch(r"http://([a-z0-9-]+):(\d+)", extra["endpoint_url"]).groups()
    assert host == "localaws" and host in services
    localaws_command = services[host]["command"]
    assert port == localaws_command[localaws_command.index("--port") + 1]
    assert extra["region_name"]

    real = files.compose(REAL_ACCOUNT_ENV)["services"]
    for name in AIRFLOW_SERVICES:
        assert (
            files.service_environment(real[name])["AIRFLOW_CONN_AWS_DEFAULT"]
            == "aws://?region_name=eu-west-1"
        )


def test_env_file_reaches_the_containers_and_is_optional(services):
    for name in AIRFLOW_SERVICES:
        assert services[name]["env_file"] == [{"path": ".env", "required": False}], name


def test_every_variable_without_a_default_is_documented_in_env_example():
    documented = files.env_example()
    for name, op in files.variables(files.compose_text()):
        if op is None:
            assert name in documented, f"docker-compose.yaml uses ${{{name}}} without a default; document it"


def test_vpcflow_variables_set_anywhere_are_read_by_the_code():
    read = files.vpcflow_variables_read_by_code()
    sources = {
        "docker-compose.yaml": files.compose_text(),
        ".env.example": files.ENV_EXAMPLE.read_text(),
        "Dockerfile": files.DOCKERFILE.read_text(),
    }
    for where, text in sources.items():
        unknown = sorted(set(re.findall(r"\bVPCFLOW_[A-Z0-9_]+\b", text)) - read)
        assert not unknown, (
            f"{where} sets {unknown}, which no code under plugins/ dags/ lambdas/ localaws/ reads"
        )


def test_env_example_leaves_aws_default_unset_and_holds_no_keys():
    text = files.ENV_EXAMPLE.read_text()
    active = {k for k, v in files.env_example().items() if re.search(rf"^{k}=", text, re.MULTILINE)}
    # Unset means localaws; a real account is an explicit choice.
    assert "AIRFLOW_CONN_AWS_DEFAULT" not in active
    assert not re.search(r"AKIA[0-9A-Z]{16}", text), ".env.example must not contain an access key"


def test_localaws_accepts_the_flags_the_compose_service_passes(services, capsys):
    from localaws.__main__ import main

    with pytest.raises(SystemExit):
        main(["--help"])
    usage = capsys.readouterr().out
    flags = [arg for arg in services["localaws"]["command"] if arg.startswith("--")]
    missing = [flag for flag in flags if flag not in usage]
    assert not missing, f"python -m localaws does not accept {missing}"
