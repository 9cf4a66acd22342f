"""Where the forwarder's failed events wait: the SQS failure queue and the function's asynchronous
invocation config (retries, maximum event age, on-failure destination).

CloudWatch Logs invokes the forwarder asynchronously. Lambda retries an event that errors twice, keeps an
event for up to 6 hours, then discards it unless an on-failure destination takes its invocation record
(https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html,
https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html). The record carries the
original event as ``requestPayload``, which `vpcflow replay` sends to the function again.
"""

from __future__ import annotations

from typing import Any

from vpcflow.model.config import StackConfig
from vpcflow.provision.common import Result, delete_if_present, get_or_none, log, retry_propagation

# SetQueueAttributes: MessageRetentionPeriod is 60 to 1,209,600 seconds (14 days); the longest wait for an
# operator to replay (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html).
MAX_RETENTION_S = 1_209_600
# PutFunctionEventInvokeConfig: MaximumRetryAttempts 0-2, MaximumEventAgeInSeconds 60-21600; the largest
# values give a Firehose outage the most time to end before an event leaves Lambda's own queue.
MAX_RETRY_ATTEMPTS = 2
MAX_EVENT_AGE_S = 21_600
# How long SQS reuses a data key before calling KMS again (its default); only for SSE-KMS.
KMS_DATA_KEY_REUSE_S = 300


def queue_attributes(config: StackConfig) -> dict[str, str]:
    """The failure queue's settings: retention at its maximum; SSE-KMS with the stack's key, else SSE-SQS."""
    attributes = {"MessageRetentionPeriod": str(MAX_RETENTION_S)}
    if config.kms_key_arn:
        attributes |= {
            "KmsMasterKeyId": config.kms_key_arn,
            "KmsDataKeyReusePeriodSeconds": str(KMS_DATA_KEY_REUSE_S),
        }
    else:
        attributes["SqsManagedSseEnabled"] = "true"
    return attributes


def _drift(current: dict[str, str], want: dict[str, str]) -> dict[str, str]:
    changes = {k: v for k, v in want.items() if current.get(k) != v}
    if "KmsMasterKeyId" not in want and current.get("KmsMasterKeyId"):
        # From SSE-KMS back to SSE-SQS: the key goes, SQS-owned keys come.
        changes |= {"KmsMasterKeyId": "", "SqsManagedSseEnabled": "true"}
    if "KmsMasterKeyId" in want and current.get("SqsManagedSseEnabled") == "true" and changes:
        changes["SqsManagedSseEnabled"] = "false"  # only one server-side encryption per queue
    return changes


def queue_url(sqs: Any, name: str) -> str | None:
    return get_or_none(lambda: sqs.get_queue_url(QueueName=name)["QueueUrl"])


def ensure_failure_queue(sqs: Any, config: StackConfig, queue_arn: str) -> Result:
    """The standard queue (Lambda destinations refuse FIFO queues) with the retention and encryption of
    ``queue_attributes``; attributes that drifted are set again."""
    name, want = config.forwarder_failure_queue, queue_attributes(config)
    url = queue_url(sqs, name)
    if url is None:
        sqs.create_queue(QueueName=name, Attributes=want)
        log.info("created queue %s", name)
        return Result("created", queue_arn)
    current = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    changes = _drift(current, want)
    if not changes:
        return Result("unchanged", queue_arn)
    sqs.set_queue_attributes(QueueUrl=url, Attributes=changes)
    return Result("updated", queue_arn)


def waiting_messages(sqs: Any, url: str) -> int:
    """Messages the queue holds, visible or in flight (approximate, as SQS counts them)."""
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes.get("ApproximateNumberOfMessages", 0)) + int(
        attributes.get("ApproximateNumberOfMessagesNotVisible", 0)
    )


def delete_failure_queue(sqs: Any, config: StackConfig, delete_data: bool = False) -> Result:
    """Delete the queue; one that still holds failed events is kept unless ``delete_data``: those events are
    flow logs that reached no bucket yet (replay them first)."""
    name = config.forwarder_failure_queue
    url = queue_url(sqs, name)
    if url is None:
        return Result("absent", name)
    waiting = waiting_messages(sqs, url)
    if waiting and not delete_data:
        log.warning(
            "queue %s kept: it holds %d failed forwarder event(s); run `vpcflow replay`, or tear down with "
            "delete_data to discard them",
            name,
            waiting,
        )
        return Result("skipped", name)
    return delete_if_present(lambda: sqs.delete_queue(QueueUrl=url), name)


# -- the function's asynchronous invocation config ----------------------------------------------------


def event_invoke_config(queue_arn: str) -> dict[str, Any]:
    return {
        "MaximumRetryAttempts": MAX_RETRY_ATTEMPTS,
        "MaximumEventAgeInSeconds": MAX_EVENT_AGE_S,
        "DestinationConfig": {"OnFailure": {"Destination": queue_arn}},
    }


def _config_matches(current: dict[str, Any] | None, want: dict[str, Any]) -> bool:
    if current is None:
        return False
    destinations = current.get("DestinationConfig") or {}
    return (
        current.get("MaximumRetryAttempts") == want["MaximumRetryAttempts"]
        and current.get("MaximumEventAgeInSeconds") == want["MaximumEventAgeInSeconds"]
        and (destinations.get("OnFailure") or {}).get("Destination")
        == want["DestinationConfig"]["OnFailure"]["Destination"]
        and not (destinations.get("OnSuccess") or {}).get("Destination")
    )


def ensure_event_invoke_config(lam: Any, function: str, queue_arn: str) -> Result:
    """Retries, event age and the on-failure destination of the function's unqualified ($LATEST) config.

    Lambda checks that the execution role may send to the destination when the config is put, so a role
    whose policy was just updated may be refused for a moment; that refusal is retried like IAM
    propagation (vpcflow.provision.common.retry_propagation).
    """
    want = event_invoke_config(queue_arn)
    current = get_or_none(lambda: lam.get_function_event_invoke_config(FunctionName=function))
    if _config_matches(current, want):
        return Result("unchanged", function)
    # PutFunctionEventInvokeConfig replaces the whole config, so nothing set by hand lingers.
    retry_propagation(lambda: lam.put_function_event_invoke_config(FunctionName=function, **want))
    return Result("updated" if current else "created", function)


def delete_event_invoke_config(lam: Any, function: str) -> Result:
    return delete_if_present(lambda: lam.delete_function_event_invoke_config(FunctionName=function), function)
