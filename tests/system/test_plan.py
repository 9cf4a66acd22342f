"""The system tests' setup/body/teardown runner, offline: teardown always runs and failures still fail."""

import pytest

from tests.system.plan import Step, SystemTestFailure, run_plan


def _recorder():
    calls = []

    def step(name, fail=False):
        def run():
            calls.append(name)
            if fail:
                raise RuntimeError(f"{name} broke")

        return Step(name, run)

    return calls, step


def test_steps_run_in_order_and_a_clean_plan_passes():
    calls, step = _recorder()
    outcome = run_plan([step("setup")], [step("provision"), step("hourly")], [step("teardown")])
    assert calls == ["setup", "provision", "hourly", "teardown"]
    outcome.raise_for_failures()


def test_a_failed_body_step_skips_the_rest_but_teardown_runs_and_the_plan_fails():
    calls, step = _recorder()
    outcome = run_plan([step("setup")], [step("provision", fail=True), step("hourly")], [step("teardown")])
    assert calls == ["setup", "provision", "teardown"]
    assert outcome.skipped == ["hourly"]
    with pytest.raises(SystemTestFailure, match="provision: RuntimeError: provision broke"):
        outcome.raise_for_failures()


def test_every_teardown_step_runs_even_after_a_teardown_failure():
    calls, step = _recorder()
    outcome = run_plan([], [step("body")], [step("teardown_dag", fail=True), step("delete_leftovers")])
    assert calls == ["body", "teardown_dag", "delete_leftovers"]
    with pytest.raises(SystemTestFailure, match="teardown_dag"):
        outcome.raise_for_failures()
