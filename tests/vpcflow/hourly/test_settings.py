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


class _Run:
    run_type = "manual"
    run_after = datetime(2026, 11, 26, 5, 42, tzinfo=UTC)


def test_a_manual_run_processes_its_hour_param_or_the_latest_complete_hour():
    # Triggered without a logical date: no data interval.
    run = {"data_interval_start": None, "dag_run": _Run()}
    assert HourContext.from_airflow({**run, "params": {}}).label == "2026-11-26-04"
    chosen = HourContext.from_airflow({**run, "params": {"hour": "2026-11-25T22:00:00Z"}})
    assert chosen.label == "2026-11-25-22"
    # Triggered from the UI, which fills in the logical date: Airflow infers the latest complete hour, and
    # the hour param still chooses another
    inferred = {"data_interval_start": datetime(2026, 11, 26, 4, tzinfo=UTC), "dag_run": _Run()}
    assert HourContext.from_airflow({**inferred, "params": {}}).label == "2026-11-26-04"
    assert (
        HourContext.from_airflow({**inferred, "params": {"hour": "2026-11-20T01:00:00Z"}}).label
        == "2026-11-20-01"
    )
    with pytest.raises(ValueError, match="does not start on the hour"):
        HourContext.from_airflow({**run, "params": {"hour": "2026-11-25T22:30:00Z"}})
    with pytest.raises(ValueError, match="has no time zone"):
        HourContext.from_airflow({**run, "params": {"hour": "2026-11-25T22:00:00"}})


def test_an_hour_param_on_a_scheduled_run_is_refused_with_a_hint():
    class Scheduled:
        run_type = "scheduled"

    context = {
        "data_interval_start": datetime(2026, 11, 26, 3, tzinfo=UTC),
        "data_interval_end": datetime(2026, 11, 26, 4, tzinfo=UTC),
        "dag_run": Scheduled(),
        "params": {"hour": "2026-11-25T22:00:00Z"},
    }
    with pytest.raises(ValueError, match="is for manual runs.*Clear the run"):
        HourContext.from_airflow(context)


def _run(run_type, started: datetime | None = None):
    class Run:
        pass

    run = Run()
    run.run_type, run.start_date, run.run_after = run_type, started, END
    return run


def test_live_and_manual_runs_refresh_a_catch_up_only_at_its_latest_hour():
    settings = RunSettings()
    assert spice_refresh_due(settings, STACK, _run("manual"), END, {})
    # a scheduled run that starts soon after its hour ends: live
    assert spice_refresh_due(settings, STACK, _run("scheduled", END + timedelta(minutes=10)), END, {})
    # a scheduled run of a catch-up (it starts a day after its hour): no refresh of its own
    assert not spice_refresh_due(settings, STACK, _run("scheduled", END + timedelta(days=1)), END, {})
    assert not spice_refresh_due(settings, StackConfig(quicksight=False), _run("manual"), END, {})


def test_a_week_of_catch_up_refreshes_once_at_its_end():
    # GIVEN a stack unpaused a week late with catch-up on: 168 scheduled runs, all started at once
    week_end = datetime(2026, 11, 26, 0, tzinfo=UTC)
    started = week_end + timedelta(minutes=10)
    ends = [week_end - timedelta(hours=n) for n in range(167, -1, -1)]
    due = [
        end for end in ends if spice_refresh_due(RunSettings(), STACK, _run("scheduled", started), end, {})
    ]
    # THEN only the run of the latest hour refreshes (after the earlier ones settle: earlier_runs_settled)
    assert due == [week_end]


def test_backfill_refreshes_once_at_its_last_hour():
    settings = RunSettings()
    conf = {"backfill_to": "2026-11-26T04:00:00+00:00"}
    early = datetime(2026, 11, 26, 2, tzinfo=UTC)
    assert not spice_refresh_due(settings, STACK, _run("backfill"), early, conf)
    assert spice_refresh_due(settings, STACK, _run("backfill"), END, conf)
    assert not spice_refresh_due(settings, STACK, _run("backfill"), END, {}), (
        "no end given: do not spend a refresh per hour"
    )


def test_backfill_is_recognised_from_the_task_sdk_run_type():
    # What a task sees as context["dag_run"].run_type under a real scheduler (str() of it is not "backfill").
    from airflow.sdk.api.datamodels._generated import DagRunType

    conf = {"backfill_to": "2026-11-26T04:00:00+00:00"}
    early = datetime(2026, 11, 26, 2, tzinfo=UTC)
    assert not spice_refresh_due(RunSettings(), STACK, _run(DagRunType.BACKFILL), early, conf)
    assert spice_refresh_due(RunSettings(), STACK, _run(DagRunType.BACKFILL), END, conf)
    assert spice_refresh_due(RunSettings(), STACK, _run(DagRunType.SCHEDULED, END), END, {})


def test_refresh_can_be_hourly_or_off():
    hourly = RunSettings.from_params({"spice_refresh": "hourly"})
    off = RunSettings.from_params({"spice_refresh": "off"})
    assert spice_refresh_due(hourly, STACK, _run("backfill"), datetime(2026, 11, 26, 2, tzinfo=UTC), {})
    assert not spice_refresh_due(off, STACK, _run("manual"), END, {})


def test_the_daily_budget_is_counted_by_quicksight_and_respected(localaws, aws_client, unique):
    from vpcflow.hourly.tasks import refreshes_today, within_budget
    from vpcflow.provision.common import Clients
    from vpcflow.provision.stack import provision_catalog, provision_quicksight, provision_storage

    # GIVEN a stack whose budget is 2 refreshes a day, and 2 refreshes made
    stack = StackConfig.isolated("budget", unique[:6], spice_daily_budget=2)
    clients = Clients(endpoint_url=localaws.endpoint, region="us-east-1")
    for step in (provision_storage, provision_catalog, provision_quicksight):
        step(clients, stack)
    qs = aws_client("quicksight")
    before = refreshes_today(qs, stack, "123456789012")  # provisioning may start one of its own
    assert within_budget(qs, stack, "123456789012") == (before < 2)
    for n in range(2 - before):
        qs.create_ingestion(
            AwsAccountId="123456789012", DataSetId=stack.quicksight_dataset_id, IngestionId=f"i{n}"
        )
    # THEN the next refresh is not due, and says why
    assert refreshes_today(qs, stack, "123456789012") == 2
    assert not within_budget(qs, stack, "123456789012")


def test_run_conf_keys_are_not_settings():
    assert RunSettings.from_params({"backfill_to": "2026-11-26T04:00:00+00:00"}) == RunSettings()
