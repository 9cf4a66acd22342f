"""Shared fixtures: one localaws per test session, on a random loopback port."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
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
