"""The labelled scenario: deterministic for a seed, the generator's own traffic underneath, every incident
kind labelled with the detectors that should find it, and its hours land in Parquet as compaction leaves
them (each distinct record the format reads once, '-' as NULL)."""

from __future__ import annotations

from datetime import UTC, datetime

from vpcflow.detections.detectors import BY_NAME
from vpcflow.model.formats import DEFAULT_FORMAT
from vpcflow.synthetic.scenario import ScenarioConfig, build_scenario
from vpcflow.synthetic.scoring import Finding, matches

SMALL = ScenarioConfig(seed=11, records_per_hour=300, history_days=1, days=1)


def test_a_seed_gives_the_same_scenario_and_another_seed_another():
    first, again = build_scenario("2026-11-02", SMALL), build_scenario("2026-11-02", SMALL)
    other = build_scenario(
        "2026-11-02", ScenarioConfig(seed=12, records_per_hour=300, history_days=1, days=1)
    )
    hour = first.scored_hours[7]
    assert first.batch(hour).lines == again.batch(hour).lines
    assert [lab.as_dict() for lab in first.labels] == [lab.as_dict() for lab in again.labels]
    assert first.batch(hour).lines != other.batch(hour).lines


def test_every_incident_kind_is_labelled_in_the_scored_days_only_with_known_detectors():
    scenario = build_scenario("2026-11-02", SMALL)
    incidents = [lab for lab in scenario.labels if lab.malicious]
    assert {lab.kind for lab in incidents} == {
        "vertical_scan", "horizontal_scan", "brute_force", "exfiltration", "first_seen_peer", "mining",
        "c2_beacon", "reject_flood", "skipdata_burst", "interface_silent",
    }  # fmt: skip
    assert all(lab.start >= scenario.scored_from for lab in incidents)
    assert all(set(lab.expect) | set(lab.accept) <= set(BY_NAME) for lab in scenario.labels)
    assert not any(lab.expect for lab in scenario.labels if not lab.malicious), "look-alikes expect nothing"
    assert scenario.environment()["VPCFLOW_DETECT_ALLOW_SCANNERS"] == scenario.allow_scanners[0]


def test_a_muted_interface_has_no_record_and_the_summary_counts_the_final_lines():
    scenario = build_scenario("2026-11-02", SMALL)
    (silent,) = [lab for lab in scenario.labels if lab.kind == "interface_silent"]
    (eni,) = silent.interfaces
    batch = scenario.batch(silent.start)
    assert not [line for line in batch.lines if f" {eni} " in line]
    records = [DEFAULT_FORMAT.typed_row(line) for line in batch.lines]
    assert batch.summary.lines == len(batch.lines)
    assert batch.summary.malformed == sum(1 for r in records if r is None)
    assert batch.summary.rejected == sum(1 for r in records if r and r["action"] == "REJECT")


def test_a_finding_matches_a_label_by_hours_and_entities():
    scenario = build_scenario("2026-11-02", SMALL)
    label = next(lab for lab in scenario.labels if lab.kind == "vertical_scan")
    hour = f"{label.start:%Y-%m-%d-%H}"
    (attacker,) = label.addresses
    hit = Finding("f", "port_scan_vertical", hour, hour, frozenset({attacker}), frozenset(), 1)
    elsewhere = Finding("g", "port_scan_vertical", "2026-11-02-00", "2026-11-02-00", frozenset({attacker}),
                        frozenset(), 1)  # fmt: skip
    assert matches(hit, label) and not matches(elsewhere, label)


def test_hours_land_in_parquet_as_compaction_leaves_them(localaws, new_stack):
    from vpcflow.synthetic.parquet_sink import write_parquet_hours

    scenario = build_scenario("2026-11-02", SMALL)
    hour = scenario.scored_hours[3]
    batch = scenario.batch(hour)
    batch.lines += batch.lines[:5]  # records delivered twice
    stack = new_stack("sink")
    assert write_parquet_hours([batch], stack.clients("s3"), stack.clients("glue"), stack.config) == [
        f"{hour:%Y-%m-%d-%H}"
    ]
    rows = stack.query(
        f"SELECT interfaceid, sourceaddress, bytes, logstatus, start_time FROM {stack.config.database}."
        f"{stack.config.parquet_table} WHERE ingestdatetime = '{hour:%Y-%m-%d-%H}'"
    )
    expected = {line for line in batch.lines if DEFAULT_FORMAT.typed_row(line) is not None}
    assert len(rows) == len(expected)
    nodata = [r for r in rows if r["logstatus"] == "NODATA"]
    assert nodata and all(r["sourceaddress"] is None and r["bytes"] is None for r in nodata)
    first = min(DEFAULT_FORMAT.typed_row(line)["start"] for line in expected)
    assert min(r["start_time"] for r in rows) == datetime.fromtimestamp(first, UTC).strftime(
        "%Y-%m-%d %H:%M:%S.000"
    )
