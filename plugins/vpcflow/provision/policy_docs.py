"""Airflow's policies as docs/aws-permissions.md shows them, and as a deployment prints them for its stack.

The doc's policy blocks are generated, with placeholders (BUCKET, STACK, ACCOUNT...) for the stack's names,
between ``<!-- policy: NAME -->`` and ``<!-- end policy -->``; tests/security/test_iam_scope.py checks that
they are what the code generates.

    python -m vpcflow.provision.policy_docs --write docs/aws-permissions.md   # regenerate the doc's blocks
    python -m vpcflow.provision.policy_docs --account 123456789012 --region eu-west-1 [--policy NAME]
                                            # the policies of the stack the VPCFLOW_* environment names
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import textwrap
from pathlib import Path
from typing import Any

from vpcflow.model.config import StackConfig
from vpcflow.provision.airflow_policies import airflow_policies
from vpcflow.provision.iam_policies import StackArns

# Valid stand-ins for the stack's names, replaced by the doc's placeholders once rendered: StackConfig
# refuses upper case where AWS does (bucket, Glue database), and a VPC id or KMS ARN has a shape.
_STAND_INS = {
    "doc-bucket-placeholder": "BUCKET",
    "doc_database_placeholder": "DATABASE",
    "vpc-0123456789abcdef0": "VPC_ID",
    "arn:aws:kms:us-east-1:111122223333:key/doc-kms-key": "KMS_KEY_ARN",
}
PLACEHOLDER_STACK = StackConfig(
    stack_name="STACK",
    bucket="doc-bucket-placeholder",
    database="doc_database_placeholder",
    workgroup="WORKGROUP",
    delivery_stream="STREAM",
    log_group="LOG_GROUP",
    vpc_id="vpc-0123456789abcdef0",
    kms_key_arn="arn:aws:kms:us-east-1:111122223333:key/doc-kms-key",
    quicksight_data_source_id="DATA_SOURCE_ID",
    quicksight_dataset_id="DATASET_ID",
    quicksight_dashboard_id="DASHBOARD_ID",
)
BLOCK = re.compile(r"<!-- policy: (?P<name>\S+) -->\n```json\n(?P<body>.*?)```\n<!-- end policy -->", re.S)
WIDTH = 110


def placeholder_policies() -> dict[str, str]:
    """Every policy rendered for the doc, by name, with the placeholders in place of the stack's names."""
    rendered = {}
    for name, document in airflow_policies(StackArns(PLACEHOLDER_STACK, "ACCOUNT", "REGION")).items():
        text = render(document)
        for stand_in, placeholder in _STAND_INS.items():
            text = text.replace(stand_in, placeholder)
        rendered[name] = text
    return rendered


def render(document: dict[str, Any]) -> str:
    """JSON a person can read: one statement per paragraph, lists wrapped at the doc's width."""
    lines = ["{", f'  "Version": "{document["Version"]}",', '  "Statement": [']
    statements = document["Statement"]
    for i, statement in enumerate(statements):
        fields = [f"{json.dumps(k)}: {json.dumps(v)}" for k, v in statement.items()]
        head, rest = fields[:2], fields[2:]
        body = [", ".join(head)] + rest
        text = "{" + ",\n".join(body) + "}" + ("," if i < len(statements) - 1 else "")
        for j, line in enumerate(text.split("\n")):
            indent = "    " if j == 0 else "     "
            lines += textwrap.wrap(line, WIDTH, initial_indent=indent, subsequent_indent=indent + "  ",
                                   break_long_words=False, break_on_hyphens=False)  # fmt: skip
    lines += ["  ]", "}"]
    return "\n".join(lines) + "\n"


def documented(markdown: str) -> dict[str, str]:
    """The policy blocks of the doc, by name."""
    return {m["name"]: m["body"] for m in BLOCK.finditer(markdown)}


def regenerate(markdown: str) -> str:
    """The doc with each generated block replaced by what the code generates now."""
    policies = placeholder_policies()

    def block(match: re.Match[str]) -> str:
        name = match["name"]
        if name not in policies:
            raise KeyError(f"docs name a policy the code does not generate: {name}")
        return f"<!-- policy: {name} -->\n```json\n{policies[name]}```\n<!-- end policy -->"

    return BLOCK.sub(block, markdown)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m vpcflow.provision.policy_docs", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--write", metavar="MARKDOWN", help="regenerate the policy blocks of this file")
    parser.add_argument("--account", help="the AWS account of the stack (12 digits)")
    parser.add_argument("--region", help="the stack's region")
    parser.add_argument("--policy", help="print only this policy (default: all, by name)")
    args = parser.parse_args(argv)
    if args.write:
        path = Path(args.write)
        path.write_text(regenerate(path.read_text()))
        return
    if not (args.account and args.region):
        parser.error("give --write, or --account and --region")
    policies = airflow_policies(StackArns(StackConfig(), args.account, args.region))
    chosen = {args.policy: policies[args.policy]} if args.policy else policies
    json.dump(chosen[args.policy] if args.policy else chosen, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
