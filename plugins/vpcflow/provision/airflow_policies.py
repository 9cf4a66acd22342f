"""The IAM policies of Airflow's own identity, one per DAG (and one for the `vpcflow replay` operator): what
each calls, on the stack's resources by name.

Like the service roles (``iam_policies``) these are pure: StackArns in, a policy document out. Each statement
names its actions and resources; no ``*`` action, no managed policy. ``"Resource": "*"`` appears only for
an action AWS authorizes on no resource at all, each listed in ``UNSCOPED`` with the page that says so.
``sts:GetCallerIdentity``, which the DAGs call to learn the account, is in no policy: it needs no permission.

Two kinds of permission are here:
- calls the DAG makes itself (boto3 through the Amazon provider), which a localaws with IAM enforcement
  checks one by one (tests/security/test_iam_enforced.py);
- what Athena does with the caller's credentials while running the DAG's SQL (reading the tables' data,
  writing CTAS output and query results, changing the Glue catalog for DDL): Athena "uses the permissions of
  the IAM principal that runs the query" (https://docs.aws.amazon.com/athena/latest/ug/access.html and
  https://docs.aws.amazon.com/athena/latest/ug/fine-grained-access-to-glue-resources.html). localaws's
  Athena does not evaluate those, so they follow AWS's documentation rather than a test.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vpcflow.detections.iam import detections_policy, enable_security_hub_statement
from vpcflow.detections.settings import DetectionSettings
from vpcflow.detections.tables import RUNS_TABLE
from vpcflow.enrichment.sources import role_arns
from vpcflow.model.config import (
    ENRICHMENT_PREFIX,
    LOCK_PREFIX,
    MALFORMED_PREFIX,
    MANIFEST_PREFIX,
    QUALITY_PREFIX,
    StackConfig,
)
from vpcflow.provision.iam_policies import StackArns, _document, _kms_statements, _statement

# Actions that have no resource-level permissions, so "Resource": "*" is the only form AWS accepts, with the
# Service Authorization Reference page that lists them without a resource type.
UNSCOPED = {
    # The reference lists DescribeFlowLogs with no resource type, and EC2's guide says "The Amazon EC2
    # ec2:Describe* API actions do not support resource-level permissions ... the * wildcard is necessary
    # in the Resource element"
    # (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/iam-policies-ec2-console.html).
    "ec2:DescribeFlowLogs": (
        "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html"
    ),
    # The interface inventory's snapshot (vpcflow.enrichment.inventory): the same Describe* rule.
    "ec2:DescribeNetworkInterfaces": (
        "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html"
    ),
    "ec2:DescribeVpcs": "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html",
}

# Which service each role of the stack is handed to (iam:PassRole's iam:PassedToService).
_PASSED_TO = {
    "firehose_role": "firehose.amazonaws.com",
    "forwarder_role": "lambda.amazonaws.com",
    "partitioner_role": "lambda.amazonaws.com",
    "flow_log_role": "vpc-flow-logs.amazonaws.com",
}


def _actions(prefix: str, names: str) -> list[str]:
    """``_actions("s3", "GetObject PutObject")``: one service's actions, written as its API names."""
    return [f"{prefix}:{name}" for name in names.split()]


def _roles(arns: StackArns) -> list[str]:
    c = arns.config
    return [arns.role(getattr(c, attr)) for attr in _PASSED_TO]


def _log_groups(arns: StackArns) -> list[str]:
    c = arns.config
    names = [c.log_group, c.firehose_error_log_group]
    names += [f"/aws/lambda/{f}" for f in (c.forwarder_function, c.partitioner_function)]
    return [arns.log_group(n) for n in names]


def _functions(arns: StackArns) -> list[str]:
    return [arns.function(arns.config.forwarder_function), arns.function(arns.config.partitioner_function)]


def _workgroups(arns: StackArns) -> list[str]:
    return [arns.workgroup, arns.athena_workgroup(arns.config.spice_workgroup)]


def _alarms(arns: StackArns) -> list[str]:
    return [arns.alarm(f"{arns.config.alarm_prefix}*")]


def _catalog(arns: StackArns, tables: list[str]) -> list[str]:
    """Glue authorizes a table's actions on the catalog, the database and the table
    (https://docs.aws.amazon.com/glue/latest/dg/glue-specifying-resource-arns.html)."""
    return [arns.glue_catalog, arns.glue_database, *(arns.glue_table(t) for t in tables)]


def _hour_tables(arns: StackArns) -> list[str]:
    c = arns.config
    return [c.raw_table, c.typed_table, c.parquet_table, c.quality_table, c.objects_table, c.malformed_table]


def _quicksight(arns: StackArns, kind: str, *ids: str) -> list[str]:
    return [arns.quicksight(kind, i) for i in ids]


def _data_set_ids(c: StackConfig) -> tuple[str, ...]:
    """The flows dataset and the DIRECT_QUERY ones beside it (vpcflow.provision.dashboard's ids)."""
    return (
        c.quicksight_dataset_id,
        f"{c.quicksight_dataset_id}-quality",
        f"{c.quicksight_dataset_id}-findings",
    )


def _queries(arns: StackArns, actions: list[str] | None = None) -> list[dict[str, Any]]:
    """Athena queries in the stack's workgroup, and the results Athena writes there for the caller."""
    c = arns.config
    return [
        _statement(
            "RunQueries",
            actions
            or _actions(
                "athena",
                """
                    StartQueryExecution GetQueryExecution GetQueryResults GetQueryRuntimeStatistics
                    StopQueryExecution
                """,
            ),
            [arns.workgroup],
        ),
        _statement(
            "QueryResults",
            _actions("s3", "GetObject PutObject AbortMultipartUpload ListMultipartUploadParts"),
            [arns.objects(c.athena_results_prefix)],
        ),
    ]


def _bucket(arns: StackArns, actions: list[str]) -> dict[str, Any]:
    # Listing keys and locating the bucket: the DAGs' own listings and Athena's, for the caller.
    return _statement("Bucket", ["s3:GetBucketLocation", "s3:ListBucket", *actions], [arns.bucket])


def provision_policy(arns: StackArns) -> dict[str, Any]:
    """vpcflow_provision, first of two (AWS caps a managed policy at 6,144 characters): the bucket, the
    roles, the delivery path, the functions, the failure queue, alerts and the flow log."""
    c = arns.config
    passed: dict[str, list[str]] = {}
    for attr, service in _PASSED_TO.items():
        passed.setdefault(service, []).append(arns.role(getattr(c, attr)))
    statements = [
        _bucket(
            arns,
            _actions(
                "s3",
                """
                    CreateBucket GetEncryptionConfiguration PutEncryptionConfiguration
                    GetBucketPublicAccessBlock PutBucketPublicAccessBlock GetBucketPolicy
                    PutBucketPolicy GetLifecycleConfiguration PutLifecycleConfiguration
                    GetBucketNotification PutBucketNotification
                """,
            ),
        ),
        _statement(
            "Roles",
            _actions("iam", "GetRole CreateRole UpdateAssumeRolePolicy GetRolePolicy PutRolePolicy"),
            _roles(arns),
        ),
        *(
            _statement(
                f"PassRolesTo{service.split('.')[0].title().replace('-', '')}",
                ["iam:PassRole"],
                roles,
                Condition={"StringEquals": {"iam:PassedToService": service}},
            )
            for service, roles in passed.items()
        ),
        # DescribeLogGroups is evaluated on the account's log-group pattern, whatever prefix it asks for.
        _statement("FindLogGroups", ["logs:DescribeLogGroups"], [arns._arn("logs", "log-group:*")]),
        _statement(
            "LogGroups",
            _actions(
                "logs",
                """
                    CreateLogGroup PutRetentionPolicy DescribeLogStreams CreateLogStream
                    DescribeSubscriptionFilters PutSubscriptionFilter
                """,
            ),
            _log_groups(arns),
        ),
        _statement(
            "DeliveryStream",
            _actions("firehose", "DescribeDeliveryStream CreateDeliveryStream UpdateDestination"),
            [arns.delivery_stream],
        ),
        _statement(
            "Functions",
            _actions(
                "lambda",
                """
                    GetFunction CreateFunction UpdateFunctionCode UpdateFunctionConfiguration GetPolicy
                    AddPermission RemovePermission GetFunctionEventInvokeConfig
                    PutFunctionEventInvokeConfig
                """,
            ),
            _functions(arns),
        ),
        _statement(
            "FailureQueue",
            _actions("sqs", "GetQueueUrl CreateQueue GetQueueAttributes SetQueueAttributes"),
            [arns.queue(c.forwarder_failure_queue)],
        ),
        _statement(
            "AlertsTopic",
            _actions("sns", "GetTopicAttributes CreateTopic SetTopicAttributes"),
            [arns.topic(c.alerts_topic)],
        ),
        _statement("Alarms", _actions("cloudwatch", "DescribeAlarms PutMetricAlarm"), _alarms(arns)),
    ]
    if c.vpc_id:
        statements += [
            _statement("FindFlowLogs", ["ec2:DescribeFlowLogs"], ["*"]),
            # CreateFlowLogs is authorized on the VPC and on the flow log it creates.
            _statement(
                "FlowLog",
                ["ec2:CreateFlowLogs"],
                [arns.ec2(f"vpc/{c.vpc_id}"), arns.ec2("vpc-flow-log/*")],
            ),
        ]
    return _document(*statements)


def provision_catalog_policy(arns: StackArns) -> dict[str, Any]:
    """vpcflow_provision, second of two: Athena workgroups and saved reports, the Glue database and tables
    (the DDL Athena runs for the caller), the QuickSight data source, datasets and dashboard."""
    c = arns.config
    statements = [
        _bucket(arns, []),
        *_queries(arns, _actions("athena", "StartQueryExecution GetQueryExecution")),
        _statement(
            "Workgroups",
            _actions("athena", "GetWorkGroup CreateWorkGroup UpdateWorkGroup"),
            _workgroups(arns),
        ),
        _statement(
            "SavedReports",
            _actions(
                "athena", "ListNamedQueries GetNamedQuery CreateNamedQuery UpdateNamedQuery DeleteNamedQuery"
            ),
            [arns.workgroup],
        ),
        # The database and its tables; CreateTable/DeleteTable/BatchCreatePartition also serve the DDL
        # Athena runs for the caller (a table recreated after a format change keeps its partitions).
        _statement(
            "Catalog",
            _actions(
                "glue",
                """
                    GetDatabase CreateDatabase UpdateDatabase GetTable CreateTable DeleteTable
                    GetPartitions BatchCreatePartition BatchDeletePartition
                """,
            ),
            _catalog(arns, ["*"]),
        ),
    ]
    if DetectionSettings().security_hub == "enable":  # the hub enabled by provisioning, if it is off
        statements.append(enable_security_hub_statement(arns))
    if c.quicksight:
        statements += [
            _statement(
                "DataSource",
                _actions(
                    "quicksight",
                    """
                        DescribeDataSource CreateDataSource UpdateDataSource
                        DescribeDataSourcePermissions UpdateDataSourcePermissions PassDataSource
                    """,
                ),
                _quicksight(arns, "datasource", c.quicksight_data_source_id),
            ),
            _statement(
                "DataSets",
                _actions(
                    "quicksight",
                    """
                        DescribeDataSet CreateDataSet UpdateDataSet DescribeDataSetPermissions
                        UpdateDataSetPermissions PassDataSet
                    """,
                ),
                _quicksight(arns, "dataset", *_data_set_ids(c)),
            ),
            _statement(
                "Dashboard",
                _actions(
                    "quicksight",
                    """
                        DescribeDashboard DescribeDashboardDefinition CreateDashboard UpdateDashboard
                        UpdateDashboardPublishedVersion DescribeDashboardPermissions
                        UpdateDashboardPermissions
                    """,
                ),
                _quicksight(arns, "dashboard", c.quicksight_dashboard_id),
            ),
        ]
    return _document(*statements, *_kms_statements(arns, _actions("kms", "Decrypt GenerateDataKey")))


def hourly_policy(arns: StackArns) -> dict[str, Any]:
    """vpcflow_hourly: lists and reads hour H's raw objects, registers its partitions, checks and compacts
    it with Athena, keeps its quality, manifest and malformed lines, refreshes SPICE, publishes alerts."""
    c = arns.config
    written = [c.parquet_prefix, QUALITY_PREFIX, MANIFEST_PREFIX, MALFORMED_PREFIX, LOCK_PREFIX]
    statements = [
        _bucket(arns, []),
        *_queries(arns),
        # Raw objects: read by Athena's scans and by the task that keeps malformed lines with their object.
        _statement("ReadRawData", ["s3:GetObject"], [arns.objects(c.raw_prefix)]),
        # What the hour writes: Parquet (Athena's CTAS), quality rows, manifests, malformed lines and the
        # compaction lock (a conditional PutObject); earlier tries' files and the lock are deleted.
        _statement(
            "WriteHourData",
            _actions("s3", "GetObject PutObject DeleteObject AbortMultipartUpload"),
            [arns.objects(p) for p in written],
        ),
        _statement(
            "ReadCatalog",
            _actions("glue", "GetDatabase GetTable GetTables GetPartition GetPartitions"),
            _catalog(arns, ["*"]),
        ),
        # ALTER TABLE ADD PARTITION (Athena, for the caller) and the Parquet partition switch.
        _statement(
            "RegisterPartitions",
            _actions("glue", "BatchCreatePartition CreatePartition UpdatePartition"),
            _catalog(arns, _hour_tables(arns)),
        ),
        # Compaction's CTAS creates a staging table per try (Athena, for the caller), dropped once switched.
        _statement(
            "StagingTables",
            _actions("glue", "CreateTable DeleteTable"),
            _catalog(arns, [f"{c.parquet_table}_stage_*"]),
        ),
        _statement("PublishAlerts", ["sns:Publish"], [arns.topic(c.alerts_topic)]),
        # The interface inventory: snapshots read and replace their two tables (conditional PutObject);
        # compaction's CTAS reads every dimension table (Athena, for the caller).
        _statement(
            "InventorySnapshot",
            _actions("s3", "GetObject PutObject"),
            [arns.objects(f"{ENRICHMENT_PREFIX}{t}/") for t in ("enrich_interfaces", "enrich_vpc_cidrs")],
        ),
        _statement("ReadEnrichment", ["s3:GetObject"], [arns.objects(ENRICHMENT_PREFIX)]),
        _statement("DescribeInterfaces", _actions("ec2", "DescribeNetworkInterfaces DescribeVpcs"), ["*"]),
    ]
    roles = role_arns(c.inventory_sources)
    if roles:  # other accounts' inventories, through the roles the stack names and no other
        statements.append(_statement("AssumeInventoryRoles", ["sts:AssumeRole"], roles))
    if c.quicksight:
        dataset = arns.quicksight("dataset", c.quicksight_dataset_id)
        statements += [
            _statement("SpiceBudget", ["quicksight:ListIngestions"], [dataset]),
            _statement(
                "RefreshSpice",
                _actions("quicksight", "CreateIngestion DescribeIngestion CancelIngestion"),
                [f"{dataset}/ingestion/*"],
            ),
        ]
    kms = _kms_statements(arns, _actions("kms", "Decrypt GenerateDataKey"))
    # Publishing to the SSE-KMS alerts topic needs the key too.
    kms += _kms_statements(arns, _actions("kms", "Decrypt GenerateDataKey"), "sns", "UseAlertsTopicKey")
    return _document(*statements, *kms)


def reconcile_policy(arns: StackArns) -> dict[str, Any]:
    """vpcflow_reconcile: lists recent hours' raw prefixes and compares them with the manifests (an Athena
    query of the objects table), and the Parquet table's hours with those the detections judged (their
    partitions); it clears hourly runs and starts detections runs through Airflow, not AWS."""
    c = arns.config
    return _document(
        _bucket(arns, []),
        *_queries(arns),
        _statement("ReadManifests", ["s3:GetObject"], [arns.objects(MANIFEST_PREFIX)]),
        _statement(
            "ReadCatalog",
            _actions("glue", "GetDatabase GetTable GetPartition GetPartitions"),
            _catalog(arns, [c.objects_table, c.parquet_table, RUNS_TABLE]),
        ),
        *_kms_statements(arns, _actions("kms", "Decrypt GenerateDataKey")),
    )


def teardown_policy(arns: StackArns) -> dict[str, Any]:
    """vpcflow_teardown: deletes what vpcflow_provision created; the objects only with delete_data."""
    c = arns.config
    statements = [
        _bucket(
            arns,
            _actions(
                "s3",
                """
                    ListBucketVersions GetBucketNotification PutBucketNotification DeleteBucketPolicy
                    DeleteBucket
                """,
            ),
        ),
        # delete_data empties the bucket, every version of every object.
        _statement("DeleteData", _actions("s3", "DeleteObject DeleteObjectVersion"), [f"{arns.bucket}/*"]),
        _statement(
            "Roles",
            _actions(
                "iam",
                """
                    GetRole ListRolePolicies DeleteRolePolicy ListAttachedRolePolicies DetachRolePolicy
                    DeleteRole
                """,
            ),
            _roles(arns),
        ),
        _statement(
            "LogGroups",
            _actions("logs", "DescribeSubscriptionFilters DeleteSubscriptionFilter DeleteLogGroup"),
            _log_groups(arns),
        ),
        _statement(
            "DeliveryStream",
            _actions("firehose", "DescribeDeliveryStream DeleteDeliveryStream"),
            [arns.delivery_stream],
        ),
        _statement(
            "Functions",
            _actions("lambda", "GetFunction DeleteFunction DeleteFunctionEventInvokeConfig"),
            _functions(arns),
        ),
        _statement(
            "FailureQueue",
            _actions("sqs", "GetQueueUrl GetQueueAttributes DeleteQueue"),
            [arns.queue(c.forwarder_failure_queue)],
        ),
        _statement(
            "AlertsTopic", _actions("sns", "GetTopicAttributes DeleteTopic"), [arns.topic(c.alerts_topic)]
        ),
        _statement("Alarms", _actions("cloudwatch", "DescribeAlarms DeleteAlarms"), _alarms(arns)),
        _statement("Workgroups", _actions("athena", "GetWorkGroup DeleteWorkGroup"), _workgroups(arns)),
        # Deleting a database needs its tables and functions too.
        _statement(
            "Catalog",
            _actions("glue", "GetDatabase DeleteDatabase GetTable DeleteTable"),
            [*_catalog(arns, ["*"]), arns._arn("glue", f"userDefinedFunction/{c.database}/*")],
        ),
    ]
    if c.vpc_id:
        statements += [
            _statement("FindFlowLogs", ["ec2:DescribeFlowLogs"], ["*"]),
            _statement("FlowLog", ["ec2:DeleteFlowLogs"], [arns.ec2("vpc-flow-log/*")]),
        ]
    if c.quicksight:
        statements.append(
            _statement(
                "QuickSight",
                _actions("quicksight", "DeleteDashboard DeleteDataSet DeleteDataSource"),
                [
                    *_quicksight(arns, "dashboard", c.quicksight_dashboard_id),
                    *_quicksight(arns, "dataset", *_data_set_ids(c)),
                    *_quicksight(arns, "datasource", c.quicksight_data_source_id),
                ],
            )
        )
    return _document(*statements)


def replay_policy(arns: StackArns) -> dict[str, Any]:
    """`vpcflow replay` (run by an operator, not by Airflow): reads the failure queue, invokes the forwarder
    synchronously, deletes what was delivered."""
    c = arns.config
    return _document(
        _statement(
            "FailureQueue",
            _actions(
                "sqs", "GetQueueUrl GetQueueAttributes ReceiveMessage DeleteMessage ChangeMessageVisibility"
            ),
            [arns.queue(c.forwarder_failure_queue)],
        ),
        _statement("InvokeForwarder", ["lambda:InvokeFunction"], [arns.function(c.forwarder_function)]),
        *_kms_statements(arns, ["kms:Decrypt"], "sqs", "ReadFailureQueueKey"),
    )


def enrichment_policy(arns: StackArns) -> dict[str, Any]:
    """vpcflow_enrichment: reads AWS's address ranges (over HTTPS, or an s3:// copy) and replaces the
    enrich_aws_ranges table's object; writes IANA's names and the geo ranges when their source changed."""
    c = arns.config
    statements = [
        _statement("AwsRanges", ["s3:PutObject"], [arns.objects(f"{ENRICHMENT_PREFIX}enrich_aws_ranges/")]),
        # IANA's names and the geo ranges: read for their fingerprint (HeadObject), replaced when changed.
        _statement(
            "NamesAndGeo",
            _actions("s3", "GetObject PutObject"),
            [
                arns.objects(f"{ENRICHMENT_PREFIX}{t}/")
                for t in ("enrich_protocols", "enrich_services", "enrich_geo")
            ],
        ),
    ]
    if c.ip_ranges_url.startswith("s3://"):
        bucket, _, key = c.ip_ranges_url.removeprefix("s3://").partition("/")
        statements.append(
            _statement("ReadRangesCopy", ["s3:GetObject"], [f"arn:{arns.partition}:s3:::{bucket}/{key}"])
        )
    return _document(*statements, *_kms_statements(arns, _actions("kms", "Decrypt GenerateDataKey")))


# The managed policies by name, and which a DAG (or the operator command) needs.
POLICIES: dict[str, Callable[[StackArns], dict[str, Any]]] = {
    "vpcflow_provision": provision_policy,
    "vpcflow_provision_catalog": provision_catalog_policy,
    "vpcflow_hourly": hourly_policy,
    "vpcflow_enrichment": enrichment_policy,
    "vpcflow_detections": detections_policy,
    "vpcflow_reconcile": reconcile_policy,
    "vpcflow_teardown": teardown_policy,
    "vpcflow_replay": replay_policy,
}
NEEDED_BY: dict[str, tuple[str, ...]] = {
    "vpcflow_provision": ("vpcflow_provision", "vpcflow_provision_catalog"),
    "vpcflow_hourly": ("vpcflow_hourly",),
    "vpcflow_enrichment": ("vpcflow_enrichment",),
    "vpcflow_detections": ("vpcflow_detections",),
    "vpcflow_reconcile": ("vpcflow_reconcile",),
    "vpcflow_teardown": ("vpcflow_teardown",),
    "vpcflow replay": ("vpcflow_replay",),
}
# AWS's limit for a customer managed policy, white space not counted
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
MANAGED_POLICY_MAX_CHARS = 6144


def airflow_policies(arns: StackArns) -> dict[str, dict[str, Any]]:
    """Every managed policy by name (``NEEDED_BY`` says which a DAG needs)."""
    return {name: make(arns) for name, make in POLICIES.items()}


def policies_for(arns: StackArns, user: str) -> list[dict[str, Any]]:
    """The documents a DAG (or ``vpcflow replay``) needs, all of them."""
    return [POLICIES[name](arns) for name in NEEDED_BY[user]]
