"""
### vpcflow_provision

Builds the whole vpcflow stack, idempotently: each task creates what is missing, updates what drifted,
and otherwise makes no write call, so triggering it again changes nothing and repairs what was changed
by hand. The parameters default to the `VPCFLOW_*` environment (vpcflow.model.config.StackConfig) and are
validated first, before anything is created.

1. **validate_params** — every parameter checked; the error names the bad one.
2. **ensure_storage** — S3 bucket: default encryption, public access block, TLS-only policy, lifecycle.
3. **ensure_roles** — least-privilege IAM roles for Firehose, both Lambdas (and VPC flow logs).
4. **ensure_delivery** — log groups with retention, the Firehose stream (GZIP, `raw/`, error prefix).
5. **ensure_functions** — cloudwatch_to_firehose and athena_partitioner from lambdas/ (code by CodeSha256).
6. **ensure_wiring** — log group -> Lambda subscription, optional S3 notification and VPC flow log.
7. **ensure_catalog** — Athena workgroup, Glue database, raw and Parquet tables from sql/.
8. **ensure_quicksight** — Athena data source, SPICE dataset, dashboard hook.

Each task returns `{resource: {"action": created|updated|unchanged|skipped, "id": ...}}` to XCom.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import dag, task
from vpcflow.model.config import StackConfig

AWS_CONN_ID = "aws_default"


@dag(
    schedule=None,
    catchup=False,
    params=StackConfig().to_params(),
    default_args={"retries": 2, "retry_delay": timedelta(seconds=30)},
    max_active_runs=1,
    tags=["vpcflow"],
    doc_md=__doc__,
)
def vpcflow_provision():
    @task(retries=0)
    def validate_params(params: dict | None = None) -> dict:
        return StackConfig.from_params(params or {}).to_params()

    @task
    def ensure_storage(stack: dict) -> dict:
        from vpcflow.provision.tasks import run_step

        return run_step("provision_storage", stack, AWS_CONN_ID)

    @task
    def ensure_roles(stack: dict) -> dict:
        from vpcflow.provision.tasks import run_step

        return run_step("provision_roles", stack, AWS_CONN_ID)

    @task
    def ensure_delivery(stack: dict) -> dict:
        from vpcflow.provision.tasks import run_step

        return run_step("provision_delivery", stack, AWS_CONN_ID)

    @task
    def ensure_functions(stack: dict) -> dict:
        from vpcflow.provision.tasks import run_step

        return run_step("provision_functions", stack, AWS_CONN_ID)

    @task
    def ensure_wiring(stack: dict) -> dict:
        from vpcflow.provision.tasks import run_step

        return run_step("provision_wiring", stack, AWS_CONN_ID)

    @task
    def ensure_catalog(stack: dict) -> dict:
        from vpcflow.provision.tasks import run_step

        return run_step("provision_catalog", stack, AWS_CONN_ID)

    @task
    def ensure_quicksight(stack: dict) -> dict:
        from vpcflow.provision.tasks import run_step

        return run_step("provision_quicksight", stack, AWS_CONN_ID)

    # Main flow: each step needs what the one before created (roles name the bucket, the stream the role...).
    stack = validate_params()
    storage = ensure_storage(stack)
    roles = ensure_roles(stack)
    delivery = ensure_delivery(stack)
    functions = ensure_functions(stack)
    wiring = ensure_wiring(stack)
    catalog = ensure_catalog(stack)
    quicksight = ensure_quicksight(stack)
    storage >> roles >> delivery >> functions >> wiring
    storage >> catalog >> quicksight


vpcflow_provision()
