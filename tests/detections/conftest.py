"""A labelled sample shared by the detection tests: a day of benign look-alikes, then a day with an
incident of every kind (vpcflow.synthetic.scenario), written straight into Parquet tables of throwaway
stacks on the session's localaws. Generated once; each stack gets the same Parquet objects.

One day of history instead of a deployment's week: the detectors that need days of baselines are told
so (``HISTORY``), which the benchmark's weeks do not need."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from vpcflow.detections.tables import detection_tables
from vpcflow.model.config import StackConfig
from vpcflow.provision import catalog
from vpcflow.provision.common import Clients
from vpcflow.provision.stack import provision_storage, stack_arns, table_ddl
from vpcflow.synthetic.scenario import Scenario, ScenarioConfig, build_scenario

START = "2026-11-02"
HISTORY = {
    "VPCFLOW_DETECT_CAPTURE_HEALTH_MIN_HISTORY_DAYS": "1",
    "VPCFLOW_DETECT_FIRST_SEEN_PEER_MIN_HISTORY_HOURS": "12",
}
OPTIONS = {"first_poll_s": 0.02, "max_poll_s": 0.05}


@dataclass
class Sample:
    scenario: Scenario
    parquet: dict[str, bytes]  # hour label -> the hour's Parquet object

    @property
    def labels(self) -> list[str]:
        return sorted(self.parquet)

    @property
    def history(self) -> list[str]:
        start = f"{self.scenario.scored_from:%Y-%m-%d-%H}"
        return [h for h in self.labels if h < start]

    @property
    def scored(self) -> list[str]:
        return [h for h in self.labels if h not in self.history]


@pytest.fixture(scope="session")
def sample() -> Iterator[Sample]:
    from vpcflow.synthetic.parquet_sink import parquet_bytes

    scenario = build_scenario(START, ScenarioConfig(seed=7, records_per_hour=500, history_days=1, days=1))
    parquet = {f"{b.hour:%Y-%m-%d-%H}": parquet_bytes(b) for b in scenario.batches()}
    environment = {**scenario.environment(), **HISTORY}  # the allowlists the sample's estate is deployed with
    saved = {k: os.environ.get(k) for k in environment}
    os.environ.update(environment)
    yield Sample(scenario, parquet)
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@dataclass
class Stack:
    config: StackConfig
    clients: Clients

    def write(self, sample: Sample, hours: list[str]) -> None:
        """These hours' Parquet objects, published as compact_hour publishes an hour."""
        from vpcflow.detections.hours import to_datetime
        from vpcflow.hourly.compaction import Target, publish
        from vpcflow.hourly.context import HourContext
        from vpcflow.hourly.settings import RunSettings

        s3, glue = self.clients("s3"), self.clients("glue")
        for label in hours:
            hour = HourContext(self.config, RunSettings(), to_datetime(label))
            target = Target.for_try(hour, f"sample-{label}")
            bucket, _, prefix = target.location.removeprefix("s3://").partition("/")
            s3.put_object(Bucket=bucket, Key=f"{prefix}part-00000.parquet", Body=sample.parquet[label])
            publish(glue, s3, hour, target)

    def detect(self, hours: list[str], run_id: str = "test") -> Any:
        from vpcflow.detections.engine import detect
        from vpcflow.detections.settings import DetectionSettings

        return detect(
            self.clients("athena"),
            self.clients("s3"),
            self.config,
            DetectionSettings(),
            hours,
            run_id,
            **OPTIONS,
        )

    def query(self, sql: str) -> list[dict[str, Any]]:
        from vpcflow.athena import Athena

        return Athena.for_stack(self.clients("athena"), self.config, **OPTIONS).query(sql)

    def findings(self) -> list[dict[str, Any]]:
        return self.query(f"SELECT * FROM {self.config.database}.vpc_flow_findings")


@pytest.fixture(scope="session")
def new_stack(localaws) -> Callable[[str], Stack]:
    def make(label: str) -> Stack:
        import uuid

        config = StackConfig.isolated(label, uuid.uuid4().hex[:6], quicksight=False)
        clients = Clients(endpoint_url=localaws.endpoint, region="us-east-1")
        provision_storage(clients, config)
        # Only the tables detections read and write (the whole catalog, saved reports included, takes
        # seconds more per stack).
        arns = stack_arns(clients, config)
        catalog.ensure_workgroup(clients("athena"), config, arns)
        catalog.ensure_database(clients("glue"), config, arns)
        ddl = table_ddl(config)
        for name in (config.parquet_table, *(t.name for t in detection_tables())):
            catalog.ensure_table(
                clients("athena"), clients("glue"), ddl[name], config.database, config.workgroup
            )
        return Stack(config, clients)

    return make


@pytest.fixture(scope="session")
def backfilled(sample, new_stack) -> Stack:
    """Every hour of the sample judged in one run, as a backfill's detections run judges them."""
    stack = new_stack("detect")
    stack.write(sample, sample.labels)
    stack.detect(sample.labels, "backfill")
    return stack
