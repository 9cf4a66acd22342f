"""Delete what provisioning created, in reverse order. Missing things are fine; S3 data stays unless asked."""

from __future__ import annotations

from typing import Any

from vpcflow.model.config import StackConfig
from vpcflow.model.s3_batch import delete_keys
from vpcflow.provision import alerts, catalog, delivery, failures, functions, iam, quicksight
from vpcflow.provision.common import Clients, Result, get_or_none
from vpcflow.provision.dashboard import delete_findings_dataset, delete_quality_dataset
from vpcflow.provision.stack import Results, lambda_log_group, stack_arns


def teardown_quicksight(clients: Clients, config: StackConfig) -> Results:
    if not config.quicksight:
        return {}
    qs, account = clients("quicksight"), clients.account
    return {
        "dashboard": quicksight.delete_dashboard(qs, config, account),
        "quality_dataset": delete_quality_dataset(qs, config, account),
        "findings_dataset": delete_findings_dataset(qs, config, account),
        "dataset": quicksight.delete_dataset(qs, config, account),
        "data_source": quicksight.delete_data_source(qs, config, account),
        "spice_workgroup": catalog.delete_workgroup(clients("athena"), config.spice_workgroup),
    }


def teardown_catalog(clients: Clients, config: StackConfig) -> Results:
    """Tables and database (catalog entries only: the tables are EXTERNAL), then the workgroup."""
    glue = clients("glue")
    results = {}
    from vpcflow.detections.tables import detection_tables
    from vpcflow.enrichment.tables import DIMENSION_TABLES
    from vpcflow.hourly.tables import hourly_tables

    tables = [t.name for t in DIMENSION_TABLES] + [t.name for t in detection_tables()]
    tables += [t.name for t in hourly_tables(config)] + [
        config.parquet_table,
        config.typed_table,
        config.raw_table,
    ]
    for table in tables:
        results[f"table:{table}"] = catalog.delete_table(
            clients("athena"), glue, config.database, table, config.workgroup
        )
    results["database"] = catalog.delete_database(glue, config.database)
    results["workgroup"] = catalog.delete_workgroup(clients("athena"), config.workgroup)
    return results


def teardown_wiring(clients: Clients, config: StackConfig) -> Results:
    return {
        "flow_log": delivery.delete_flow_log(clients("ec2"), config),
        "subscription_filter": delivery.delete_subscription_filter(
            clients("logs"), config.log_group, config.subscription_filter
        ),
        "s3_notification": functions.delete_s3_notification(clients("s3"), config.bucket),
    }


def teardown_functions(clients: Clients, config: StackConfig) -> Results:
    """The functions (their permissions go with them) and their log groups."""
    logs = clients("logs")
    results = {}
    for function in (config.partitioner_function, config.forwarder_function):
        results[f"function:{function}"] = functions.delete_lambda_function(clients("lambda"), function)
        results[f"log_group:{lambda_log_group(function)}"] = delivery.delete_log_group(
            logs, lambda_log_group(function)
        )
    return results


def teardown_failure_handling(clients: Clients, config: StackConfig, delete_data: bool = False) -> Results:
    """Alarms, the alerts topic, the forwarder's invocation config (if the function is still there) and the
    failure queue; a queue still holding failed events stays unless ``delete_data``."""
    arns = stack_arns(clients, config)
    results = {
        f"alarm:{name}": result
        for name, result in alerts.delete_alarms(clients("cloudwatch"), config).items()
    }
    results["alerts_topic"] = alerts.delete_alerts_topic(
        clients("sns"), config, arns.topic(config.alerts_topic)
    )
    results["event_invoke_config"] = failures.delete_event_invoke_config(
        clients("lambda"), config.forwarder_function
    )
    results["failure_queue"] = failures.delete_failure_queue(clients("sqs"), config, delete_data)
    return results


def teardown_delivery(clients: Clients, config: StackConfig) -> Results:
    """The stream (waiting until it is gone, so its role can go next) and the log groups."""
    firehose = clients("firehose")
    results = {"delivery_stream": delivery.delete_delivery_stream(firehose, config.delivery_stream)}
    if results["delivery_stream"].action == "deleted":
        delivery.wait_deleted(firehose, config.delivery_stream)
    for group in (config.firehose_error_log_group, config.log_group):
        results[f"log_group:{group}"] = delivery.delete_log_group(clients("logs"), group)
    return results


def teardown_roles(clients: Clients, config: StackConfig) -> Results:
    names = (config.flow_log_role, config.partitioner_role, config.forwarder_role, config.firehose_role)
    return {f"role:{name}": iam.delete_role(clients("iam"), name) for name in names}


def teardown_storage(clients: Clients, config: StackConfig, delete_data: bool = False) -> Results:
    """Without ``delete_data`` the bucket and every object in it stay (with their settings)."""
    if not delete_data:
        return {"bucket": Result("skipped", config.bucket)}
    return {"bucket": empty_and_delete_bucket(clients("s3"), config.bucket)}


def empty_and_delete_bucket(s3: Any, bucket: str) -> Result:
    if get_or_none(lambda: s3.head_bucket(Bucket=bucket)) is None:
        return Result("absent", bucket)
    # The policy goes first: it dies with the bucket anyway, and a Deny in it (ours is TLS-only, which
    # moto/localaws evaluate as unconditional) must not stop the emptying.
    s3.delete_bucket_policy(Bucket=bucket)
    # Current objects, then versions and delete markers in case versioning was turned on outside vpcflow.
    where = f"bucket {bucket!r}"
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        delete_keys(s3, bucket, [{"Key": o["Key"]} for o in page.get("Contents", [])], where)
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        versions = page.get("Versions", []) + page.get("DeleteMarkers", [])
        delete_keys(s3, bucket, [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in versions], where)
    s3.delete_bucket(Bucket=bucket)
    return Result("deleted", bucket)


def teardown_stack(clients: Clients, config: StackConfig, delete_data: bool = False) -> Results:
    """Reverse of provision_stack."""
    results: Results = {}
    results |= teardown_quicksight(clients, config)
    results |= teardown_catalog(clients, config)
    results |= teardown_wiring(clients, config)
    results |= teardown_functions(clients, config)
    results |= teardown_failure_handling(clients, config, delete_data)
    results |= teardown_delivery(clients, config)
    results |= teardown_roles(clients, config)
    results |= teardown_storage(clients, config, delete_data)
    return results
