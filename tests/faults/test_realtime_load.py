"""benchmarks/bench_realtime_load.py at test size: 20,000 events through the real-time path on localaws
(max-size PutLogEvents -> subscription -> Lambda -> Firehose -> S3), every line verified."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_realtime_load.py"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_realtime_load", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_a_burst_of_20k_events_arrives_complete_and_unaltered(localaws, unique, fault_report):
    bench = _bench()
    # WHEN 20,000 events are put in calls as large as CloudWatch Logs allows
    result = bench.run_load(localaws.endpoint, 20_000, name=f"load-{unique}")
    # THEN each call became one successful invocation and every line arrived once, byte for byte
    assert result.put_calls >= 2  # the byte limit, not the 10,000-event limit, cuts the calls
    assert result.invocations == result.lambda_attempts == result.put_calls
    assert (result.delivered, result.lost, result.duplicates, result.altered) == (20_000, 0, 0, 0)
    fault_report.add(
        "burst: 20k events (bench_realtime_load)",
        f"{result.put_calls} max-size PutLogEvents calls back to back",
        result.events, result.delivered, result.lost, result.duplicates, 0, "no fault: capacity check",
    )  # fmt: skip
