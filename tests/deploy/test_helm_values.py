"""deploy/helm/values.yaml for the official Airflow chart: the locked Airflow, the vpcflow image as built,
aws_default from a secret only, and IRSA on the pods that call AWS."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.deploy import deployfiles as files

IRSA = "eks.amazonaws.com/role-arn"


@pytest.fixture(scope="module")
def values():
    return yaml.safe_load(files.HELM_VALUES.read_text())


def test_runs_the_locked_airflow_with_celery(values):
    assert values["airflowVersion"] == files.locked_version("apache-airflow")
    assert values["executor"] == "CeleryExecutor"


def test_runs_a_pinned_vpcflow_image_with_the_code_baked_in(values):
    image = values["images"]["airflow"]
    assert "vpcflow" in image["repository"]
    assert image.get("digest") or (image["tag"] and image["tag"] != "latest"), "pin a tag or a digest"
    assert values["dags"]["gitSync"]["enabled"] is False
    assert values["dags"]["persistence"]["enabled"] is False


def test_aws_default_comes_from_a_secret_only(values):
    extra = yaml.safe_load(values["extraEnv"])
    conn = [e for e in extra if e["name"] == "AIRFLOW_CONN_AWS_DEFAULT"]
    assert len(conn) == 1 and set(conn[0]) == {"name", "valueFrom"}
    ref = conn[0]["valueFrom"]["secretKeyRef"]
    assert ref["name"] and ref["key"]
    assert "AIRFLOW_CONN_AWS_DEFAULT" not in {e["name"] for e in values.get("env", [])}
    assert not re.search(r"AKIA[0-9A-Z]{16}|aws_secret_access_key", files.HELM_VALUES.read_text(), re.I)


@pytest.mark.parametrize("component", ["workers", "triggerer"])
def test_pods_that_call_aws_assume_a_role_through_irsa(values, component):
    arn = values[component]["serviceAccount"]["annotations"][IRSA]
    assert re.fullmatch(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+", arn), arn


def test_vpcflow_settings_are_ones_the_code_reads(values):
    names = {e["name"] for e in values.get("env", []) if e["name"].startswith("VPCFLOW_")}
    unknown = sorted(names - files.vpcflow_variables_read_by_code())
    assert not unknown, f"values.yaml sets {unknown}, which vpcflow does not read"
