"""The tables vpcflow_hourly keeps beside the flows, one Parquet object per hour each (quality, objects,
malformed): their columns (their DDL and the writing of their rows: vpcflow.model.hour_tables).
"""

from __future__ import annotations

from vpcflow.model.config import MALFORMED_PREFIX, MANIFEST_PREFIX, QUALITY_PREFIX, StackConfig
from vpcflow.model.hour_tables import HourTable


def hourly_tables(config: StackConfig) -> list[HourTable]:
    return [
        HourTable(
            config.quality_table,
            QUALITY_PREFIX,
            (
                ("check_name", "STRING"),
                ("value", "BIGINT"),
                ("ratio", "DOUBLE"),
                ("threshold", "DOUBLE"),
                ("passed", "BOOLEAN"),
                ("severity", "STRING"),
            ),
        ),
        HourTable(
            config.objects_table,
            MANIFEST_PREFIX,
            (
                ("object_key", "STRING"),
                ("etag", "STRING"),
                ("size", "BIGINT"),
                ("run_id", "STRING"),
                ("logical_date", "STRING"),
            ),
        ),
        HourTable(
            config.malformed_table,
            MALFORMED_PREFIX,
            (("object_key", "STRING"), ("line_number", "BIGINT"), ("line", "STRING")),
        ),
    ]


def table_named(config: StackConfig, name: str) -> HourTable:
    return next(t for t in hourly_tables(config) if t.name == name)
