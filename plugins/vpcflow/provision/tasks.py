"""What the vpcflow_provision and vpcflow_teardown DAG tasks call: one step, clients from an Airflow connection."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vpcflow.model.config import ConfigError, StackConfig
from vpcflow.provision.common import Clients


def clients_from_connection(aws_conn_id: str = "aws_default") -> Clients:
    """Clients with the connection's credentials, region, botocore config and endpoint_url (e.g. localaws).

    One hook and one boto3 session per task: every client of the step shares them.
    """
    from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

    hook = AwsBaseHook(aws_conn_id=aws_conn_id, client_type="sts")
    session = hook.get_session(region_name=hook.region_name)

    def factory(service: str) -> Any:
        return session.client(
            service,
            endpoint_url=hook.conn_config.get_service_endpoint_url(service_name=service),
            config=hook.config,
            verify=hook.verify,
        )

    return Clients(factory=factory)


def run_step(step: str, stack: Mapping[str, Any], aws_conn_id: str = "aws_default", **kwargs: Any) -> dict:
    """Run ``vpcflow.provision.stack.<step>`` or ``vpcflow.provision.teardown.<step>``; JSON-friendly results."""
    from vpcflow.provision import stack as provision_steps
    from vpcflow.provision import teardown as teardown_steps
    from vpcflow.provision.stack import summary

    module = teardown_steps if step.startswith("teardown_") else provision_steps
    function = getattr(module, step)
    return summary(function(clients_from_connection(aws_conn_id), StackConfig.from_params(stack), **kwargs))


def check_teardown_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """The stack's parameters, once ``confirm`` equals ``stack_name``; ``delete_data`` defaults to False."""
    params = dict(params)
    confirm, delete_data = params.pop("confirm", ""), params.pop("delete_data", False)
    config = StackConfig.from_params(params)
    if confirm != config.stack_name:
        raise ConfigError(
            f"confirm={confirm!r} does not match stack_name={config.stack_name!r}: set confirm to "
            "the stack name to delete the stack"
        )
    if not isinstance(delete_data, bool):
        raise ConfigError(f"delete_data must be a boolean, got {delete_data!r}")
    return {"stack": config.to_params(), "delete_data": delete_data}
