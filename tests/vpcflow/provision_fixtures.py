"""Fixtures shared by the test_provision*.py files: a moto account, recorded clients, a tiny Lambda zip."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import pytest
from moto import mock_aws
from vpcflow.model.config import StackConfig
from vpcflow.provision.common import CallRecorder, Clients
from vpcflow.provision.iam_policies import StackArns


def tiny_zip(body: str = "def handler(event, context):\n    return event\n") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("handler.py", date_time=(1980, 1, 1, 0, 0, 0)), body)
    return buffer.getvalue()


@dataclass
class Moto:
    clients: Clients
    recorder: CallRecorder
    config: StackConfig

    @property
    def arns(self) -> StackArns:
        return StackArns(self.config, self.clients.account, self.clients.region, self.clients.partition)

    def writes(self) -> list[tuple[str, str]]:
        return list(self.recorder.writes)

    def reset(self) -> None:
        self.recorder.clear()


# One session for every test: its loader caches the service models, so each client costs milliseconds.
SESSION = boto3.Session(region_name="us-east-1")


@pytest.fixture
def moto() -> Iterator[Moto]:
    with mock_aws():
        recorder = CallRecorder()
        clients = Clients(SESSION, region="us-east-1", recorder=recorder)
        config = StackConfig(bucket="vpcflow-test-bucket", quicksight=False)
        yield Moto(clients, recorder, config)
