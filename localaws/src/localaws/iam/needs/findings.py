"""Where findings go: Security Hub, as its Service Authorization Reference lists it
(https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecurityhub.html): findings are
imported on the product they name (``product/ACCOUNT/default`` for an account's own), the hub's own
operations act on ``hub/default``. Only what vpcflow calls is modelled; anything else is refused loudly."""

from __future__ import annotations

from localaws.iam.needs.base import Arns, Params, Resolver, Rule, on, ops


def _products(p: Params, a: Arns, r: Resolver) -> list[str]:
    # Each distinct product the batch imports under: a finding's ProductArn decides where it lands.
    return sorted({f["ProductArn"] for f in p.get("Findings", []) if f.get("ProductArn")}) or [
        a("securityhub", f"product/{a.account}/default")
    ]


def _hub(p: Params, a: Arns, r: Resolver) -> list[str]:
    return [p.get("HubArn") or p.get("ResourceArn") or a("securityhub", "hub/default")]


SECURITYHUB: dict[str, Rule] = {"BatchImportFindings": on("securityhub", _products)}
SECURITYHUB |= {
    op: on("securityhub", _hub) for op in ops("EnableSecurityHub DescribeHub GetFindings TagResource")
}
