"""Every value that can reach SQL is validated before it does: DAG params (StackConfig/HourlyConfig
from_params), identifiers, partition values and S3 locations. Injection attempts fail with an error that
names the parameter, long before a statement is built; and the statements refuse them again if a caller
skips the config (defence in depth)."""

from __future__ import annotations

import jinja2
import pendulum
import pytest
from vpcflow.hourly.macros import MACROS
from vpcflow.hourly.settings import HourlyConfig
from vpcflow.model import partitions
from vpcflow.model.config import ConfigError, StackConfig
from vpcflow.model.sqlfiles import sql_dir

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
@pytest.mark.parametrize("param", [*SQL_PARAMS, "grace_s", "min_objects", "outside_hour_tolerance_s",
                                   "spice_refresh", "max_malformed_ratio", "max_duplicate_ratio"])  # fmt: skip
def test_hourly_params_reject_injection(param, payload):
    # outside_hour_tolerance_s is put into check_quality.sql as a number; the ratios are compared in Python
    with pytest.raises(ConfigError):
        HourlyConfig.from_params({**HourlyConfig().to_params(), param: _hostile_value(param, payload)})


@pytest.mark.parametrize("value", ["nan", "inf", "-0.5", "1.5", "1e400"])
def test_ratio_params_must_be_real_shares(value):
    with pytest.raises(ConfigError, match="max_malformed_ratio"):
        HourlyConfig.from_params({"max_malformed_ratio": value})


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


# --- the hourly SQL files, rendered with params that skipped validate_params -------------------------------
HOUR = pendulum.datetime(2026, 11, 26, 3, tz="UTC")
HOURLY_FILES = sorted(p.name for p in (sql_dir() / "hourly").glob("*.sql"))
# Statements that put these params into SQL without a validating macro rely on the DAG's validate_params
# task alone (every other task runs downstream of it).
UNGUARDED = {("summarise_hour.sql", "database"), ("summarise_hour.sql", "parquet_table")}


def _render(name: str, **overrides) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(sql_dir())), undefined=jinja2.StrictUndefined)
    params = {**HourlyConfig().to_params(), **overrides}
    return env.get_template(f"hourly/{name}").render(
        params=params, data_interval_start=HOUR, data_interval_end=HOUR.add(hours=1), **MACROS
    )


@pytest.mark.parametrize("param", ["database", "raw_table", "parquet_table", "bucket", "raw_prefix"])
@pytest.mark.parametrize("name", HOURLY_FILES)
def test_hourly_statements_refuse_injected_params_even_without_validate_params(request, name, param):
    uses = (
        param in (sql_dir() / "hourly" / name).read_text()
        or "(params" in (sql_dir() / "hourly" / name).read_text()
    )
    if not uses:
        pytest.skip(f"{name} does not use params.{param}")
    if (name, param) in UNGUARDED:
        request.applymarker(
            pytest.mark.xfail(strict=True, reason=f"{name} puts params.{param} in SQL unchecked")
        )
    payload = _hostile_value(param, "x'; DROP TABLE vpc_flow_logs; --")
    try:
        sql = _render(name, **{param: payload})
    except (ConfigError, partitions.PartitionError):
        return
    assert "DROP TABLE" not in sql, f"{name} rendered params.{param} into SQL:\n{sql}"
