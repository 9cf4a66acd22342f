"""Gauges AWS services publish every minute whether or not anyone calls them, sampled when alarms are
evaluated: SQS queue depths and Firehose's DeliveryToS3.DataFreshness.

- AWS/SQS ApproximateNumberOfMessagesVisible, ...NotVisible, ...Delayed (dimension QueueName), from moto's
  queues (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html).
- AWS/Firehose DeliveryToS3.DataFreshness (dimension DeliveryStreamName): the age in seconds of the oldest
  record not yet in S3 (https://docs.aws.amazon.com/firehose/latest/dev/monitoring-with-cloudwatch-metrics.html),
  from localaws Firehose's buffers and the objects it is still retrying; a stream with nothing pending
  publishes nothing.
"""

from __future__ import annotations

from typing import Any

from localaws.cloudwatch.metrics import publish


def sample(account_id: str, region: str, services: dict[str, Any]) -> None:
    _sqs(account_id, region)
    firehose = services.get("firehose")
    if firehose is not None and hasattr(firehose, "data_freshness"):
        for stream, age in firehose.data_freshness(region).items():
            publish(
                account_id,
                region,
                "AWS/Firehose",
                "DeliveryToS3.DataFreshness",
                age,
                {"DeliveryStreamName": stream},
                "Seconds",
            )


def _sqs(account_id: str, region: str) -> None:
    from moto.sqs.models import sqs_backends

    backends = sqs_backends[account_id]
    if region not in dict(backends.items()):  # never used here: nothing to sample, and nothing to create
        return
    for name, queue in list(backends[region].queues.items()):
        for metric, value in (
            ("ApproximateNumberOfMessagesVisible", queue.approximate_number_of_messages),
            ("ApproximateNumberOfMessagesNotVisible", queue.approximate_number_of_messages_not_visible),
            ("ApproximateNumberOfMessagesDelayed", queue.approximate_number_of_messages_delayed),
        ):
            publish(account_id, region, "AWS/SQS", metric, value, {"QueueName": name})
