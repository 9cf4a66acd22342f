"""Operators of vpcflow_hourly that do more than the Amazon provider's."""

from __future__ import annotations

from typing import Any

from airflow.providers.amazon.aws.hooks.s3 import S3Hook
from airflow.providers.amazon.aws.operators.athena import AthenaOperator

from vpcflow.hourly.settings import HourlyConfig


class ReplacingAthenaOperator(AthenaOperator):
    """compact_hour: every try empties hour H's Parquet partition before its INSERT. A try that failed
    after Athena wrote files (a late failure, a killed worker) would otherwise leave them for the retry to
    add to. In execute, not pre_execute: a resumed deferral runs pre_execute again, after the INSERT."""

    def execute(self, context: Any) -> Any:
        from vpcflow.hourly.tasks import clear_parquet_partition  # at run time, not when the DAG is parsed

        config = HourlyConfig.from_params(context["params"])
        clear_parquet_partition(
            S3Hook(aws_conn_id=self.aws_conn_id).get_conn(), config, context["data_interval_start"]
        )
        return super().execute(context)
