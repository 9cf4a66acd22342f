"""Idempotent provisioning of a vpcflow stack with boto3: ensure_* create if missing, update if different,
otherwise make no write call, and return a ``Result(action, id)``.

Used by the vpcflow_provision and vpcflow_teardown DAGs; every function takes boto3 clients (or a
``Clients`` for a whole step) and a ``StackConfig``.
"""

from vpcflow.provision.catalog import (
    delete_database,
    delete_table,
    delete_workgroup,
    ensure_database,
    ensure_table,
    ensure_workgroup,
    parse_ddl,
    run_query,
)
from vpcflow.provision.common import CallRecorder, Clients, Result, is_write
from vpcflow.provision.delivery import (
    delete_delivery_stream,
    delete_flow_log,
    delete_log_group,
    delete_subscription_filter,
    ensure_delivery_stream,
    ensure_flow_log,
    ensure_log_group,
    ensure_log_stream,
    ensure_subscription_filter,
)
from vpcflow.provision.functions import (
    delete_lambda_function,
    delete_s3_notification,
    ensure_lambda_function,
    ensure_lambda_permission,
    ensure_s3_notification,
)
from vpcflow.provision.iam import delete_role, ensure_role, ensure_roles
from vpcflow.provision.packaging import code_sha256
from vpcflow.provision.quicksight import (
    ensure_dashboard,
    ensure_data_source,
    ensure_dataset,
)
from vpcflow.provision.stack import (
    LambdaCode,
    lambda_code,
    provision_catalog,
    provision_delivery,
    provision_functions,
    provision_quicksight,
    provision_roles,
    provision_stack,
    provision_storage,
    provision_wiring,
    stack_arns,
    summary,
    table_ddl,
)
from vpcflow.provision.storage import (
    ensure_bucket,
    ensure_bucket_encryption,
    ensure_bucket_policy,
    ensure_lifecycle,
    ensure_public_access_block,
)
from vpcflow.provision.teardown import teardown_stack

__all__ = [
    "CallRecorder",
    "Clients",
    "LambdaCode",
    "Result",
    "code_sha256",
    "delete_database",
    "delete_delivery_stream",
    "delete_flow_log",
    "delete_lambda_function",
    "delete_log_group",
    "delete_role",
    "delete_s3_notification",
    "delete_subscription_filter",
    "delete_table",
    "delete_workgroup",
    "ensure_bucket",
    "ensure_bucket_encryption",
    "ensure_bucket_policy",
    "ensure_dashboard",
    "ensure_data_source",
    "ensure_database",
    "ensure_dataset",
    "ensure_delivery_stream",
    "ensure_flow_log",
    "ensure_lambda_function",
    "ensure_lambda_permission",
    "ensure_lifecycle",
    "ensure_log_group",
    "ensure_log_stream",
    "ensure_public_access_block",
    "ensure_role",
    "ensure_roles",
    "ensure_s3_notification",
    "ensure_subscription_filter",
    "ensure_table",
    "ensure_workgroup",
    "is_write",
    "parse_ddl",
    "provision_catalog",
    "provision_delivery",
    "provision_functions",
    "provision_quicksight",
    "provision_roles",
    "provision_stack",
    "provision_storage",
    "provision_wiring",
    "run_query",
    "stack_arns",
    "summary",
    "table_ddl",
    "lambda_code",
    "teardown_stack",
]
