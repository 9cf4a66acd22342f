"""
### vpcflow_teardown

Deletes what vpcflow_provision created, in reverse order. Manual only, and it refuses to run unless the
`confirm` parameter equals `stack_name`. The S3 bucket and its data stay unless `delete_data` is true.
Missing resources are fine: a second run finds nothing and succeeds.

1. **validate_params** — the stack's parameters, and the confirmation.
2. **remove_quicksight** — dashboard, dataset, data source.
3. **remove_catalog** — tables and database (catalog entries only: the tables are EXTERNAL), workgroup.
4. **remove_wiring** — VPC flow log, subscription filter, S3 notification.
5. **remove_functions** — both Lambdas (their permissions go with them) and their log groups.
6. **remove_delivery** — the Firehose stream and the log groups.
7. **remove_roles** — the IAM roles and their inline policies.
8. **remove_storage** — the bucket with every object, only when `delete_data` is true.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import Param, dag, task
from vpcflow.model.config import StackConfig

AWS_CONN_ID = "aws_default"


@dag(
    schedule=None,
    catchup=False,
    params={
        **StackConfig().to_params(),
        "confirm": Param("", type="string", description="Type the stack_name to confirm the deletion."),
        "delete_data": Param(False, type="boolean", description="Also delete the bucket and all its data."),
    },
    default_args={"retries": 1, "retry_delay": timedelta(seconds=30)},
    max_active_runs=1,
    tags=["vpcflow"],
    doc_md=__doc__,
)
def vpcflow_teardown():
    @task(retries=0)
    def validate_params(params: dict | None = None) -> dict:
        from vpcflow.provision.tasks import check_teardown_params

        return check_teardown_params(params or {})

    @task
    def remove_quicksight(checked: dict) -> dict:
        from vpcflow.provision.tasks import run_step

        return run_step("teardown_quicksight", checked["stack"], AWS_CONN_ID)

    @task
    def remove_catalog(checked: dict) -> dict:
        from vpcflow.provision.tasks import run_step

        return run_step("teardown_catalog", checked["stack"], AWS_CONN_ID)

    @task
    def remove_wiring(checked: dict) -> dict:
        from vpcflow.provision.tasks import run_step

        return run_step("teardown_wiring", checked["stack"], AWS_CONN_ID)

    @task
    def remove_functions(checked: dict) -> dict:
        from vpcflow.provision.tasks import run_step

        return run_step("teardown_functions", checked["stack"], AWS_CONN_ID)

    @task
    def remove_delivery(checked: dict) -> dict:
        from vpcflow.provision.tasks import run_step

        return run_step("teardown_delivery", checked["stack"], AWS_CONN_ID)

    @task
    def remove_roles(checked: dict) -> dict:
        from vpcflow.provision.tasks import run_step

        return run_step("teardown_roles", checked["stack"], AWS_CONN_ID)

    @task
    def remove_storage(checked: dict) -> dict:
        from vpcflow.provision.tasks import run_step

        return run_step("teardown_storage", checked["stack"], AWS_CONN_ID, delete_data=checked["delete_data"])

    # Main flow: the reverse of vpcflow_provision.
    checked = validate_params()
    (
        remove_quicksight(checked)
        >> remove_catalog(checked)
        >> remove_wiring(checked)
        >> remove_functions(checked)
        >> remove_delivery(checked)
        >> remove_roles(checked)
        >> remove_storage(checked)
    )


vpcflow_teardown()
