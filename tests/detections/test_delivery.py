"""Delivery of the sample's findings to localaws Security Hub and an SNS topic: each finding once, as a valid
AWS Security Finding Format finding; a rerun sends nothing; an escalation updates the finding's severity
and says so; a finding made obsolete is archived; a hub that is off fails with what to do."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError
from vpcflow.detections import delivery
from vpcflow.detections.settings import DetectionSettings
from vpcflow.detections.tables import FINDINGS, typed

ACCOUNT = "123456789012"
REGION = "eu-north-1"  # a region of its own: the session's localaws is shared


@pytest.fixture
def targets(localaws, backfilled, unique):
    hub = boto3.client("securityhub", endpoint_url=localaws.endpoint, region_name=REGION)
    try:
        hub.disable_security_hub()  # a previous test's findings go with it
    except ClientError:
        pass
    hub.enable_security_hub(EnableDefaultStandards=False)
    sns = boto3.client("sns", endpoint_url=localaws.endpoint, region_name=REGION)
    topic = sns.create_topic(Name=f"alerts-{unique}")["TopicArn"]
    sent = []

    def publish(subject, message):
        sent.append((subject, message))
        return sns.publish(TopicArn=topic, Subject=subject, Message=message)["MessageId"]

    # Each test starts from an empty ledger.
    s3 = backfilled.clients("s3")
    from vpcflow.hourly.compaction import delete_objects

    delete_objects(s3, f"s3://{backfilled.config.bucket}/{delivery.LEDGER_PREFIX}")
    return hub, publish, sent


def rows(stack):
    return [typed(FINDINGS, r) for r in stack.findings()]


def send(stack, targets, found, superseded=()):
    hub, publish, _ = targets
    return delivery.deliver(found, list(superseded), stack.clients("s3"), hub, publish, stack.config,
                            DetectionSettings(), ACCOUNT, REGION)  # fmt: skip


def imported(hub):
    return {f["Id"]: f for page in hub.get_paginator("get_findings").paginate() for f in page["Findings"]}


def test_each_finding_is_delivered_once_in_asff_and_a_rerun_sends_nothing(backfilled, targets):
    hub, _, sent = targets
    found = rows(backfilled)
    ids = {r["finding_id"] for r in found}
    # WHEN the findings of the backfilled hours are delivered
    result = send(backfilled, targets, found)
    # THEN each finding reached Security Hub once, in its latest state, and the alerts topic once
    assert len(result.delivered) == len(ids) == len(sent)
    in_hub = imported(hub)
    assert len(in_hub) == len(ids)
    latest = {}
    for row in found:
        if row["finding_id"] not in latest or row["hour"] > latest[row["finding_id"]]["hour"]:
            latest[row["finding_id"]] = row
    for row in latest.values():
        finding = in_hub[f"vpcflow/{backfilled.config.stack_name}/{row['detector']}/{row['finding_id']}"]
        assert finding["Severity"]["Label"] == row["severity"]
        assert finding["GeneratorId"] == f"vpcflow/detections/{row['detector']}"
        assert finding["ProductFields"]["vpcflow/last_hour"] == row["hour"]
        assert finding["Resources"][0]["Id"].endswith(f"network-interface/{row['interfaceid']}")
        assert finding["RecordState"] == "ACTIVE" and finding["Workflow"] == {"Status": "NEW"}
    subject, message = sent[0]
    assert subject.startswith("vpcflow ") and len(subject) <= 100
    assert "vpcflow findings --id" in message and "evidence:" in message
    # WHEN the same hours are delivered again (a rerun, a retry)
    again = send(backfilled, targets, found)
    # THEN nothing is sent twice
    assert again.delivered == [] and again.skipped == len(ids) and len(sent) == len(ids)


def test_an_escalation_is_sent_and_updates_the_finding(backfilled, targets):
    hub, _, sent = targets
    found = rows(backfilled)
    send(backfilled, targets, found)
    low = next(r for r in found if r["severity"] in ("LOW", "MEDIUM"))
    later = {**low, "hour": "2099-01-01-00", "severity": "CRITICAL", "status": "escalated"}
    result = send(backfilled, targets, [later])
    assert [(d["finding_id"], d["delivery"]) for d in result.delivered] == [(low["finding_id"], "escalated")]
    assert "(escalated)" in sent[-1][0]
    (finding,) = [
        f for f in imported(hub).values() if f["ProductFields"]["vpcflow/finding_id"] == low["finding_id"]
    ]
    assert finding["Severity"]["Label"] == "CRITICAL"


def test_a_superseded_finding_is_archived(backfilled, targets):
    hub, _, _ = targets
    found = rows(backfilled)
    send(backfilled, targets, found)
    gone = found[0]["finding_id"]
    result = send(backfilled, targets, [], superseded=[gone])
    assert result.archived == [gone]
    states = {f["ProductFields"]["vpcflow/finding_id"]: f["RecordState"] for f in imported(hub).values()}
    assert states[gone] == "ARCHIVED" and list(states.values()).count("ARCHIVED") == 1
    ledger = delivery.read_ledger(backfilled.clients("s3"), backfilled.config, gone)
    assert ledger["archived"] is True and json.dumps(ledger["finding"])


def test_a_hub_that_is_off_fails_naming_what_to_do(localaws, backfilled, targets):
    hub, publish, sent = targets
    hub.disable_security_hub()
    with pytest.raises(delivery.DeliveryFailed, match="VPCFLOW_SECURITY_HUB=enable"):
        send(backfilled, targets, rows(backfilled))
    assert sent == [], "nothing is published before Security Hub has the findings"
