"""Every DAG in dags/ imports cleanly, does no work at parse time, and follows the project's rules
(after airflow-core's tests/unit/always/test_example_dags.py)."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import pytest

DAGS = sorted(p for p in (Path(__file__).resolve().parents[2] / "dags").glob("*.py"))


def _load(path: Path):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(path), bundle_name="dags-folder")
    assert not bag.import_errors, bag.import_errors
    return bag


@pytest.mark.parametrize("path", DAGS, ids=lambda p: p.stem)
def test_dag_file_imports_without_connections_or_io(path):
    from airflow.sdk import BaseHook

    with mock.patch.object(
        BaseHook, "get_connection", side_effect=AssertionError("connection at parse time")
    ):
        bag = _load(path)
    assert path.stem in bag.dag_ids, "dag_id must equal the file stem"


@pytest.mark.parametrize("path", DAGS, ids=lambda p: p.stem)
def test_dag_rules(path):
    dag = _load(path).dags[path.stem]
    assert "vpcflow" in dag.tags
    assert dag.doc_md, "the DAG's docstring becomes its documentation"
    for task in dag.tasks:
        assert task.retries is not None


def test_hourly_has_a_real_data_interval(monkeypatch):
    from airflow.timetables.interval import CronDataIntervalTimetable

    monkeypatch.delenv("VPCFLOW_CATCHUP", raising=False)
    dag = _load(Path("dags/vpcflow_hourly.py")).dags["vpcflow_hourly"]
    assert isinstance(dag.timetable, CronDataIntervalTimetable), "a bare cron gives zero-width intervals"
    assert dag.timetable.summary == "0 * * * *"
    # unpausing a new stack starts no flood of runs for the hours before it; history comes by backfill
    assert dag.catchup is False
    monkeypatch.setenv("VPCFLOW_CATCHUP", "true")
    assert _load(Path("dags/vpcflow_hourly.py")).dags["vpcflow_hourly"].catchup is True
