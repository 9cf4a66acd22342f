"""The shape of the Amazon provider's system tests, for steps that are whole DAG runs.

Its example_athena.py reads ``chain(# TEST SETUP ..., # TEST BODY ..., # TEST TEARDOWN ...)`` with the
teardown tasks on ``TriggerRule.ALL_DONE`` and a ``watcher()`` that fails the run if any task failed.
Here each step is a callable (typically ``dag.test()`` of one vpcflow DAG): setup and body stop at the
first failure, teardown always runs in full, and the plan fails afterwards if any step failed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Step:
    name: str
    run: Callable[[], object]


@dataclass
class Outcome:
    ran: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, BaseException] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def raise_for_failures(self) -> None:
        """The watcher: a failed step fails the test even when teardown cleaned up after it."""
        if self.failed:
            lines = [f"{name}: {type(exc).__name__}: {exc}" for name, exc in self.failed.items()]
            raise SystemTestFailure("system test steps failed:\n  " + "\n  ".join(lines)) from next(
                iter(self.failed.values())
            )


class SystemTestFailure(AssertionError):
    pass


def run_plan(setup: Sequence[Step], body: Sequence[Step], teardown: Sequence[Step]) -> Outcome:
    """Run setup then body (each step only if every earlier one succeeded), then every teardown step."""
    outcome = Outcome()
    for step in [*setup, *body]:
        if outcome.failed:
            outcome.skipped.append(step.name)
            continue
        _run(step, outcome)
    for step in teardown:  # TriggerRule.ALL_DONE
        _run(step, outcome)
    return outcome


def _run(step: Step, outcome: Outcome) -> None:
    started = time.monotonic()
    log.info("system test step %s", step.name)
    try:
        step.run()
    except Exception as exc:  # recorded, reported by raise_for_failures; teardown must still run
        log.exception("system test step %s failed", step.name)
        outcome.failed[step.name] = exc
    finally:
        outcome.ran.append(step.name)
        outcome.seconds[step.name] = round(time.monotonic() - started, 1)
