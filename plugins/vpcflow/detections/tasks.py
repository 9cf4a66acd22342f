"""The Python bodies of vpcflow_detections' tasks. Clients come in from the DAG (AthenaHook, S3Hook, the
Security Hub client, an SNS publisher), so the same code runs on AWS and on localaws, and tests drive these
bodies without a scheduler."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from vpcflow.athena import Athena
from vpcflow.detections import delivery, engine
from vpcflow.detections.assets import hours_of_events
from vpcflow.detections.context import DetectionContext
from vpcflow.detections.settings import DetectionSettings, hours_from_conf
from vpcflow.detections.tables import FINDINGS, typed
from vpcflow.model.config import StackConfig

log = logging.getLogger(__name__)


def hours_to_judge(events: Iterable[Any], params: Mapping[str, Any]) -> list[str]:
    """The hours a run judges: those its asset events name, else (a manual run) its ``hours`` parameter."""
    asked = hours_from_conf(params)
    named = hours_of_events(events)
    hours = sorted(set(asked) | set(named))
    if not hours:
        raise ValueError(
            "nothing to judge: this run was triggered by no hour-compacted asset event and names no hours; "
            'trigger it with {"hours": ["2026-11-26-05"]} to judge hours again'
        )
    return hours


def detect(
    athena_client: Any, s3_client: Any, hours: list[str], run_id: str, **options: Any
) -> dict[str, Any]:
    """Judge ``hours`` (vpcflow.detections.engine.detect) with the deployment's settings; the run's report."""
    report = engine.detect(
        athena_client, s3_client, StackConfig(), DetectionSettings(), hours, run_id, **options
    )
    summary = report.as_dict()
    log.info(
        "judged %s: %d findings rows (%d new, %d escalated) by detector %s; %d bytes scanned in %d queries (%d per "
        "hour)",
        _span(report.judged), report.findings, report.new, report.escalated, report.by_detector,
        report.bytes_scanned, report.queries, report.bytes_scanned // max(len(report.judged), 1),
    )  # fmt: skip
    return summary


def findings_of(
    athena_client: Any, stack: StackConfig, hours: list[str], **options: Any
) -> list[dict[str, Any]]:
    """The findings rows of ``hours`` (the findings table is small; its hours' partitions only are read)."""
    if not hours:
        return []
    ctx = DetectionContext(stack, DetectionSettings(), tuple(hours))
    athena = Athena.for_stack(athena_client, stack, **options)
    rows = athena.query(f"SELECT * FROM {ctx.findings_table} WHERE ingestdatetime IN ({ctx.hours_sql})")
    return [typed(FINDINGS, r) for r in rows]


def deliver(
    athena_client: Any,
    s3_client: Any,
    securityhub: Any | None,
    publish: delivery.Publish | None,
    report: Mapping[str, Any],
    account: str,
    region: str,
    partition: str = "aws",
    **options: Any,
) -> dict[str, Any]:
    """Send the new and escalated findings of the run's rewritten hours; archive superseded ones."""
    stack = StackConfig()
    rows = findings_of(athena_client, stack, list(report["rewritten"]), **options)
    result = delivery.deliver(
        rows, list(report["superseded"]), s3_client, securityhub, publish, stack, DetectionSettings(), account,
        region, partition,
    )  # fmt: skip
    return result.as_dict()


def _span(hours: list[str]) -> str:
    if not hours:
        return "no hour"
    return hours[0] if len(hours) == 1 else f"{len(hours)} hours {hours[0]} .. {hours[-1]}"


def delivery_targets(aws_conn_id: str) -> dict[str, Any]:
    """From the Airflow connection: the Security Hub client, an SNS publisher to the stack's alerts topic,
    and the account, region and partition findings are imported into."""
    from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook
    from vpcflow.hourly.notify import topic_arn

    stack = StackConfig()
    hook = AwsBaseHook(aws_conn_id=aws_conn_id, client_type="sts")
    identity = hook.get_conn().get_caller_identity()
    topic = topic_arn(aws_conn_id, stack)  # once: a run may publish many findings
    sns = AwsBaseHook(aws_conn_id=aws_conn_id, client_type="sns").get_conn()

    def publish(subject: str, message: str) -> str:
        # SNS subjects are at most 100 characters.
        return sns.publish(TopicArn=topic, Subject=subject[:100], Message=message)["MessageId"]

    return {
        "securityhub": AwsBaseHook(aws_conn_id=aws_conn_id, client_type="securityhub").get_conn(),
        "publish": publish,
        "account": identity["Account"],
        "region": hook.conn_region_name,
        "partition": identity["Arn"].split(":")[1],
    }


def on_task_failure(context: Any) -> None:
    """A task of vpcflow_detections failed for good: say which run, which task and why (alerts topic)."""
    from vpcflow.hourly.notify import AWS_CONN_ID, publish

    ti, run = context["ti"], context["dag_run"]
    error = context.get("exception")
    subject = f"vpcflow: detections run failed in {ti.task_id}"
    text = f"{subject}\nDAG run: {run.dag_id} / {run.run_id} (try {ti.try_number})\n\n{type(error).__name__}: {error}"
    try:
        publish(AWS_CONN_ID, StackConfig(), subject, text)
    except Exception:  # the failure is recorded by Airflow already; this only says the alert was not sent
        log.exception("could not publish the failure of %s to the alerts topic:\n%s", run.run_id, text)
