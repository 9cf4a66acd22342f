"""sql/hourly/ and sql/reports/ render for a fixed hour, as Airflow renders them, and parse as Athena SQL."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pendulum
import pytest
import sqlglot
from vpcflow import reports
from vpcflow.hourly.compaction import Target
from vpcflow.hourly.context import HourContext
from vpcflow.hourly.settings import RunSettings
from vpcflow.model.config import StackConfig
from vpcflow.model.sqlfiles import sql_dir

HOUR = pendulum.datetime(2026, 11, 26, 3, tz="UTC")
# Every field a report may read, and the four vpcflow needs.
RICH_FORMAT = "${srcaddr} ${dstaddr} ${action} ${log-status} ${bytes} " + " ".join(
    "${" + name + "}" for name in sorted({n for r in reports.REPORTS.values() for n in r.needs})
)
# sql/detections/ renders with a detection run, not an hour: tests/detections/test_sql.py parses it.
FILES = sorted(
    str(p.relative_to(sql_dir())) for p in Path(sql_dir()).glob("*/*.sql") if p.parent.name != "detections"
)


def render(name: str, **stack) -> str:
    """An hourly statement as its task renders it (``hour``), or a report as ``vpcflow query`` does."""
    config = StackConfig(**stack)
    folder, _, stem = name.partition("/")
    if folder == "reports":
        report = reports.get(stem.removesuffix(".sql"))
        extra = {"since": "2026-11-26-00"} if "since" in report.params else {}
        if report.needs:  # a report of version 3-8 fields: on a stack whose format has them
            config = dataclasses.replace(config, flow_log_format=RICH_FORMAT)
        return reports.render(report.name, config, **extra)
    return hour_sql(HourContext(config, RunSettings(), HOUR), stem.removesuffix(".sql"))


def hour_sql(hour: HourContext, task_id: str) -> str:
    """What the task renders: compact_hour with the target a try writes to."""
    extra = {"compaction": Target.for_try(hour, "try-1")} if task_id == "compact_hour" else {}
    return hour.sql(task_id, **extra)


@pytest.mark.parametrize("name", FILES)
@pytest.mark.parametrize("partition_type", ["Hour", "Day", "Month"])
def test_renders_and_parses_as_athena(name, partition_type):
    sql = render(name, partition_type=partition_type)
    assert "{{" not in sql and "{%" not in sql
    assert sqlglot.parse_one(sql, read="athena") is not None


def test_register_partition_uses_the_shared_mapping():
    assert render("hourly/register_partition.sql", partition_type="Day") == (
        "ALTER TABLE vpcflow.vpc_flow_logs ADD IF NOT EXISTS PARTITION (IngestDateTime='2026-11-26-00') "
        "LOCATION 's3://vpcflow-flow-logs/raw/2026/11/26/'"
    )


def test_quality_scan_narrows_a_day_partition_to_the_hour():
    by_hour = render("hourly/check_quality.sql", partition_type="Hour")
    by_day = render("hourly/check_quality.sql", partition_type="Day")
    assert "ingestdatetime = '2026-11-26-03'" in by_hour and "$path" not in by_hour
    assert "ingestdatetime = '2026-11-26-00'" in by_day
    assert "\"$path\" LIKE 's3://vpcflow-flow-logs/raw/2026/11/26/03/%'" in by_day


def test_unsafe_names_never_reach_sql():
    with pytest.raises(ValueError, match="bucket"):
        render("hourly/register_partition.sql", bucket="x'; DROP TABLE t; --")


def test_typed_partition_is_the_raw_partition_of_the_typed_companion():
    raw = render("hourly/register_partition.sql", partition_type="Day")
    typed = render("hourly/register_typed_partition.sql", partition_type="Day")
    assert typed == raw.replace("vpcflow.vpc_flow_logs ", "vpcflow.vpc_flow_logs_typed ")


def test_hourly_scans_read_the_typed_companion_not_the_blog_table():
    for name in ("hourly/check_quality.sql", "hourly/compact_hour.sql"):
        sql = render(name)
        assert "FROM vpcflow.vpc_flow_logs_typed\n" in sql and "FROM vpcflow.vpc_flow_logs\n" not in sql


def test_raw_partition_statement_refuses_a_table_that_is_not_over_the_raw_objects():
    with pytest.raises(ValueError, match="vpc_flow_logs_parquet"):
        HourContext(StackConfig(), RunSettings(), HOUR).add_raw_partition_sql("vpc_flow_logs_parquet")


def test_parquet_table_cannot_be_the_typed_companion():
    from vpcflow.model.config import ConfigError, StackConfig

    with pytest.raises(ConfigError, match="parquet_table"):
        StackConfig(parquet_table="vpc_flow_logs_typed")
