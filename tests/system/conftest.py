"""Opt-in system tests against a real AWS account: gating, credentials, a unique stack, the vpcflow DAGs.

Nothing here touches the network unless VPCFLOW_SYSTEM_TESTS=1. tests/conftest.py replaces the
environment's AWS keys with fakes (no other test may reach an account), so real credentials come from a
named profile, VPCFLOW_SYSTEM_AWS_PROFILE: boto3 ignores environment keys once a profile is named.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
ENABLED = os.environ.get("VPCFLOW_SYSTEM_TESTS") == "1"
PROFILE = os.environ.get("VPCFLOW_SYSTEM_AWS_PROFILE") or None
REGION = os.environ.get("VPCFLOW_SYSTEM_AWS_REGION", "us-east-1")
# Rehearsal only: run the same test against a running localaws (`vpcflow local up`) before spending money.
ENDPOINT_URL = os.environ.get("VPCFLOW_SYSTEM_AWS_ENDPOINT_URL") or None
# QuickSight needs an account-level subscription, so it is tested only on request.
QUICKSIGHT = os.environ.get("VPCFLOW_SYSTEM_QUICKSIGHT", "0") == "1"
QUICKSIGHT_PRINCIPAL = os.environ.get("VPCFLOW_SYSTEM_QUICKSIGHT_PRINCIPAL", "")
DAG_IDS = ("vpcflow_provision", "vpcflow_hourly", "vpcflow_teardown")
SKIP_REASON = (
    "opt-in system test against a real AWS account: set VPCFLOW_SYSTEM_TESTS=1 and "
    "VPCFLOW_SYSTEM_AWS_PROFILE (see docs/deployment.md#system-tests-on-a-real-account)"
)


@dataclass(frozen=True)
class SystemStack:
    """One throwaway stack: every name carries the same random suffix, so runs never collide."""

    account: str
    suffix: str

    @property
    def params(self) -> dict[str, Any]:
        name = f"vpcflow-st-{self.suffix}"
        return {
            "stack_name": name,
            "bucket": f"{name}-{self.account}",  # bucket names are global
            "log_group": f"/vpcflow-st/{self.suffix}",
            "log_retention_days": 1,
            "delivery_stream": name,
            "buffer_size_mb": 1,
            "buffer_interval_s": 60,
            "workgroup": name,
            "database": f"vpcflow_st_{self.suffix}",
            "raw_expire_days": 1,
            "athena_results_expire_days": 1,
            "quicksight": QUICKSIGHT,
            "quicksight_principal": QUICKSIGHT_PRINCIPAL,
            "quicksight_data_source_id": f"{name}-source",
            "quicksight_dataset_id": f"{name}-flows",
            "quicksight_dashboard_id": f"{name}-dashboard",
        }

    def environment(self) -> dict[str, str]:
        """The same values as VPCFLOW_* defaults, so DAGs that take no conf (scheduled runs) see them too."""
        env = {
            f"VPCFLOW_{key.upper()}": str(value).lower() if isinstance(value, bool) else str(value)
            for key, value in self.params.items()
        }
        # dag.test() runs deferred triggers in-process; the Amazon provider's need aiobotocore, which
        # vpcflow's lock does not install. Real deployments keep deferrable operators (the image has it).
        env["VPCFLOW_DEFERRABLE"] = "false"
        extra = {
            "region_name": REGION,
            **({"profile_name": PROFILE} if PROFILE else {}),
            **({"endpoint_url": ENDPOINT_URL} if ENDPOINT_URL else {}),
        }
        env["AIRFLOW_CONN_AWS_DEFAULT"] = json.dumps({"conn_type": "aws", "extra": extra})
        return env


@dataclass(frozen=True)
class Account:
    session: Any  # boto3.Session
    id: str
    arn: str

    def client(self, service: str) -> Any:
        return self.session.client(service, endpoint_url=ENDPOINT_URL)


@pytest.fixture(scope="session")
def aws_account() -> Account:
    """The real account (STS GetCallerIdentity succeeded), or a skip that says why there is none."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        session = boto3.Session(profile_name=PROFILE, region_name=REGION)
        identity = session.client("sts", endpoint_url=ENDPOINT_URL).get_caller_identity()
    except (BotoCoreError, ClientError) as exc:
        pytest.skip(f"no usable AWS credentials (profile {PROFILE!r}, region {REGION}): {exc}")
    return Account(session=session, id=identity["Account"], arn=identity["Arn"])


@pytest.fixture(scope="session")
def system_stack(aws_account: Account) -> Iterator[SystemStack]:
    stack = SystemStack(account=aws_account.id, suffix=uuid.uuid4().hex[:8])
    saved = {key: os.environ.get(key) for key in stack.environment()}
    os.environ.update(stack.environment())
    try:
        yield stack
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="session")
def vpcflow_dags(system_stack: SystemStack, request: pytest.FixtureRequest) -> dict[str, Any]:
    """The three DAGs from dags/, parsed after the stack's settings are in the environment."""
    missing = [dag_id for dag_id in DAG_IDS if not (REPO / "dags" / f"{dag_id}.py").exists()]
    if missing:
        pytest.skip(f"dags/ has no {', '.join(missing)} yet")
    request.getfixturevalue("airflow_db")  # tests/conftest.py: the metadata DB that dag.test() needs
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(REPO / "dags"))
    errors = {path: error for path, error in bag.import_errors.items() if Path(path).stem in DAG_IDS}
    assert not errors, f"vpcflow DAGs failed to import: {errors}"
    return {dag_id: bag.get_dag(dag_id) for dag_id in DAG_IDS}
