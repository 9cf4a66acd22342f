"""What a run of vpcflow_hourly may change (RunSettings), the hour it works on (HourContext), and when a run
refreshes SPICE."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from vpcflow.hourly.context import HourContext
from vpcflow.hourly.settings import RunSettings
from vpcflow.hourly.tasks import spice_refresh_due
from vpcflow.model.config import ConfigError, StackConfig

END = datetime(2026, 11, 26, 4, tzinfo=UTC)
STACK = StackConfig()


def test_values_round_trip():
    settings = RunSettings()
    assert RunSettings.from_params(settings.to_values()) == settings


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"max_malformed_ratio": 2}, "max_malformed_ratio=2.0 is invalid"),
        ({"spice_refresh": "sometimes"}, "spice_refresh='sometimes' is invalid"),
        ({"min_objects": -1}, "min_objects=-1 is invalid"),
        ({"grace_s": "soon"}, "grace_s='soon' is invalid"),
        ({"tabel": "typo"}, "unknown vpcflow_hourly setting"),
    ],
)
def test_bad_settings_fail_with_the_setting_named(params, message):
    with pytest.raises(ConfigError, match=message):
        RunSettings.from_params({**RunSettings().to_values(), **params})


@pytest.mark.parametrize("key", ["bucket", "raw_prefix", "parquet_prefix", "database", "parquet_table",
                                 "kms_key_arn", "quicksight_dataset_id", "buffer_interval_s"])  # fmt: skip
def test_a_conf_naming_the_stack_is_refused(key):
    # The case: raw_prefix='x/' with parquet_prefix='raw/' would have let compact_hour delete raw data.
    with pytest.raises(
        ConfigError, match=rf"\['{key}'\] belong to the stack's identity.*VPCFLOW_{key.upper()}"
    ):
        RunSettings.from_params({key: getattr(STACK, key)})


def test_the_trigger_form_has_at_most_ten_described_settings_in_sections():
    form = RunSettings().params()
    assert len(form) <= 10
    for name, param in form.items():
        schema = param.schema
        assert param.description, name
        assert schema.get("section"), name
        assert schema.get("type"), name
    assert form["spice_refresh"].schema["enum"] == ["hourly", "end_of_backfill", "off"]
    assert form["max_malformed_ratio"].schema["maximum"] == 1
    assert form["grace_s"].schema["minimum"] == 0


def test_settings_default_from_the_environment(monkeypatch):
    monkeypatch.setenv("VPCFLOW_HOUR_GRACE_S", "42")
    monkeypatch.setenv("VPCFLOW_MAX_DUPLICATE_RATIO", "0.5")
    settings = RunSettings()
    assert (settings.grace_s, settings.thresholds.duplicates) == (42, 0.5)
    monkeypatch.setenv("VPCFLOW_HOUR_GRACE_S", "later")
    with pytest.raises(ConfigError, match="VPCFLOW_HOUR_GRACE_S='later'"):
        RunSettings()


def test_hour_context_names_everything_from_the_stack_and_the_interval():
    hour = HourContext(
        StackConfig(partition_type="Day"), RunSettings(grace_s=60), datetime(2026, 11, 26, 3, tzinfo=UTC)
    )
    assert hour.label == "2026-11-26-03"
    assert hour.raw_partition.value == "2026-11-26-00", "a Day partition holds the hour"
    assert hour.raw_location == "s3://vpcflow-flow-logs/raw/2026/11/26/03/"
    assert hour.parquet_location == "s3://vpcflow-flow-logs/parquet/2026/11/26/03/"
    assert hour.quality_location == "s3://vpcflow-flow-logs/quality/2026/11/26/03/"
    assert hour.complete_at == datetime(2026, 11, 26, 4, tzinfo=UTC) + timedelta(seconds=300 + 60)
    assert not hour.partition_is_the_hour
    assert hour.manifest_location == "s3://vpcflow-flow-logs/manifests/2026/11/26/03/"
    assert hour.add_partition_sql("vpc_flow_logs_quality", hour.quality_location) == (
        "ALTER TABLE vpcflow.vpc_flow_logs_quality ADD IF NOT EXISTS PARTITION (IngestDateTime="
        "'2026-11-26-03') LOCATION 's3://vpcflow-flow-logs/quality/2026/11/26/03/'"
    )


def test_hour_context_is_the_utc_hour_of_any_aware_start():
    tokyo = timezone(timedelta(hours=9))
    hour = HourContext(STACK, RunSettings(), datetime(2026, 11, 26, 12, tzinfo=tokyo))
    assert hour.label == "2026-11-26-03"
    with pytest.raises(ValueError, match="timezone-aware"):
        HourContext(STACK, RunSettings(), datetime(2026, 11, 26, 3))
    with pytest.raises(ValueError, match="does not start on the hour"):
        HourContext(STACK, RunSettings(), datetime(2026, 11, 26, 3, 30, tzinfo=UTC))


def test_a_run_without_a_data_interval_is_refused_with_a_hint():
    with pytest.raises(ValueError, match="no data interval"):
        HourContext.from_airflow({"data_interval_start": None, "params": {}})


def test_scheduled_and_manual_runs_refresh_every_hour():
    settings = RunSettings()
    assert spice_refresh_due(settings, STACK, "scheduled", END, {})
    assert spice_refresh_due(settings, STACK, "manual", END, {})
    assert not spice_refresh_due(settings, StackConfig(quicksight=False), "manual", END, {})


def test_backfill_refreshes_once_at_its_last_hour():
    settings = RunSettings()
    conf = {"backfill_to": "2026-11-26T04:00:00+00:00"}
    assert not spice_refresh_due(settings, STACK, "backfill", datetime(2026, 11, 26, 2, tzinfo=UTC), conf)
    assert spice_refresh_due(settings, STACK, "backfill", END, conf)
    assert not spice_refresh_due(settings, STACK, "backfill", END, {}), (
        "no end given: do not spend a refresh per hour"
    )


def test_backfill_is_recognised_from_the_task_sdk_run_type():
    # What a task sees as context["dag_run"].run_type under a real scheduler (str() of it is not "backfill").
    from airflow.sdk.api.datamodels._generated import DagRunType

    conf = {"backfill_to": "2026-11-26T04:00:00+00:00"}
    early = datetime(2026, 11, 26, 2, tzinfo=UTC)
    assert not spice_refresh_due(RunSettings(), STACK, DagRunType.BACKFILL, early, conf)
    assert spice_refresh_due(RunSettings(), STACK, DagRunType.BACKFILL, END, conf)
    assert spice_refresh_due(RunSettings(), STACK, DagRunType.SCHEDULED, early, {})


def test_refresh_can_be_hourly_or_off():
    hourly = RunSettings.from_params({"spice_refresh": "hourly"})
    off = RunSettings.from_params({"spice_refresh": "off"})
    assert spice_refresh_due(hourly, STACK, "backfill", datetime(2026, 11, 26, 2, tzinfo=UTC), {})
    assert not spice_refresh_due(off, STACK, "scheduled", END, {})


def test_run_conf_keys_are_not_settings():
    assert RunSettings.from_params({"backfill_to": "2026-11-26T04:00:00+00:00"}) == RunSettings()
