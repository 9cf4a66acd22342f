"""
### vpcflow_teardown

Deletes what vpcflow_provision created, in reverse order. Manual only, and it refuses to run unless the
`confirm` parameter equals the stack's name (`VPCFLOW_STACK_NAME`). The S3 bucket and its data stay unless
`delete_data` is true. Missing resources are fine: a second run finds nothing and succeeds.

1. **check_teardown** — the confirmation; a conf naming the stack's identity is refused.
2. **remove_quicksight** — dashboard, datasets, data source.
3. **remove_catalog** — tables and database (catalog entries only: the tables are EXTERNAL), workgroup.
4. **remove_wiring** — VPC flow log, subscription filter, S3 notification.
5. **remove_functions** — both Lambdas (their permissions go with them) and their log groups.
6. **remove_failure_handling** — alarms, alerts topic, and the forwarder's failure queue unless it still
   holds failed events (replay them first) and `delete_data` is false.
7. **remove_delivery** — the Firehose stream and the log groups.
8. **remove_roles** — the IAM roles and their inline policies.
9. **remove_storage** — the bucket with every object, only when `delete_data` is true.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import Param, chain, dag, get_current_context, task
from vpcflow.provision import teardown as steps
from vpcflow.provision.tasks import check_teardown, step_task


@dag(
    schedule=None,
    catchup=False,
    params={
        "confirm": Param(
            "", type="string", title="Confirm", description="Type the stack's name to delete it."
        ),
        "delete_data": Param(
            False, type="boolean", title="Delete data", description="Also delete the bucket and all its data."
        ),
    },
    default_args={"retries": 1, "retry_delay": timedelta(seconds=30)},
    max_active_runs=1,
    tags=["vpcflow"],
    doc_md=__doc__,
)
def vpcflow_teardown():
    @task(retries=0)
    def check_run() -> dict:
        return check_teardown(get_current_context()["params"])

    # Main flow: the reverse of vpcflow_provision.
    chain(
        check_run.override(task_id="check_teardown")(),
        step_task(steps.teardown_quicksight, "remove_quicksight"),
        step_task(steps.teardown_catalog, "remove_catalog"),
        step_task(steps.teardown_wiring, "remove_wiring"),
        step_task(steps.teardown_functions, "remove_functions"),
        step_task(steps.teardown_failure_handling, "remove_failure_handling", params=("delete_data",)),
        step_task(steps.teardown_delivery, "remove_delivery"),
        step_task(steps.teardown_roles, "remove_roles"),
        step_task(steps.teardown_storage, "remove_storage", params=("delete_data",)),
    )


vpcflow_teardown()
