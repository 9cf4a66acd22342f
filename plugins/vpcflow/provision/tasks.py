"""How vpcflow_provision and vpcflow_teardown run: each task is one step of vpcflow.provision.stack or
vpcflow.provision.teardown, called with the stack of the environment and clients from an Airflow connection.

The stack's identity comes from the deployment's environment (``StackConfig()``), never from a run's conf:
a run that names it is refused before anything is created or deleted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from vpcflow.model.config import ConfigError, StackConfig, refuse_identity
from vpcflow.provision.common import Clients, Result

AWS_CONN_ID = "aws_default"

Step = Callable[..., Mapping[str, Result]]


def clients_from_connection(aws_conn_id: str = AWS_CONN_ID) -> Clients:
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


def summary(results: Mapping[str, Result]) -> dict[str, Any]:
    """JSON-friendly results for XCom and logs."""
    return {k: {"action": v.action, "id": v.id} for k, v in results.items()}


def check_run(params: Mapping[str, Any], dag_id: str, allowed: frozenset[str] = frozenset()) -> StackConfig:
    """The stack of the environment, once the run's params name nothing but ``allowed``."""
    refuse_identity(params, dag_id)
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise ConfigError(f"unknown {dag_id} parameter(s) {unknown}; a run may set {sorted(allowed)}")
    return StackConfig()


def check_teardown(params: Mapping[str, Any]) -> dict[str, Any]:
    """The stack to delete, once ``confirm`` equals its stack_name; ``delete_data`` defaults to False."""
    config = check_run(params, "vpcflow_teardown", frozenset({"confirm", "delete_data"}))
    confirm, delete_data = params.get("confirm", ""), params.get("delete_data", False)
    if confirm != config.stack_name:
        raise ConfigError(
            f"confirm={confirm!r} does not match stack_name={config.stack_name!r}: set confirm to "
            "the stack name to delete the stack"
        )
    if not isinstance(delete_data, bool):
        raise ConfigError(f"delete_data must be a boolean, got {delete_data!r}")
    return {"stack_name": config.stack_name, "bucket": config.bucket, "delete_data": delete_data}


def step_task(step: Step, task_id: str, params: tuple[str, ...] = (), **task_kwargs: Any) -> Any:
    """A TaskFlow task that runs ``step(clients, StackConfig(), **{p: params[p]})`` and returns what each
    resource's ensure or delete did."""
    from airflow.sdk import get_current_context, task

    @task(task_id=task_id, **task_kwargs)
    def run_step() -> dict[str, Any]:
        run_params = get_current_context()["params"]
        kwargs = {name: run_params[name] for name in params}
        return summary(step(clients_from_connection(), StackConfig(), **kwargs))

    run_step.__doc__ = step.__doc__
    return run_step()
