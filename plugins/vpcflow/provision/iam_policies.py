"""IAM policy documents generated from the resources they touch: no '*' actions, no full-access policies.

Every function here is pure: ARNs in, a policy document (dict) out. ``StackArns`` derives the ARNs of one
stack from its StackConfig, the account and the region. Bare ``"Resource": "*"`` appears nowhere: the one
statement whose action lacks resource-level support for a single group (``logs:DescribeLogGroups`` for
VPC flow log delivery) is scoped to the account's log-group ARN pattern instead; see ``WILDCARD_EXCEPTIONS``.
The bucket policy's Deny uses ``s3:*`` on purpose: a deny must cover every action.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vpcflow.model.config import StackConfig

VERSION = "2012-10-17"

# Actions whose resource is a pattern rather than one named resource, and why.
WILDCARD_EXCEPTIONS = {
    "logs:DescribeLogGroups": "lists log groups; AWS evaluates it against arn:...:log-group:* only",
}


@dataclass(frozen=True)
class StackArns:
    """The ARNs of one stack's resources, as IAM policies and resource policies name them."""

    config: StackConfig
    account: str
    region: str
    partition: str = "aws"

    def _arn(self, service: str, resource: str, region: str | None = None, account: str | None = None) -> str:
        region = self.region if region is None else region
        account = self.account if account is None else account
        return f"arn:{self.partition}:{service}:{region}:{account}:{resource}"

    @property
    def bucket(self) -> str:
        return f"arn:{self.partition}:s3:::{self.config.bucket}"

    def objects(self, prefix: str) -> str:
        return f"{self.bucket}/{prefix}*"

    def role(self, name: str) -> str:
        return self._arn("iam", f"role/{name}", region="")

    @property
    def delivery_stream(self) -> str:
        return self._arn("firehose", f"deliverystream/{self.config.delivery_stream}")

    def log_group(self, name: str) -> str:
        """The log group's ARN as DescribeLogGroups reports it (with the trailing ':*')."""
        return self._arn("logs", f"log-group:{name}:*")

    def log_streams(self, group: str, stream: str = "*") -> str:
        return self._arn("logs", f"log-group:{group}:log-stream:{stream}")

    def function(self, name: str) -> str:
        return self._arn("lambda", f"function:{name}")

    @property
    def workgroup(self) -> str:
        return self._arn("athena", f"workgroup/{self.config.workgroup}")

    @property
    def glue_catalog(self) -> str:
        return self._arn("glue", "catalog")

    @property
    def glue_database(self) -> str:
        return self._arn("glue", f"database/{self.config.database}")

    def glue_table(self, table: str) -> str:
        return self._arn("glue", f"table/{self.config.database}/{table}")

    @property
    def kms_key(self) -> str:
        return self.config.kms_key_arn

    def queue(self, name: str) -> str:
        return self._arn("sqs", name)

    def topic(self, name: str) -> str:
        return self._arn("sns", name)

    def alarm(self, name: str) -> str:
        return self._arn("cloudwatch", f"alarm:{name}")

    def athena_workgroup(self, name: str) -> str:
        return self._arn("athena", f"workgroup/{name}")

    def quicksight(self, kind: str, resource_id: str) -> str:
        """A QuickSight resource: ``datasource``, ``dataset`` or ``dashboard`` and its id."""
        return self._arn("quicksight", f"{kind}/{resource_id}")

    def ec2(self, resource: str) -> str:
        return self._arn("ec2", resource)


def _statement(sid: str, actions: list[str], resources: list[str], **extra: Any) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": sorted(actions), "Resource": resources, **extra}


def _document(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": VERSION, "Statement": list(statements)}


def trust_policy(
    service: str, account: str | None = None, source_arn: str | None = None, external_id: bool = False
) -> dict[str, Any]:
    """Who may assume a role: one service principal, scoped to the account where AWS supports it.

    Lambda's execution-role trust takes no confused-deputy condition (Lambda assumes the role for the
    function's own account only); Firehose documents ``sts:ExternalId`` = account; VPC flow logs document
    ``aws:SourceAccount`` and ``aws:SourceArn``.
    """
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
    }
    conditions: dict[str, dict[str, str]] = {}
    if account and external_id:
        conditions.setdefault("StringEquals", {})["sts:ExternalId"] = account
    elif account:
        conditions.setdefault("StringEquals", {})["aws:SourceAccount"] = account
    if source_arn:
        conditions.setdefault("ArnLike", {})["aws:SourceArn"] = source_arn
    if conditions:
        statement["Condition"] = conditions
    return _document(statement)


def _kms_statements(
    arns: StackArns, actions: list[str], service: str = "s3", sid: str = "UseBucketKey"
) -> list[dict[str, Any]]:
    if not arns.config.kms_key_arn:
        return []
    via = {"StringEquals": {"kms:ViaService": f"{service}.{arns.region}.amazonaws.com"}}
    return [_statement(sid, actions, [arns.kms_key], Condition=via)]


def _own_logs(arns: StackArns, function: str) -> dict[str, Any]:
    # The log group is created by provisioning (with retention), so the function never needs CreateLogGroup.
    group = f"/aws/lambda/{function}"
    return _statement(
        "WriteOwnLogs",
        ["logs:CreateLogStream", "logs:PutLogEvents"],
        [arns.log_group(group), arns.log_streams(group)],
    )


def firehose_delivery_policy(arns: StackArns) -> dict[str, Any]:
    """Firehose writes raw/ and errors/ objects and its own error log stream."""
    c = arns.config
    return _document(
        _statement(
            "LocateBucket",
            ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
            [arns.bucket],
        ),
        _statement(
            "WriteDeliveredObjects",
            ["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"],
            [arns.objects(c.raw_prefix), arns.objects(c.error_prefix)],
        ),
        _statement(
            "LogDeliveryErrors", ["logs:PutLogEvents"], [arns.log_streams(c.firehose_error_log_group)]
        ),
        *_kms_statements(arns, ["kms:Decrypt", "kms:GenerateDataKey"]),
    )


def forwarder_policy(arns: StackArns) -> dict[str, Any]:
    """cloudwatch_to_firehose: put records into the one stream, write its own logs, and hand an event that
    failed every attempt to its failure queue.

    Lambda sends an asynchronous invocation's record to its on-failure destination with the function's
    execution role: "To send events to a destination, your function needs additional permissions ... Amazon
    SQS – sqs:SendMessage" (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html).
    An SSE-KMS queue also needs kms:GenerateDataKey and kms:Decrypt from its producers
    (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html).
    """
    c = arns.config
    return _document(
        _statement("PutToStream", ["firehose:PutRecord", "firehose:PutRecordBatch"], [arns.delivery_stream]),
        _own_logs(arns, c.forwarder_function),
        _statement("SendFailedEvents", ["sqs:SendMessage"], [arns.queue(c.forwarder_failure_queue)]),
        *_kms_statements(arns, ["kms:Decrypt", "kms:GenerateDataKey"], "sqs", "UseFailureQueueKey"),
    )


def partitioner_policy(arns: StackArns) -> dict[str, Any]:
    """athena_partitioner: run DDL in the workgroup against the raw table; Athena needs the caller's S3/Glue."""
    c = arns.config
    return _document(
        _statement(
            "RunQueries", ["athena:GetQueryExecution", "athena:StartQueryExecution"], [arns.workgroup]
        ),
        _statement(
            "RegisterPartitions",
            [
                "glue:BatchCreatePartition",
                "glue:CreatePartition",
                "glue:GetDatabase",
                "glue:GetPartition",
                "glue:GetPartitions",
                "glue:GetTable",
            ],
            [arns.glue_catalog, arns.glue_database, arns.glue_table(c.raw_table)],
        ),
        _statement("LocateBucket", ["s3:GetBucketLocation", "s3:ListBucket"], [arns.bucket]),
        _statement("ReadRawData", ["s3:GetObject"], [arns.objects(c.raw_prefix)]),
        _statement(
            "WriteQueryResults",
            ["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"],
            [arns.objects(c.athena_results_prefix)],
        ),
        _own_logs(arns, c.partitioner_function),
        *_kms_statements(arns, ["kms:Decrypt", "kms:GenerateDataKey"]),
    )


def flow_log_delivery_policy(arns: StackArns) -> dict[str, Any]:
    """VPC flow logs publish into the one log group."""
    group = arns.config.log_group
    return _document(
        _statement(
            "PublishFlowLogs",
            ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
            [arns.log_group(group), arns.log_streams(group)],
        ),
        _statement("FindLogGroup", ["logs:DescribeLogGroups"], [arns._arn("logs", "log-group:*")]),
    )


def bucket_policy(arns: StackArns) -> dict[str, Any]:
    """Deny every request that does not use TLS."""
    return _document(
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [arns.bucket, f"{arns.bucket}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    )


def role_specs(arns: StackArns) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """Role name -> (trust policy, inline policy) for every role of the stack."""
    c = arns.config
    return {
        c.firehose_role: (
            trust_policy("firehose.amazonaws.com", arns.account, external_id=True),
            firehose_delivery_policy(arns),
        ),
        c.forwarder_role: (trust_policy("lambda.amazonaws.com"), forwarder_policy(arns)),
        c.partitioner_role: (trust_policy("lambda.amazonaws.com"), partitioner_policy(arns)),
        c.flow_log_role: (
            trust_policy(
                "vpc-flow-logs.amazonaws.com", arns.account, source_arn=arns._arn("ec2", "vpc-flow-log/*")
            ),
            flow_log_delivery_policy(arns),
        ),
    }
