"""Hits become findings: one finding per incident (hours apart by at most the gap), ids that depend only on
the incident, severity that escalates and never calms down; and a finding in the AWS Security Finding
Format that Security Hub's checks accept."""

from __future__ import annotations

from datetime import datetime

import pytest
from localaws.securityhub import asff as security_hub_format
from vpcflow.detections import delivery
from vpcflow.detections.asff import to_asff
from vpcflow.detections.detectors import BY_NAME
from vpcflow.detections.findings import Hit, Incidents, finding_id, parse_evidence

EVIDENCE = "1795136400|203.0.113.9|51000|10.1.0.5|22|6|REJECT|2|120|OK"


def hit(hour: str, attempts: int = 40, source: str = "203.0.113.9") -> Hit:
    return Hit.from_row(
        BY_NAME["brute_force"],
        {
            "hour": hour, "interfaceid": "eni-0a", "account": "111122223333", "source": source,
            "destination": "10.1.0.5", "port": "22", "protocol": "6", "subtype": None, "flows": str(attempts),
            "packets": str(attempts * 2), "bytes": str(attempts * 120), "score": str(float(attempts)),
            "threshold": "20.0", "first_seen": f"{hour[:10]} {hour[11:]}:03:00.000",
            "last_seen": f"{hour[:10]} {hour[11:]}:50:00.000", "detail": f"{attempts} attempts",
            "evidence": EVIDENCE,
        },
    )  # fmt: skip


def test_hours_within_the_gap_are_one_incident_and_a_longer_pause_opens_another():
    incidents = Incidents(gap_hours=2, keep=5)
    (first,) = incidents.hour("2026-11-26-05", [hit("2026-11-26-05")])
    (second,) = incidents.hour("2026-11-26-08", [hit("2026-11-26-08")])  # two quiet hours: the same incident
    (third,) = incidents.hour("2026-11-26-12", [hit("2026-11-26-12")])  # three: a new one
    assert first["finding_id"] == second["finding_id"] != third["finding_id"]
    assert (second["status"], second["hours_active"], second["flows"]) == ("continued", 2, 80)
    assert second["first_seen"] == datetime(2026, 11, 26, 5, 3) and second["first_hour"] == "2026-11-26-05"
    assert third["status"] == "new" and third["first_hour"] == "2026-11-26-12"
    # The id is the incident's: detector, entity and first hour, whoever computes it.
    assert first["finding_id"] == finding_id("brute_force", hit("2026-11-26-05").key, "2026-11-26-05")


def test_severity_escalates_once_and_never_goes_down():
    incidents = Incidents(gap_hours=2, keep=5)
    rows = [incidents.hour(h, [hit(h, attempts)])[0] for h, attempts in
            (("2026-11-26-05", 40), ("2026-11-26-06", 400), ("2026-11-26-07", 30))]  # fmt: skip
    assert [(r["severity"], r["status"]) for r in rows] == [
        ("HIGH", "new"),
        ("CRITICAL", "escalated"),  # 400 attempts: ten times the threshold
        ("CRITICAL", "continued"),
    ]


def test_evidence_keeps_the_incidents_first_flows():
    flows = parse_evidence(EVIDENCE + ";" + EVIDENCE.replace("51000", "51001"))
    assert flows[0] == {
        "start": 1795136400, "source": "203.0.113.9", "source_port": 51000, "destination": "10.1.0.5",
        "destination_port": 22, "protocol": 6, "action": "REJECT", "packets": 2, "bytes": 120, "status": "OK",
    }  # fmt: skip
    with pytest.raises(ValueError, match="does not have the 10 fields"):
        parse_evidence("1|2|3")


def test_a_finding_in_asff_passes_security_hubs_checks_and_its_message_fits_sns():
    (row,) = Incidents(2, 5).hour("2026-11-26-05", [hit("2026-11-26-05")])
    finding = to_asff(row, "vpcflow", "123456789012", "eu-west-1")
    security_hub_format.check(finding)  # raises with Security Hub's wording if not
    assert finding["Id"] == f"vpcflow/vpcflow/brute_force/{row['finding_id']}"
    assert (
        finding["FindingProviderFields"]["Severity"]
        == finding["Severity"]
        == {"Label": "HIGH", "Original": "HIGH"}
    )
    assert finding["Network"] == {"Direction": "IN", "Protocol": "TCP", "SourceIpV4": "203.0.113.9",
                                  "DestinationIpV4": "10.1.0.5", "DestinationPort": 22}  # fmt: skip
    assert finding["Resources"][0]["Id"] == "arn:aws:ec2:eu-west-1:111122223333:network-interface/eni-0a"
    assert (finding["CreatedAt"], finding["UpdatedAt"]) == (
        "2026-11-26T05:03:00.000Z",
        "2026-11-26T06:00:00.000Z",
    )
    subject, message = delivery.message({**row, "delivery": "new"}, "vpcflow")
    assert len(subject) <= 100 and "203.0.113.9 -> 10.1.0.5:22" in subject
    assert "203.0.113.9:51000 -> 10.1.0.5:22 proto 6 REJECT 2 packets 120 bytes" in message
