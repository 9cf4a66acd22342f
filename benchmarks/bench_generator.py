"""vpcflow generate: lines per second for one 100,000-record hour, and the Firehose-layout gzip step.

.venv/bin/python benchmarks/bench_generator.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plugins"))

from vpcflow.synthetic.generator import GeneratorConfig, build_estate, generate_hour  # noqa: E402
from vpcflow.synthetic.sinks import firehose_objects  # noqa: E402

RECORDS = 100_000
ROUNDS = 5


def main() -> None:
    config = GeneratorConfig(records_per_hour=RECORDS, daily_curve=False)
    estate = build_estate(config.seed, config.accounts)
    generate_s, gzip_s = [], []
    for round_ in range(ROUNDS):
        t0 = time.perf_counter()
        batch = generate_hour(f"2026-11-26T{round_:02d}", config, estate)
        t1 = time.perf_counter()
        objects = firehose_objects(batch, prefix="raw/", seed=config.seed)
        t2 = time.perf_counter()
        generate_s.append(t1 - t0)
        gzip_s.append(t2 - t1)
    raw = sum(len(line) + 1 for line in batch.lines)
    packed = sum(len(body) for _, body in objects)
    best = min(generate_s)
    print(f"generator: {RECORDS:,} records/hour, best of {ROUNDS}")
    print(
        f"  generate_hour   best {best:.3f} s  median {statistics.median(generate_s):.3f} s  ({RECORDS / best:,.0f} lines/s)"
    )
    print(
        f"  gzip to objects best {min(gzip_s):.3f} s  ({len(objects)} objects, {raw / 1e6:.1f} MB -> {packed / 1e6:.1f} MB)"
    )


if __name__ == "__main__":
    main()
