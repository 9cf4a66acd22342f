"""Evaluating every metric alarm of a region: sample the gauges, judge each alarm, move its state and run
its actions when the state changes. moto stores alarms and never evaluates them; this does."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from localaws.cloudwatch import actions, samplers
from localaws.cloudwatch.evaluation import evaluate
from localaws.cloudwatch.store import Region, backends, rule_of
from localaws.service import AWSError

log = logging.getLogger("localaws.cloudwatch")


class Evaluator:
    def __init__(self, account_id: str, services: dict[str, Any], client: Callable[[str, str], Any]):
        self.account_id = account_id
        self.services = services
        self.client = client
        self._lock = threading.Lock()  # the timer thread and the hook never evaluate at once
        self._reported: set[tuple[str, str]] = set()

    def evaluate(self, region: str | None = None, prefix: str = "") -> dict[str, Any]:
        """Evaluate the alarms named ``prefix...`` of ``region`` (default: every region in use). Returns each
        alarm's outcome, the alarms that could not be evaluated and the actions that failed."""
        from moto.core.utils import utcnow

        outcome: dict[str, Any] = {"alarms": [], "unsupported": [], "action_failures": []}
        with self._lock:
            for name, backend in sorted(backends(self.account_id).items()):
                if region and name != region:
                    continue
                samplers.sample(self.account_id, name, self.services)
                store = Region(self.account_id, name, backend)
                now = utcnow()
                for alarm in store.alarms(prefix):
                    self._one(store, alarm, now, outcome)
        return outcome

    def _one(self, store: Region, alarm: Any, now: Any, outcome: dict[str, Any]) -> None:
        old = alarm.state_value
        try:
            rule = rule_of(alarm)
        except AWSError as err:
            outcome["unsupported"].append(err.message)
            key = (alarm.name, str(alarm.configuration_updated_timestamp))
            if key not in self._reported:  # once per configuration, not at every tick
                self._reported.add(key)
                log.error("cloudwatch: %s", err.message)
            if (old, alarm.state_reason) != ("INSUFFICIENT_DATA", err.message):
                store.set_state(alarm, "INSUFFICIENT_DATA", err.message, "{}")
            return
        verdict = evaluate(rule, store.samples(alarm), now)
        changed = verdict.state != old
        if changed or verdict.reason != alarm.state_reason:
            store.set_state(alarm, verdict.state, verdict.reason, verdict.reason_data)
        notified: list[str] = []
        if changed:
            notified, problems = actions.run(alarm, self.account_id, store.name, old, self.client)
            for problem in problems:
                target = "unsupported" if "not emulated" in problem else "action_failures"
                outcome[target].append(problem)
        outcome["alarms"].append(
            {
                "alarm": alarm.name,
                "region": store.name,
                "old_state": old,
                "state": verdict.state,
                "changed": changed,
                "reason": verdict.reason,
                "notified": notified,
            }
        )
