"""Telling people about an hour: a failed hour (any task's last try) and an hour that passed with
warnings are published to the stack's alerts topic (SNS), the topic its alarms notify too."""

from __future__ import annotations

import logging
from typing import Any

from vpcflow.model.config import StackConfig

log = logging.getLogger(__name__)

AWS_CONN_ID = "aws_default"


def topic_arn(aws_conn_id: str, stack: StackConfig) -> str:
    """The alerts topic of the stack, in the connection's account and region."""
    from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

    hook = AwsBaseHook(aws_conn_id=aws_conn_id, client_type="sts")
    identity = hook.get_conn().get_caller_identity()
    partition = identity["Arn"].split(":")[1]
    return f"arn:{partition}:sns:{hook.conn_region_name}:{identity['Account']}:{stack.alerts_topic}"


def publish(aws_conn_id: str, stack: StackConfig, subject: str, message: str) -> str:
    """Publish to the alerts topic; returns the message id. SNS subjects are at most 100 characters."""
    from airflow.providers.amazon.aws.hooks.sns import SnsHook

    arn = topic_arn(aws_conn_id, stack)
    answer = SnsHook(aws_conn_id=aws_conn_id).publish_to_target(arn, message, subject[:100])
    log.info("published to %s: %s", arn, subject)
    return answer["MessageId"] if isinstance(answer, dict) else str(answer)


def on_task_failure(context: Any) -> None:
    """A task of vpcflow_hourly failed for good: say which hour, which task and why."""
    from vpcflow.hourly.context import HourContext

    ti, run = context["ti"], context["dag_run"]
    try:
        label = HourContext.from_airflow(context).label
    except ValueError as exc:  # the run's own settings are what failed
        label = f"(unknown: {exc})"
    error = context.get("exception")
    subject = f"vpcflow: hour {label} failed in {ti.task_id}"
    message = (
        f"{subject}\nDAG run: {run.dag_id} / {run.run_id} (try {ti.try_number})\n\n{type(error).__name__}: {error}"
        if error
        else subject
    )
    try:
        publish(AWS_CONN_ID, StackConfig(), subject, message)
    except Exception:  # the failure itself is already recorded by Airflow; this says the alert was not sent
        log.exception("could not publish the failure of hour %s to the alerts topic:\n%s", label, message)
