"""HourlyConfig from DAG params, and when a run refreshes SPICE."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from vpcflow.hourly.settings import HourlyConfig
from vpcflow.hourly.tasks import spice_refresh_due
from vpcflow.model.config import ConfigError

END = datetime(2026, 11, 26, 4, tzinfo=UTC)


def test_params_round_trip():
    config = HourlyConfig()
    assert HourlyConfig.from_params(config.to_params()) == config


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"max_malformed_ratio": 2}, "max_malformed_ratio=2.0 is invalid"),
        ({"spice_refresh": "sometimes"}, "spice_refresh='sometimes' is invalid"),
        ({"min_objects": -1}, "min_objects=-1 is invalid"),
        ({"bucket": "Not_A_Bucket"}, "bucket='Not_A_Bucket' is invalid"),
        ({"tabel": "typo"}, "unknown hourly parameter"),
    ],
)
def test_bad_params_fail_with_the_parameter_named(params, message):
    with pytest.raises(ConfigError, match=message):
        HourlyConfig.from_params({**HourlyConfig().to_params(), **params})


def test_scheduled_and_manual_runs_refresh_every_hour():
    config = HourlyConfig()
    assert spice_refresh_due(config, "scheduled", END, {})
    assert spice_refresh_due(config, "manual", END, {})


def test_backfill_refreshes_once_at_its_last_hour():
    config = HourlyConfig()
    conf = {"backfill_to": "2026-11-26T04:00:00+00:00"}
    assert not spice_refresh_due(config, "backfill", datetime(2026, 11, 26, 2, tzinfo=UTC), conf)
    assert spice_refresh_due(config, "backfill", END, conf)
    assert not spice_refresh_due(config, "backfill", END, {}), "no end given: do not spend a refresh per hour"


def test_backfill_is_recognised_from_the_task_sdk_run_type():
    # What a task sees as context["dag_run"].run_type under a real scheduler (str() of it is not "backfill").
    from airflow.sdk.api.datamodels._generated import DagRunType

    conf = {"backfill_to": "2026-11-26T04:00:00+00:00"}
    early = datetime(2026, 11, 26, 2, tzinfo=UTC)
    assert not spice_refresh_due(HourlyConfig(), DagRunType.BACKFILL, early, conf)
    assert spice_refresh_due(HourlyConfig(), DagRunType.BACKFILL, END, conf)
    assert spice_refresh_due(HourlyConfig(), DagRunType.SCHEDULED, early, {})


def test_refresh_can_be_hourly_or_off():
    hourly = HourlyConfig.from_params({"spice_refresh": "hourly"})
    off = HourlyConfig.from_params({"spice_refresh": "off"})
    assert spice_refresh_due(hourly, "backfill", datetime(2026, 11, 26, 2, tzinfo=UTC), {})
    assert not spice_refresh_due(off, "scheduled", END, {})


def test_run_conf_keys_are_not_parameters():
    params = {**HourlyConfig().to_params(), "backfill_to": "2026-11-26T04:00:00+00:00"}
    assert HourlyConfig.from_params(params) == HourlyConfig()
