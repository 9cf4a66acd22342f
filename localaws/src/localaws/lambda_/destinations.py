"""Delivering an asynchronous invocation's record to its OnSuccess/OnFailure destination."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any


class DeliveryError(RuntimeError):
    """The record could not be delivered (a missing queue, topic, function or bus; an unemulated service)."""


def send(client: Callable[[str, str], Any], arn: str, record: dict[str, Any]) -> None:
    """Deliver ``record`` to SQS, SNS, Lambda or EventBridge through ``client(service, region)``.

    Runs on an async thread, so HTTP to this endpoint is safe. A failure raises DeliveryError naming the
    destination and the cause: Lambda then counts DestinationDeliveryFailures and the event is lost, as on
    AWS, so the caller must say so loudly.
    """
    service, region, account = arn.split(":")[2], arn.split(":")[3], arn.split(":")[4]
    body = json.dumps(record)
    try:
        if service == "sqs":
            sqs = client("sqs", region)
            url = sqs.get_queue_url(QueueName=arn.split(":")[5], QueueOwnerAWSAccountId=account)["QueueUrl"]
            sqs.send_message(QueueUrl=url, MessageBody=body)
        elif service == "sns":
            client("sns", region).publish(TopicArn=arn, Message=body)
        elif service == "lambda":
            client("lambda", region).invoke(FunctionName=arn, InvocationType="Event", Payload=body)
        elif service == "events":
            condition = record["requestContext"]["condition"]
            detail_type = (
                f"Lambda Function Invocation Result - {'Success' if condition == 'Success' else 'Failure'}"
            )
            client("events", region).put_events(
                Entries=[{"Source": "lambda", "DetailType": detail_type, "Detail": body, "EventBusName": arn}]
            )
        else:
            raise ValueError(f"destination service {service!r} is not emulated")
    except Exception as err:
        raise DeliveryError(f"could not deliver the invocation record to {arn}: {err}") from err
