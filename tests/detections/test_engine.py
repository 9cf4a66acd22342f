"""The detection run over a labelled sample: every labelled incident found by the detectors that should find
it, nothing raised on the look-alikes; a backfill gives the findings of hourly runs, in order or arriving
out of order; only the judged hours' Parquet partitions and the small tables are read."""

from __future__ import annotations

from vpcflow.detections.detectors import DETECTORS
from vpcflow.synthetic.scoring import Finding, score

# What makes two runs' findings the same (the run that wrote them aside).
COMPARED = ("ingestdatetime", "finding_id", "detector", "severity", "status", "first_hour", "hours_active",
            "flows", "bytes", "score", "threshold", "first_seen", "last_seen", "evidence", "interfaceid", "source",
            "destination", "port", "subtype")  # fmt: skip


def canonical(rows):
    return sorted(tuple(r.get(c) for c in COMPARED) for r in rows)


def busiest_window(sample, width: int) -> list[str]:
    """The ``width`` scored hours where most labelled incident-hours fall (incidents spanning hours)."""
    from datetime import timedelta

    hours = sample.scored
    incident_hours = {
        f"{label.start + timedelta(hours=i):%Y-%m-%d-%H}"
        for label in sample.scenario.labels
        if label.malicious and label.start >= sample.scenario.scored_from
        for i in range(int((label.end - label.start) / timedelta(hours=1)))
    }
    best = max(range(len(hours) - width + 1), key=lambda i: len(incident_hours & set(hours[i : i + width])))
    return hours[best : best + width]


def test_every_labelled_incident_is_found_and_no_look_alike_raises_a_finding(sample, backfilled):
    # GIVEN a day with an incident of every kind after two days of look-alikes, judged in one run
    rows = backfilled.findings()
    result = score(Finding.from_rows(rows), sample.scenario.labels, sample.scenario.scored_from, 1,
                   [d.name for d in DETECTORS])  # fmt: skip
    # THEN each detector found every incident it should, and raised nothing a label does not account for
    for name, entry in result.detectors.items():
        assert entry.expected >= 1, f"the sample has no incident for {name}"
        assert entry.missed == [], f"{name} missed {entry.missed}"
        assert entry.false_positives == [], f"{name} raised {entry.false_positives}"


def test_a_backfill_gives_the_findings_of_hourly_runs_in_order_or_out_of_order(sample, backfilled, new_stack):
    window = busiest_window(sample, 4)
    in_order, racing = window[:2], window[2:]
    before = [h for h in sample.labels if h < window[0]]
    after = [h for h in sample.labels if h > window[-1]]
    stack = new_stack("hourly")
    stack.write(sample, before)
    stack.detect(before, "backfill")
    # WHEN hours arrive one by one, in order, each judged by its own run
    for hour in in_order:
        stack.write(sample, [hour])
        stack.detect([hour], f"hourly-{hour}")
    # AND then two hourly runs race: each hour's successor is compacted and judged before it
    reports = []
    for first, second in zip(racing[::2], racing[1::2], strict=True):
        for hour in (second, first):
            stack.write(sample, [hour])
            reports.append(stack.detect([hour], f"hourly-{hour}"))
    stack.write(sample, after)
    stack.detect(after, "backfill")
    # THEN an hour judged while its predecessor was missing is judged again once the predecessor arrives
    assert any(r.rejudged for r in reports)
    # AND the findings are the one backfill's, row for row (ids, incidents spanning hours, counts, evidence)
    assert canonical(stack.findings()) == canonical(backfilled.findings())


def test_a_rerun_replaces_an_hours_findings_with_the_same_ones(sample, backfilled):
    hour = max({r["ingestdatetime"] for r in backfilled.findings()})
    before = canonical(backfilled.findings())
    report = backfilled.detect([hour], "rerun")
    assert report.judged == [hour] and report.superseded == []
    assert canonical(backfilled.findings()) == before


def test_a_run_reads_only_its_hours_of_parquet_and_the_small_tables(sample, backfilled):
    import re

    from vpcflow.detections.engine import detect
    from vpcflow.detections.settings import DetectionSettings

    from tests.detections.conftest import OPTIONS

    statements = []
    athena = backfilled.clients("athena")
    athena.meta.events.register(
        "before-parameter-build.athena.StartQueryExecution",
        lambda params, **_: statements.append(params["QueryString"]),
    )
    hour = sample.scored[5]
    # WHEN one hour is judged (again)
    report = detect(athena, backfilled.clients("s3"), backfilled.config, DetectionSettings(), [hour], "scoped",
                    **OPTIONS)  # fmt: skip
    # THEN its statements name only the Parquet table and detections' own small tables
    db, parquet = backfilled.config.database, backfilled.config.parquet_table
    allowed = {parquet, f"{parquet}$partitions", "vpc_flow_baselines", "vpc_flow_baselines$partitions",
               "vpc_flow_findings", "vpc_flow_detection_runs"}  # fmt: skip
    named = {m for sql in statements for m in re.findall(rf'{db}\."?([a-z_$]+)"?', sql)}
    assert named <= allowed, named - allowed
    flows = [sql for sql in statements if re.search(rf"{db}\.{parquet}\b(?!\$)", sql)]
    assert len(flows) == 1 + len(DETECTORS)  # the hour's profile and each detector
    # AND every read of the flows names the judged hour's partition only
    assert all(f"WHERE ingestdatetime IN ('{hour}')" in sql for sql in flows)
    # AND what it scanned is recorded with the hour, beside the hours of baselines it had
    (run,) = backfilled.query(
        f"SELECT bytes_scanned, queries, baseline_hours, missing_hours FROM {db}.vpc_flow_detection_runs "
        f"WHERE ingestdatetime = '{hour}'"
    )
    assert int(run["bytes_scanned"]) == report.bytes_scanned > 0
    assert int(run["baseline_hours"]) == sample.labels.index(hour)
