"""Shared fixtures: one localaws per test session, on a random loopback port."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import socket
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest
from localaws.server import LocalAWS

REGION = "us-east-1"

# No test may reach a real account: fake credentials and the default region, before any client exists.
os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SESSION_TOKEN="testing",
    AWS_DEFAULT_REGION=REGION,
)
os.environ.pop("AWS_PROFILE", None)

REPO = Path(__file__).resolve().parent.parent

# Airflow reads its configuration when first imported, so its home is fixed before any test module loads.
_AIRFLOW_HOME = tempfile.mkdtemp(prefix="vpcflow-airflow-")
atexit.register(shutil.rmtree, _AIRFLOW_HOME, ignore_errors=True)
os.environ.update(
    AIRFLOW_HOME=_AIRFLOW_HOME,
    AIRFLOW__CORE__DAGS_FOLDER=str(REPO / "dags"),
    AIRFLOW__CORE__PLUGINS_FOLDER=str(REPO / "plugins"),
    AIRFLOW__CORE__LOAD_EXAMPLES="False",
    AIRFLOW__CORE__UNIT_TEST_MODE="False",
    AIRFLOW__LOGGING__LOGGING_LEVEL="WARNING",
    # dag.test() only runs DAGs it finds in a bundle: the product's DAGs, and DAGs that exist for tests.
    AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST=json.dumps(
        [
            {
                "name": name,
                "classpath": "airflow.dag_processing.bundles.local.LocalDagBundle",
                "kwargs": {"path": path},
            }
            for name, path in (
                ("dags-folder", str(REPO / "dags")),
                ("test-dags", str(REPO / "tests" / "dags")),
            )
        ]
    ),
)


def free_port() -> int:
    """A port nothing listens on now, on 127.0.0.1 (for servers a test starts in other processes)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def stack_environment(config: Any) -> Iterator[Any]:
    """The ``VPCFLOW_*`` environment of ``config`` (a StackConfig) while the block runs: how a deployment
    names its stack, and the only way a DAG's tasks learn it."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in config.to_env().items():
            patch.setenv(name, value)
        yield config


@pytest.fixture(scope="session")
def localaws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalAWS]:
    with LocalAWS(port=0, state_dir=tmp_path_factory.mktemp("localaws")) as aws:
        yield aws


@pytest.fixture(scope="session")
def aws_client(localaws: LocalAWS) -> Callable[[str], Any]:
    """``aws_client("s3")``: a boto3 client for localaws."""

    def make(service: str) -> Any:
        return boto3.client(service, endpoint_url=localaws.endpoint, region_name=REGION)

    return make


@pytest.fixture
def unique() -> str:
    """A short unique suffix, so tests sharing one localaws never collide on names."""
    return uuid.uuid4().hex[:8]


@pytest.fixture(scope="session")
def airflow_db() -> str:
    """An initialised SQLite metadata database for ``dag.test()``; returns AIRFLOW_HOME."""
    from airflow.utils import db

    db.initdb()
    return _AIRFLOW_HOME


@pytest.fixture(scope="session")
def aws_conn(localaws: LocalAWS) -> str:
    """Airflow's ``aws_default`` connection pointed at localaws, as a user configures it."""
    os.environ["AIRFLOW_CONN_AWS_DEFAULT"] = (
        '{"conn_type": "aws", "login": "testing", "password": "testing", '
        f'"extra": {{"endpoint_url": "{localaws.endpoint}", "region_name": "{REGION}"}}}}'
    )
    return "aws_default"
