"""vpcflow_hourly announces each compacted hour on the stack's asset, with the hour in the event's extra;
vpcflow_detections runs on that asset, judges exactly the hours its events (or a manual run) name, and
delivers what it found."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from airflow.sdk import DagRunState
from botocore.exceptions import ClientError
from vpcflow.detections.assets import hour_compacted
from vpcflow.detections.tasks import hours_to_judge
from vpcflow.model.config import ConfigError, StackConfig

from tests.conftest import stack_environment


@dataclass
class Event:
    extra: dict[str, Any] = field(default_factory=dict)
    source_dag_id: str = "vpcflow_hourly"
    source_run_id: str = "backfill__2026-11-26T05:00:00+00:00"
    timestamp: str = "2026-11-26T06:07:00+00:00"


def _dag(path: str, dag_id: str):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=path, bundle_name="dags-folder")
    assert not bag.import_errors, bag.import_errors
    return bag.dags[dag_id]


def test_compact_hour_announces_its_hour_on_the_stacks_asset(unique):
    from vpcflow.hourly.context import HourContext
    from vpcflow.hourly.settings import RunSettings

    config = StackConfig.isolated("asset", unique[:6])
    with stack_environment(config):
        hourly = _dag("dags/vpcflow_hourly.py", "vpcflow_hourly")
        detections = _dag("dags/vpcflow_detections.py", "vpcflow_detections")
        asset = hour_compacted()
        compact = hourly.get_task("compact_hour")
        # THEN compact_hour updates the stack's asset, and vpcflow_detections is scheduled on it
        assert compact.outlets == [asset]
        assert asset.uri == f"s3://{config.bucket}/{config.parquet_prefix}".rstrip("/")
        assert list(detections.timetable.asset_condition.objects) == [asset]
        # AND its post_execute hook puts the hour it compacted (and where) in the event's extra
        hour = HourContext(config, RunSettings(), datetime(2026, 11, 26, 5, tzinfo=UTC))
        (metadata,) = compact._post_execute_hook({"hour": hour, "run_id": "r1"}, {"location": "s3://b/p/x/"})
        assert metadata.asset == asset
        assert metadata.extra == {"hour": "2026-11-26-05", "run_id": "r1", "location": "s3://b/p/x/"}
    other = StackConfig.isolated("asset", f"{unique[:5]}x")
    with stack_environment(other):
        assert hour_compacted().name != asset.name, "two stacks in one Airflow never trigger each other"


def test_the_hours_judged_are_those_the_events_or_the_run_name():
    events = [
        Event({"hour": "2026-11-26-06"}),
        Event({"hour": "2026-11-26-05"}),
        Event({"hour": "2026-11-26-06"}),
    ]
    assert hours_to_judge(events, {"hours": []}) == ["2026-11-26-05", "2026-11-26-06"]
    assert hours_to_judge([], {"hours": ["2026-11-26T07"]}) == ["2026-11-26-07"]
    with pytest.raises(ValueError, match="no 'hour' in its extra"):
        hours_to_judge([Event({"note": "by hand"})], {"hours": []})
    with pytest.raises(ConfigError, match="stack's identity"):
        hours_to_judge([], {"hours": [], "bucket": "elsewhere"})
    with pytest.raises(ConfigError, match="unknown vpcflow_detections setting"):
        hours_to_judge([], {"hours": [], "min_ports": 1})
    with pytest.raises(ValueError, match="nothing to judge"):
        hours_to_judge([], {"hours": []})


def test_a_run_judges_its_hours_and_delivers_the_findings(sample, new_stack, airflow_db, aws_conn, localaws):
    # GIVEN a stack holding the sample, its hub enabled and its alerts topic made (as vpcflow_provision does)
    from tests.detections.test_engine import busiest_window

    hours = busiest_window(sample, 3)
    stack = new_stack("dagrun")
    stack.write(sample, hours)
    hub = boto3.client("securityhub", endpoint_url=localaws.endpoint, region_name="us-east-1")
    try:
        hub.enable_security_hub(EnableDefaultStandards=False)
    except ClientError as exc:
        assert exc.response["Error"]["Code"] == "ResourceConflictException"
    boto3.client("sns", endpoint_url=localaws.endpoint, region_name="us-east-1").create_topic(
        Name=stack.config.alerts_topic
    )
    with stack_environment(stack.config):
        dag = _dag("dags/vpcflow_detections.py", "vpcflow_detections")
        # WHEN a manual run asks for the hours (the asset's events would name them the same way)
        run = dag.test(run_conf={"hours": hours})
    # THEN it succeeded, judged exactly those hours, and delivered each finding to Security Hub
    assert run.state == DagRunState.SUCCESS, {ti.task_id: ti.state for ti in run.get_task_instances()}
    judged = stack.query(
        f'SELECT ingestdatetime FROM {stack.config.database}."vpc_flow_detection_runs$partitions"'
    )
    assert sorted(r["ingestdatetime"] for r in judged) == hours
    ids = {r["finding_id"] for r in stack.findings()}
    assert ids
    prefix = f"vpcflow/{stack.config.stack_name}/"
    pages = hub.get_paginator("get_findings").paginate(
        Filters={"Id": [{"Value": prefix, "Comparison": "PREFIX"}]}
    )
    assert {f["ProductFields"]["vpcflow/finding_id"] for page in pages for f in page["Findings"]} == ids
