"""The whole stack in dependency order, as a few steps that DAG tasks can call one by one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from vpcflow.model.config import StackConfig
from vpcflow.provision import (
    alerts,
    catalog,
    delivery,
    failures,
    functions,
    history,
    iam,
    quicksight,
    storage,
)
from vpcflow.provision.common import Clients, Result
from vpcflow.provision.iam_policies import StackArns

FORWARDER = "cloudwatch_to_firehose"
PARTITIONER = "athena_partitioner"
LOGS_PERMISSION_SID = "vpcflow-logs-invoke"
S3_PERMISSION_SID = "vpcflow-s3-invoke"

Results = dict[str, Result]


@dataclass(frozen=True)
class LambdaCode:
    """A deployment zip and the handler inside it (``module.function``)."""

    zip_bytes: bytes
    handler: str = "handler.handler"


def lambda_code(names: tuple[str, ...] = (FORWARDER, PARTITIONER)) -> dict[str, LambdaCode]:
    """Deterministic zips of the repo's lambdas/ (vpcflow.provision.packaging), keyed like provision_functions wants."""
    from vpcflow.provision import packaging

    return {
        name: LambdaCode(packaging.build_lambda_zip(name), packaging.function(name).handler) for name in names
    }


def table_ddl(config: StackConfig) -> dict[str, str]:
    """The raw text table (the blog's DDL for the default format), its typed companion over the same
    objects (BIGINT packets/bytes/times, read by the hourly DAG), the Parquet table, and the tables the
    hourly run keeps beside the flows (quality, object manifests, malformed lines), the detections'
    findings, baselines and runs, and the enrichment's dimension tables, rendered."""
    from vpcflow.detections.tables import detection_tables
    from vpcflow.enrichment.tables import DIMENSION_TABLES
    from vpcflow.hourly.tables import hourly_tables
    from vpcflow.model import formats

    return {
        config.raw_table: formats.text_table_ddl(
            config.flow_log_format or None,
            location=config.raw_location,
            table=config.raw_table,
            database=config.database,
        ),
        config.typed_table: formats.typed_table_ddl(
            config.flow_log_format or None,
            location=config.raw_location,
            table=config.typed_table,
            database=config.database,
        ),
        config.parquet_table: formats.parquet_table_ddl(
            config.flow_log_format or None,
            location=config.parquet_location,
            table=config.parquet_table,
            database=config.database,
        ),
        **{table.name: table.ddl(config) for table in hourly_tables(config)},
        **{table.name: table.ddl(config) for table in detection_tables()},
        **{table.name: table.ddl(config) for table in DIMENSION_TABLES},
    }


def stack_arns(clients: Clients, config: StackConfig) -> StackArns:
    return StackArns(config, clients.account, clients.region, clients.partition)


def provision_storage(clients: Clients, config: StackConfig) -> Results:
    return {"bucket": storage.ensure_bucket(clients("s3"), config, stack_arns(clients, config))}


def provision_roles(clients: Clients, config: StackConfig) -> Results:
    return {f"role:{k}": v for k, v in iam.ensure_roles(clients("iam"), stack_arns(clients, config)).items()}


def lambda_log_group(function: str) -> str:
    return f"/aws/lambda/{function}"


def provision_delivery(clients: Clients, config: StackConfig) -> Results:
    """Log groups (with retention) and the Firehose delivery stream."""
    logs, arns = clients("logs"), stack_arns(clients, config)
    results = {}
    for group in (
        config.log_group,
        config.firehose_error_log_group,
        lambda_log_group(config.forwarder_function),
        lambda_log_group(config.partitioner_function),
    ):
        results[f"log_group:{group}"] = delivery.ensure_log_group(logs, group, config.log_retention_days)
    results["log_stream:firehose_errors"] = delivery.ensure_log_stream(
        logs, config.firehose_error_log_group, delivery.FIREHOSE_ERROR_LOG_STREAM
    )
    results["delivery_stream"] = delivery.ensure_delivery_stream(
        clients("firehose"), config, arns, arns.role(config.firehose_role)
    )
    return results


def lambda_environments(config: StackConfig) -> dict[str, dict[str, str]]:
    """The environment each Lambda reads (names as in the blog, plus the workgroup)."""
    return {
        FORWARDER: {"DELIVERY_STREAM_NAME": config.delivery_stream},
        PARTITIONER: {
            "PARTITION_TYPE": config.partition_type,
            "TABLE_NAME": f"{config.database}.{config.raw_table}",
            "S3_STAGING_DIR": config.athena_output_location,
            "ATHENA_WORKGROUP": config.workgroup,
        },
    }


def provision_functions(
    clients: Clients, config: StackConfig, code: Mapping[str, LambdaCode] | None = None
) -> Results:
    """Both Lambdas; ``code`` maps "cloudwatch_to_firehose" and "athena_partitioner" to their zips
    (default: built from lambdas/ by vpcflow.provision.packaging)."""
    code = lambda_code() if code is None else code
    missing = {FORWARDER, PARTITIONER} - set(code)
    if missing:
        raise ValueError(f"no deployment zip for Lambda(s) {sorted(missing)}")
    arns, env = stack_arns(clients, config), lambda_environments(config)
    names = {
        FORWARDER: (config.forwarder_function, config.forwarder_role),
        PARTITIONER: (config.partitioner_function, config.partitioner_role),
    }
    results = {}
    for key, (function, role) in names.items():
        results[f"function:{function}"] = functions.ensure_lambda_function(
            clients("lambda"),
            function,
            arns.role(role),
            code[key].zip_bytes,
            code[key].handler,
            config.lambda_runtime,
            env[key],
            config.lambda_timeout_s,
            config.lambda_memory_mb,
        )
    return results


def provision_failure_handling(clients: Clients, config: StackConfig) -> Results:
    """The forwarder's failure queue and asynchronous invocation config (2 retries, 6 hours, failed events to
    the queue), the alerts topic and the alarms that notify it, and Security Hub when detections enable it.
    Runs before the subscription, so the first event that fails already has somewhere to wait."""
    arns = stack_arns(clients, config)
    queue_arn = arns.queue(config.forwarder_failure_queue)
    topic_arn = arns.topic(config.alerts_topic)
    results = {
        "failure_queue": failures.ensure_failure_queue(clients("sqs"), config, queue_arn),
        "event_invoke_config": failures.ensure_event_invoke_config(
            clients("lambda"), config.forwarder_function, queue_arn
        ),
        "alerts_topic": alerts.ensure_alerts_topic(clients("sns"), config, topic_arn),
    }
    alarms = alerts.ensure_alarms(clients("cloudwatch"), config, topic_arn)
    from vpcflow.detections.provisioning import security_hub_results  # where detections' findings go

    return (
        results | {f"alarm:{name}": result for name, result in alarms.items()} | security_hub_results(clients)
    )


def provision_wiring(clients: Clients, config: StackConfig) -> Results:
    """Log group -> forwarder (permission + subscription), bucket -> partitioner, VPC -> log group."""
    arns, lam = stack_arns(clients, config), clients("lambda")
    results = {
        "permission:logs": functions.ensure_lambda_permission(
            lam,
            config.forwarder_function,
            LOGS_PERMISSION_SID,
            "logs.amazonaws.com",
            arns.log_group(config.log_group),
            arns.account,
        ),
        "subscription_filter": delivery.ensure_subscription_filter(
            clients("logs"),
            config.log_group,
            config.subscription_filter,
            config.filter_pattern,
            arns.function(config.forwarder_function),
        ),
    }
    if config.s3_notification:
        results["permission:s3"] = functions.ensure_lambda_permission(
            lam, config.partitioner_function, S3_PERMISSION_SID, "s3.amazonaws.com", arns.bucket, arns.account
        )
        results["s3_notification"] = functions.ensure_s3_notification(
            clients("s3"), config.bucket, arns.function(config.partitioner_function), config.raw_prefix
        )
    else:
        results["s3_notification"] = functions.delete_s3_notification(clients("s3"), config.bucket)
        if results["s3_notification"].action == "absent":
            results["s3_notification"] = Result("skipped", None)
    if config.vpc_id:
        results["flow_log"] = delivery.ensure_flow_log(
            clients("ec2"), config, arns.role(config.flow_log_role)
        )
    return results


def provision_catalog(clients: Clients, config: StackConfig, ddl: Mapping[str, str] | None = None) -> Results:
    """Workgroup, database, and one table per rendered DDL statement in ``ddl`` (name -> SQL text;
    default: ``table_ddl(config)``)."""
    arns = stack_arns(clients, config)
    ddl = table_ddl(config) if ddl is None else ddl
    results = {
        "workgroup": catalog.ensure_workgroup(clients("athena"), config, arns),
        "database": catalog.ensure_database(clients("glue"), config, arns),
    }
    for name, sql_text in ddl.items():
        results[f"table:{name}"] = catalog.ensure_table(
            clients("athena"), clients("glue"), sql_text, config.database, config.workgroup
        )
    migrated = history.migrate_partition_type(clients("glue"), clients("s3"), config)
    if migrated is not None:
        results["partitions:raw"] = Result("updated", f"{migrated} {config.partition_type} partitions")
    from vpcflow.provision.reports import ensure_named_queries  # the saved reports of sql/reports/

    results |= ensure_named_queries(clients("athena"), config)
    return results


def provision_quicksight(
    clients: Clients, config: StackConfig, dashboard_hook: quicksight.DashboardHook | None = None
) -> Results:
    if not config.quicksight:
        return {"quicksight": Result("skipped", None)}
    qs, account = clients("quicksight"), clients.account
    workgroup = catalog.ensure_workgroup(
        clients("athena"),
        config,
        stack_arns(clients, config),
        config.spice_workgroup,
        config.spice_bytes_scanned_cutoff,
    )
    source = quicksight.ensure_data_source(qs, config, account)
    columns = quicksight.table_columns(clients("glue"), config.database, config.parquet_table)
    dataset = quicksight.ensure_dataset(qs, config, account, source.id or "", columns)
    if dashboard_hook is None:  # the repo's dashboard definition (vpcflow.dashboard)
        from vpcflow.provision.dashboard import ensure_vpcflow_dashboard as dashboard_hook
    dashboard = quicksight.ensure_dashboard(qs, config, account, dataset.id or "", dashboard_hook)
    return {"spice_workgroup": workgroup, "data_source": source, "dataset": dataset, "dashboard": dashboard}


def provision_stack(
    clients: Clients,
    config: StackConfig,
    code: Mapping[str, LambdaCode] | None = None,
    ddl: Mapping[str, str] | None = None,
    dashboard_hook: quicksight.DashboardHook | None = None,
) -> Results:
    """Every step in order; a second call with the same inputs makes no write call."""
    results: Results = {}
    results |= provision_storage(clients, config)
    results |= provision_roles(clients, config)
    results |= provision_delivery(clients, config)
    results |= provision_functions(clients, config, code)
    results |= provision_failure_handling(clients, config)
    results |= provision_wiring(clients, config)
    results |= provision_catalog(clients, config, ddl)
    results |= provision_quicksight(clients, config, dashboard_hook)
    return results
