"""The permissions one call needs: (IAM action, resource ARN) pairs, each of which the caller's policies must
allow, as AWS's Service Authorization Reference lists them: the action an operation needs (often its own
name, not always: S3's, Lambda's Invoke), the resources it acts on, and the dependent actions it implies
(iam:PassRole for a role handed to a service, quicksight:PassDataSource for a dataset's source).

Only the operations in these tables are judged; any other raises ``CannotJudge`` and is refused loudly, never
allowed. Service prefixes are IAM's (``cloudwatch``, not ``monitoring``).
"""

from __future__ import annotations

from localaws.iam.calls import Call, CannotJudge
from localaws.iam.needs import s3
from localaws.iam.needs.access import IAM, STS
from localaws.iam.needs.alerts import CLOUDWATCH, SNS, SQS
from localaws.iam.needs.analytics import ATHENA, GLUE, QUICKSIGHT
from localaws.iam.needs.base import Arns, Need, Resolver, Rule
from localaws.iam.needs.delivery import EC2, FIREHOSE, LAMBDA, LOGS
from localaws.iam.needs.findings import SECURITYHUB

RULES: dict[str, dict[str, Rule]] = {
    "logs": LOGS,
    "firehose": FIREHOSE,
    "lambda": LAMBDA,
    "ec2": EC2,
    "sqs": SQS,
    "sns": SNS,
    "cloudwatch": CLOUDWATCH,
    "iam": IAM,
    "sts": STS,
    "athena": ATHENA,
    "glue": GLUE,
    "quicksight": QUICKSIGHT,
    "securityhub": SECURITYHUB,
}

__all__ = ["Need", "Resolver", "needs", "RULES"]


def needs(call: Call, account: str, resolver: Resolver) -> list[Need]:
    partition = "aws-cn" if call.region.startswith("cn-") else "aws"
    if call.service == "s3":
        return [Need(action, resource) for action, resource in s3.needs(call, partition)]
    rule = RULES.get(call.service, {}).get(call.operation)
    if rule is None:
        raise CannotJudge(f"{call.service}:{call.operation} is not modelled by localaws IAM enforcement")
    return list(rule(call, Arns(partition, call.region, account), resolver))
