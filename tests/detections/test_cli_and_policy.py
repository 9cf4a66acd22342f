"""`vpcflow findings` lists each finding's current state (and one with its evidence); the policy for
vpcflow_detections names every action and resource."""

from __future__ import annotations

import json

from vpcflow.detections.iam import detections_policy, enable_security_hub_statement
from vpcflow.devstack import cli
from vpcflow.model.config import StackConfig
from vpcflow.provision.iam_policies import StackArns

from tests.conftest import stack_environment


def test_vpcflow_findings_lists_current_states_and_one_with_its_evidence(
    backfilled, sample, localaws, capsys
):
    since = sample.scored[0]
    with stack_environment(backfilled.config):
        assert cli.main(["findings", "--since", since, "--endpoint-url", localaws.endpoint]) == 0
        listed = capsys.readouterr().out
        assert cli.main(["findings", "--since", since, "--json", "--endpoint-url", localaws.endpoint]) == 0
        rows = json.loads(capsys.readouterr().out)
        finding = rows[0]["finding_id"]
        assert (
            cli.main(["findings", "--since", since, "--id", finding, "--endpoint-url", localaws.endpoint])
            == 0
        )
        detail = capsys.readouterr().out
        assert cli.main(["findings", "--detector", "nope", "--endpoint-url", localaws.endpoint]) == 2
        assert "no detector 'nope'" in capsys.readouterr().err
    ids = [r["finding_id"] for r in rows]
    assert len(ids) == len(set(ids)), "one row per finding: its latest state"
    assert f"({len(rows)} findings seen since hour {since}" in listed
    assert all(finding_id in listed for finding_id in ids)
    assert f"finding {finding}:" in detail and "evidence:" in detail


def test_the_detections_policy_names_its_actions_and_resources():
    arns = StackArns(StackConfig(), "111122223333", "eu-west-1")
    statements = detections_policy(arns)["Statement"] + [enable_security_hub_statement(arns)]
    for statement in statements:
        assert all("*" not in action for action in statement["Action"]), statement
        assert all(resource != "*" and resource.startswith("arn:aws:") for resource in statement["Resource"])
    (imports,) = [s for s in statements if s["Sid"] == "ImportFindings"]
    assert imports["Resource"] == ["arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default"]
