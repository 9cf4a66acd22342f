"""The safety net for asset events Airflow leaves queued (apache/airflow#56050): hours compacted but never
judged are found, and judged by one run naming them, unless a detections run is active."""

from __future__ import annotations

from vpcflow.detections.coverage import judge_trigger, unjudged_hours


def test_hours_compacted_but_not_judged_are_found(sample, new_stack):
    # GIVEN four compacted hours, of which the first two were judged
    stack = new_stack("coverage")
    hours = sample.labels[:4]
    stack.write(sample, hours)
    stack.detect(hours[:2], "first-two")
    window = [*hours, "2026-01-01-00"]  # and an hour never compacted
    # THEN exactly the last two are left over
    assert unjudged_hours(stack.clients("athena"), stack.config, window) == hours[2:]
    # WHEN they are judged THEN nothing is left
    stack.detect(hours[2:], "the-rest")
    assert unjudged_hours(stack.clients("athena"), stack.config, window) == []


def test_one_run_names_every_hour_left_unless_a_run_is_active():
    assert judge_trigger(["2026-11-30-12", "2026-11-30-13"], active_runs=0) == [
        {"conf": {"hours": ["2026-11-30-12", "2026-11-30-13"]}}
    ]
    assert judge_trigger(["2026-11-30-13"], active_runs=1) == []
    assert judge_trigger([], active_runs=0) == []
