"""Compaction with and without the enrichment: Athena bytes scanned and wall time per hour, side by side.

    .venv/bin/python benchmarks/bench_enrichment.py     # or: .venv/bin/python benchmarks/run.py enrichment

Starts its own LocalAWS (in this process, 127.0.0.1, random port), provisions a stack's storage and
catalog, places the generator's estate in EC2 (moto) and snapshots it, loads a sample of AWS's ranges,
IANA's names and the geo ranges (as vpcflow_enrichment does), writes generated hours to S3 as Firehose
would, registers each hour's partitions, then runs compact_hour.sql (the CTAS) for every hour twice,
alternating: once as rendered with the enrichment (``VPCFLOW_ENRICHMENT=true``, the default) and once
without (its columns written as NULLs). Each statement's wall time is from submission to SUCCEEDED as the
client sees it; DataScannedInBytes and EngineExecutionTimeInMillis come from GetQueryExecution. Figures are
the median over the hours. ``BENCH_ENRICH_RECORDS`` (records per hour, default 20000) and
``BENCH_ENRICH_HOURS`` (default 3) change the volume.

On AWS the dimension tables are read by every hour's CTAS too: their size (printed) is the bytes the
enrichment adds to each hour's scan, whatever the hour's volume.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
for path in (REPO, REPO / "plugins"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

RECORDS = int(os.environ.get("BENCH_ENRICH_RECORDS", "20000"))
HOURS = int(os.environ.get("BENCH_ENRICH_HOURS", "3"))
FIRST = datetime(2026, 11, 25, 8, tzinfo=UTC)
SEED = 5


def _run(athena, config, sql: str) -> tuple[float, int, int]:
    started = time.perf_counter()
    qid = athena.start_query_execution(
        QueryString=sql,
        WorkGroup=config.workgroup,
        QueryExecutionContext={"Database": config.database},
    )["QueryExecutionId"]
    while True:
        execution = athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]
        state = execution["Status"]["State"]
        if state in ("SUCCEEDED", "FAILED", "CANCELLED"):
            break
        time.sleep(0.01)
    wall = time.perf_counter() - started
    if state != "SUCCEEDED":
        raise RuntimeError(f"{state}: {execution['Status'].get('StateChangeReason')}\n{sql[:400]}")
    stats = execution["Statistics"]
    return wall, stats["DataScannedInBytes"], stats["EngineExecutionTimeInMillis"]


def main() -> None:
    logging.disable(logging.WARNING)
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1"
    )
    from localaws.server import LocalAWS
    from vpcflow.enrichment.tables import DIMENSION_TABLES
    from vpcflow.hourly.compaction import Target
    from vpcflow.hourly.context import HourContext
    from vpcflow.hourly.settings import RunSettings
    from vpcflow.model.config import StackConfig
    from vpcflow.provision.common import Clients
    from vpcflow.provision.stack import provision_catalog, provision_storage
    from vpcflow.synthetic.generator import GeneratorConfig
    from vpcflow.synthetic.sinks import generate_to_s3

    from tests.vpcflow.enrichment.loading import load_dimensions, place_and_snapshot

    hours = [FIRST + timedelta(hours=i) for i in range(HOURS)]
    with tempfile.TemporaryDirectory() as state, LocalAWS(port=0, state_dir=state) as aws:
        config = StackConfig.isolated("bench", quicksight=False)
        clients = Clients(endpoint_url=aws.endpoint, region="us-east-1")
        provision_storage(clients, config)
        provision_catalog(clients, config)
        gen = GeneratorConfig(records_per_hour=RECORDS, seed=SEED, daily_curve=False, malformed=0)
        estate = place_and_snapshot(clients, config, SEED, gen.accounts, f"{FIRST:%Y-%m-%d-%H}")
        load_dimensions(clients, config)
        generate_to_s3(hours[0], hours[-1] + timedelta(hours=1), gen, s3=clients("s3"), url=config.raw_location,
                       estate=estate)  # fmt: skip
        athena, s3 = clients("athena"), clients("s3")
        figures: dict[bool, list[tuple[float, int, int]]] = {True: [], False: []}
        for hour in hours:
            context = HourContext(config, RunSettings(), hour)
            for step in ("register_partition", "register_typed_partition"):
                _run(athena, config, context.sql(step))
            for enriched in (False, True):
                stack = dataclasses.replace(config, enrichment=enriched)
                ctx = HourContext(stack, RunSettings(), hour)
                target = Target.for_try(ctx, f"bench-{enriched}-{hour:%H}")
                figures[enriched].append(_run(athena, config, ctx.sql("compact_hour", compaction=target)))
        dimension_bytes = {
            t.name: sum(
                o["Size"]
                for o in s3.list_objects_v2(
                    Bucket=config.bucket, Prefix=t.location(config).split("/", 3)[3]
                ).get("Contents", [])
            )
            for t in DIMENSION_TABLES
        }

    def median(enriched: bool, index: int) -> float:
        return statistics.median(f[index] for f in figures[enriched])

    print(f"compaction of {HOURS} hour(s) of {RECORDS:,} records each (median per hour), localaws on DuckDB")
    print(f"{'':24}{'without enrichment':>20}{'with enrichment':>20}{'ratio':>8}")
    for label, index, unit in (
        ("wall time (s)", 0, 1),
        ("engine time (s)", 2, 1000),
        ("bytes scanned", 1, 1),
    ):
        a, b = median(False, index) / unit, median(True, index) / unit
        shown = (f"{a:,.0f}", f"{b:,.0f}") if index == 1 else (f"{a:.3f}", f"{b:.3f}")
        print(f"{label:24}{shown[0]:>20}{shown[1]:>20}{b / a if a else float('nan'):>8.2f}")
    print("dimension tables (bytes):", ", ".join(f"{k} {v:,}" for k, v in dimension_bytes.items()))


if __name__ == "__main__":
    main()
