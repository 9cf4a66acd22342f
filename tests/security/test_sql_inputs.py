"""Every value that can reach SQL is validated before it does: the stack's environment (StackConfig), a
run's settings (RunSettings, which refuse the stack's names outright), identifiers, partition values and S3
locations. Injection attempts fail with an error that
names the parameter, long before a statement is built; and the statements refuse them again if a caller
skips the config (defence in depth)."""

from __future__ import annotations

import pendulum
import pytest
from vpcflow.hourly.context import HourContext
from vpcflow.hourly.settings import RunSettings
from vpcflow.model import partitions
from vpcflow.model.config import ConfigError, StackConfig
from vpcflow.model.sqlfiles import sql_dir

from tests.sql.test_hourly_sql import hour_sql

HOSTILE = [
    "x'; DROP TABLE vpc_flow_logs; --",
    "x' OR '1'='1",
    'x"; DROP TABLE t; --',
    "x%27; DROP TABLE t",
    "x` DROP",
    "x\\' --",
    "x /* c */",
    "x\nDROP TABLE t",
    "x;",
    "ʼ",  # U+02BC, a quote look-alike
]
# Params that end up in SQL text: identifiers, S3 locations, the partition granularity, the DDL's format.
SQL_PARAMS = [
    "bucket",
    "raw_prefix",
    "error_prefix",
    "parquet_prefix",
    "athena_results_prefix",
    "database",
    "raw_table",
    "parquet_table",
    "workgroup",
    "partition_type",
    "flow_log_format",
]


def _hostile_value(param: str, payload: str) -> str:
    """The payload where a valid value would be (prefixes must end in '/' to reach their other checks)."""
    return f"raw{payload}/" if param.endswith("_prefix") else payload


@pytest.mark.parametrize("payload", HOSTILE, ids=range(len(HOSTILE)))
@pytest.mark.parametrize("param", SQL_PARAMS)
def test_stack_params_reject_injection_naming_the_parameter(param, payload):
    with pytest.raises(ConfigError, match=param):
        StackConfig.from_params({param: _hostile_value(param, payload)})


@pytest.mark.parametrize("payload", HOSTILE, ids=range(len(HOSTILE)))
@pytest.mark.parametrize("param", SQL_PARAMS)
def test_stack_environment_rejects_injection_naming_the_variable(monkeypatch, param, payload):
    monkeypatch.setenv(f"VPCFLOW_{param.upper()}", _hostile_value(param, payload))
    with pytest.raises(ConfigError, match=f"VPCFLOW_{param.upper()}|{param}"):
        StackConfig()


@pytest.mark.parametrize("payload", HOSTILE, ids=range(len(HOSTILE)))
@pytest.mark.parametrize("param", ["grace_s", "min_objects", "outside_hour_tolerance_s", "spice_refresh",
                                   "max_malformed_ratio", "max_duplicate_ratio"])  # fmt: skip
def test_run_settings_reject_injection(param, payload):
    # outside_hour_tolerance_s is put into check_quality.sql as a number; the ratios are compared in Python
    with pytest.raises(ConfigError, match=param):
        RunSettings.from_params({param: _hostile_value(param, payload)})


@pytest.mark.parametrize("param", SQL_PARAMS)
def test_a_run_may_not_name_the_stack_at_all(param):
    # Not even a valid value: which bucket, prefix or table a run touches is the deployment's choice.
    with pytest.raises(ConfigError, match=f"belong to the stack's identity.*VPCFLOW_{param.upper()}"):
        RunSettings.from_params({param: getattr(StackConfig(), param)})


@pytest.mark.parametrize("value", ["nan", "inf", "-0.5", "1.5", "1e400"])
def test_ratio_params_must_be_real_shares(value):
    with pytest.raises(ConfigError, match="max_malformed_ratio"):
        RunSettings.from_params({"max_malformed_ratio": value})


@pytest.mark.parametrize("payload", HOSTILE, ids=range(len(HOSTILE)))
def test_partition_building_blocks_reject_injection(payload):
    with pytest.raises(partitions.PartitionError):
        partitions.validate_identifier(f"vpc{payload}")
    with pytest.raises(partitions.PartitionError):
        partitions.validate_table_name(f"db.t{payload}")
    with pytest.raises(partitions.PartitionError):
        partitions.validate_partition_value(f"2026-11-26-03{payload}")
    with pytest.raises(partitions.PartitionError):
        partitions.normalize_location(f"s3://bucket/raw{payload}/")


# --- the hourly SQL files, rendered for a stack whose validation was skipped ------------------------------
HOUR = pendulum.datetime(2026, 11, 26, 3, tz="UTC")
HOURLY_FILES = sorted(p.stem for p in (sql_dir() / "hourly").glob("*.sql"))


def _unchecked_stack(**values) -> StackConfig:
    """A StackConfig holding values its own validation would refuse (as if a caller bypassed it)."""
    config = StackConfig()
    for name, value in values.items():
        object.__setattr__(config, name, value)
    return config


@pytest.mark.parametrize("param", ["database", "raw_table", "parquet_table", "bucket", "raw_prefix"])
@pytest.mark.parametrize("name", HOURLY_FILES)
def test_hourly_statements_refuse_injected_names_even_without_validation(name, param):
    payload = _hostile_value(param, "x'; DROP TABLE vpc_flow_logs; --")
    hour = HourContext(_unchecked_stack(**{param: payload}), RunSettings(), HOUR)
    try:
        sql = hour_sql(hour, name)
    except partitions.PartitionError:
        return
    assert "DROP TABLE" not in sql, f"{name} rendered {param} into SQL:\n{sql}"
