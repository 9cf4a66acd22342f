"""What Airflow's identity needs to run vpcflow_detections, and vpcflow_provision to enable Security Hub:
named actions on the stack's resources (pure, like vpcflow.provision.iam_policies and airflow_policies).

Athena runs the detection statements with the caller's permissions: it reads the Parquet table's objects
and the detections' own tables and registers their partitions in Glue for the caller, so those are here
too (https://docs.aws.amazon.com/athena/latest/ug/access.html).
"""

from __future__ import annotations

from typing import Any

from vpcflow.detections.tables import BASELINES, DETECTIONS_PREFIX, FINDINGS, RUNS
from vpcflow.provision.iam_policies import StackArns, _document, _kms_statements, _statement


def _securityhub(arns: StackArns, resource: str) -> str:
    return f"arn:{arns.partition}:securityhub:{arns.region}:{arns.account}:{resource}"


def detections_policy(arns: StackArns) -> dict[str, Any]:
    """vpcflow_detections: Athena over the Parquet table and its own tables, their objects, the findings
    imported into the account's Security Hub (its default product), and alerts published."""
    c = arns.config
    own = [t.name for t in (FINDINGS, BASELINES, RUNS)]
    catalog = [arns.glue_catalog, arns.glue_database]
    statements = [
        _statement("Bucket", ["s3:GetBucketLocation", "s3:ListBucket"], [arns.bucket]),
        _statement(
            "RunQueries",
            [
                "athena:GetQueryExecution",
                "athena:GetQueryResults",
                "athena:StartQueryExecution",
                "athena:StopQueryExecution",
            ],
            [arns.workgroup],
        ),  # fmt: skip
        _statement(
            "QueryResults",
            ["s3:AbortMultipartUpload", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:PutObject"],
            [arns.objects(c.athena_results_prefix)],
        ),
        _statement("ReadFlows", ["s3:GetObject"], [arns.objects(c.parquet_prefix)]),
        # Findings, baselines and runs (one object per hour each) and the delivery ledger.
        _statement(
            "DetectionsData",
            ["s3:GetObject", "s3:PutObject"],
            [arns.objects(t.prefix) for t in (FINDINGS, BASELINES)] + [arns.objects(DETECTIONS_PREFIX)],
        ),
        _statement(
            "ReadCatalog",
            ["glue:GetDatabase", "glue:GetPartition", "glue:GetPartitions", "glue:GetTable"],
            catalog + [arns.glue_table(t) for t in (c.parquet_table, *own)],
        ),
        _statement(
            "RegisterPartitions",
            ["glue:BatchCreatePartition", "glue:CreatePartition"],
            catalog + [arns.glue_table(t) for t in own],
        ),
        _statement(
            "ImportFindings",
            ["securityhub:BatchImportFindings"],
            [_securityhub(arns, f"product/{arns.account}/default")],
        ),
        _statement("PublishAlerts", ["sns:Publish"], [arns.topic(c.alerts_topic)]),
    ]
    kms = _kms_statements(arns, ["kms:Decrypt", "kms:GenerateDataKey"])
    kms += _kms_statements(arns, ["kms:Decrypt", "kms:GenerateDataKey"], "sns", "UseAlertsTopicKey")
    return _document(*statements, *kms)


def enable_security_hub_statement(arns: StackArns) -> dict[str, Any]:
    """For vpcflow_provision's identity when VPCFLOW_SECURITY_HUB=enable: look at the hub, enable it."""
    return _statement(
        "EnableSecurityHub",
        ["securityhub:DescribeHub", "securityhub:EnableSecurityHub", "securityhub:TagResource"],
        [_securityhub(arns, "hub/default")],
    )
