"""
### vpcflow_provision

Builds the whole vpcflow stack, idempotently: each task creates what is missing, updates what drifted,
and otherwise makes no write call, so triggering it again changes nothing and repairs what was changed
by hand. The stack (names, prefixes, buffering, retention...) is the deployment's `VPCFLOW_*`
environment (vpcflow.model.config.StackConfig): a run takes no parameters, and a conf is refused.

1. **check_stack** — every setting checked; the error names the bad one and its variable.
2. **ensure_storage** — S3 bucket: default encryption, public access block, TLS-only policy, lifecycle.
3. **ensure_roles** — least-privilege IAM roles for Firehose, both Lambdas (and VPC flow logs).
4. **ensure_delivery** — log groups with retention, the Firehose stream (GZIP, `raw/`, error prefix).
5. **ensure_functions** — cloudwatch_to_firehose and athena_partitioner from lambdas/ (code by CodeSha256).
6. **ensure_failure_handling** — the forwarder's failure queue (SQS, 14 days) as its on-failure destination
   (2 retries, 6 hours), the alerts topic (SNS) and the alarms that notify it.
7. **ensure_wiring** — log group -> Lambda subscription, optional S3 notification and VPC flow log.
8. **ensure_catalog** — Athena workgroup, Glue database, raw, typed and Parquet tables, saved reports.
9. **ensure_quicksight** — Athena data source, SPICE dataset, quality dataset, dashboard.

Each task returns `{resource: {"action": created|updated|unchanged|skipped, "id": ...}}` to XCom.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import chain, dag, get_current_context, task
from vpcflow.provision import stack as steps
from vpcflow.provision.tasks import check_run, step_task


@dag(
    schedule=None,
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(seconds=30)},
    max_active_runs=1,
    tags=["vpcflow"],
    doc_md=__doc__,
)
def vpcflow_provision():
    @task(retries=0)
    def check_stack() -> dict:
        return check_run(get_current_context()["params"], "vpcflow_provision").to_params()

    # Main flow: each step needs what the one before created (roles name the bucket, the stream the role...).
    storage = step_task(steps.provision_storage, "ensure_storage")
    chain(
        check_stack(),
        storage,
        step_task(steps.provision_roles, "ensure_roles"),
        step_task(steps.provision_delivery, "ensure_delivery"),
        step_task(steps.provision_functions, "ensure_functions"),
        step_task(steps.provision_failure_handling, "ensure_failure_handling"),
        step_task(steps.provision_wiring, "ensure_wiring"),
    )
    chain(
        storage,
        step_task(steps.provision_catalog, "ensure_catalog"),
        step_task(steps.provision_quicksight, "ensure_quicksight"),
    )


vpcflow_provision()
