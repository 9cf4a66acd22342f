"""Datapoints the services of localaws publish as AWS publishes its own (AWS/Lambda, AWS/SQS, AWS/Firehose).

They go straight into moto's CloudWatch backend, in-process, as AWS services publish without a
PutMetricData call of their own: GetMetricStatistics, GetMetricData and ListMetrics answer them like any
datapoint, and the alarm evaluator (evaluator.py) reads them there.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

log = logging.getLogger("localaws.cloudwatch")


def publish(
    account_id: str,
    region: str,
    namespace: str,
    metric: str,
    value: float,
    dimensions: Mapping[str, str],
    unit: str = "Count",
    timestamp: datetime | None = None,
) -> None:
    """One datapoint; a failure is logged, never raised, so a service's answer never depends on metrics."""
    from moto.cloudwatch.models import MetricDatum, cloudwatch_backends
    from moto.core.utils import utcnow

    try:
        backend = cloudwatch_backends[account_id][region]
        backend.metric_data.append(
            MetricDatum(
                namespace,
                metric,
                float(value),
                [{"Name": k, "Value": v} for k, v in dimensions.items()],
                timestamp or utcnow(),  # naive UTC, as moto stores every timestamp
                unit,
            )
        )
    except Exception as err:
        log.warning(
            "cloudwatch: could not record %s %s=%s %s: %s", namespace, metric, value, dict(dimensions), err
        )
