"""The Python bodies of vpcflow_hourly's tasks. Each is keyed on the hour it is given, never on the clock,
and leaves the same state when run twice. Hooks come in from the DAG, so the same code runs on AWS and on
localaws."""

from __future__ import annotations

import io
import logging
from datetime import datetime, timedelta
from typing import Any

from vpcflow.hourly import macros
from vpcflow.hourly.quality import CHECKS, evaluate, failure_message, find_offending_lines
from vpcflow.hourly.settings import HourlyConfig

log = logging.getLogger(__name__)


class HourFailed(RuntimeError):
    """The hour cannot be processed as it is: no data, or a quality breach. Retrying will not help."""


def hour_label(hour: datetime) -> str:
    return f"{hour:%Y-%m-%d-%H}"


def _split(location: str) -> tuple[str, str]:
    bucket, _, prefix = location.removeprefix("s3://").partition("/")
    return bucket, prefix


def list_hour_objects(s3_client: Any, config: HourlyConfig, hour: datetime) -> dict[str, Any]:
    """The objects Firehose wrote for hour H; fails, naming the prefix, when there are too few."""
    location = macros.hour_location(config.to_params(), hour)
    bucket, prefix = _split(location)
    objects = [
        (item["Key"], item["Size"])
        for page in s3_client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        for item in page.get("Contents", [])
    ]
    if len(objects) < config.min_objects:
        raise HourFailed(
            f"hour {hour_label(hour)}: {len(objects)} objects under {location}, expected at least "
            f"{config.min_objects} (set min_objects=0 to accept an empty hour)"
        )
    return {"prefix": location, "objects": len(objects), "bytes": sum(size for _, size in objects)}


def query_rows(athena_client: Any, query_execution_id: str) -> list[dict[str, str | None]]:
    """All rows of a finished query as dicts of strings (Athena's own representation)."""
    rows: list[dict[str, str | None]] = []
    header: list[str] | None = None
    for page in athena_client.get_paginator("get_query_results").paginate(
        QueryExecutionId=query_execution_id
    ):
        for row in page["ResultSet"]["Rows"]:
            values = [cell.get("VarCharValue") for cell in row["Data"]]
            if header is None:
                header = values
                continue
            rows.append(dict(zip(header, values, strict=True)))
    return rows


def run_athena(athena_client: Any, config: HourlyConfig, sql: str, poll_s: float = 1.0) -> str:
    """Run one statement in the stack's workgroup and wait for it; raise with Athena's reason if it fails."""
    import time

    stack = config.stack
    qid = athena_client.start_query_execution(
        QueryString=sql,
        QueryExecutionContext={"Database": stack.database},
        ResultConfiguration={"OutputLocation": stack.athena_output_location},
        WorkGroup=stack.workgroup,
    )["QueryExecutionId"]
    while True:
        status = athena_client.get_query_execution(QueryExecutionId=qid)["QueryExecution"]["Status"]
        if status["State"] == "SUCCEEDED":
            return qid
        if status["State"] in ("FAILED", "CANCELLED"):
            raise RuntimeError(
                f"Athena query {qid} {status['State']}: {status.get('StateChangeReason')}\n{sql}"
            )
        time.sleep(poll_s)


def store_quality(
    s3_client: Any, athena_client: Any, config: HourlyConfig, hour: datetime, rows: list[dict[str, Any]]
) -> str:
    """Write hour H's check rows as one Parquet object at a fixed key (a rerun replaces it) and register
    the partition. Returns the object's URI."""
    import duckdb

    params = config.to_params()
    location = macros.quality_partition_location(params, hour)
    bucket, prefix = _split(location)
    key = f"{prefix}quality-{hour_label(hour)}.parquet"
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE q (check_name VARCHAR, value BIGINT, ratio DOUBLE, threshold DOUBLE, passed BOOLEAN)"
    )
    con.executemany(
        "INSERT INTO q VALUES (?, ?, ?, ?, ?)",
        [(r["check_name"], r["value"], r["ratio"], r["threshold"], r["passed"]) for r in rows],
    )
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/q.parquet"
        con.execute(f"COPY q TO '{path}' (FORMAT parquet)")
        with open(path, "rb") as handle:
            s3_client.put_object(Bucket=bucket, Key=key, Body=handle.read())
    table = f"{config.stack.database}.{macros.quality_table(params)}"
    run_athena(
        athena_client,
        config,
        f"ALTER TABLE {table} ADD IF NOT EXISTS PARTITION (IngestDateTime='{hour_label(hour)}') LOCATION '{location}'",
    )
    return f"s3://{bucket}/{key}"


def evaluate_quality(
    s3_client: Any, athena_client: Any, config: HourlyConfig, hour: datetime, query_execution_id: str
) -> dict[str, Any]:
    """Judge hour H from the one-scan check query, store the verdict, and fail with evidence on a breach."""
    (counts,) = query_rows(athena_client, query_execution_id)
    results = evaluate({name: int(counts[name] or 0) for name in CHECKS}, config.thresholds)
    stored = store_quality(s3_client, athena_client, config, hour, [r.as_row() for r in results])
    failed = {r.check for r in results if not r.passed}
    verdict = {
        "hour": hour_label(hour),
        "passed": not failed,
        "failed_checks": sorted(failed),
        "counts": {r.check: r.value for r in results},
        "stored": stored,
    }
    log.info("quality of %s: %s", hour_label(hour), verdict)
    if failed:
        samples = find_offending_lines(
            _hour_objects(s3_client, config, hour),
            failed,
            int(hour.timestamp()),
            config.outside_hour_tolerance_s,
        )
        raise HourFailed(failure_message(hour_label(hour), results, samples))
    return verdict


def _hour_objects(s3_client: Any, config: HourlyConfig, hour: datetime):
    bucket, prefix = _split(macros.hour_location(config.to_params(), hour))
    for page in s3_client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            body = s3_client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            yield f"s3://{bucket}/{item['Key']}", body


def clear_parquet_partition(s3_client: Any, config: HourlyConfig, hour: datetime) -> int:
    """Delete the files of hour H's Parquet partition so the insert that follows replaces, not appends."""
    bucket, prefix = _split(macros.parquet_partition_location(config.to_params(), hour))
    deleted = 0
    for page in s3_client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        if keys:
            s3_client.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
            deleted += len(keys)
    return deleted


def spice_refresh_due(
    config: HourlyConfig, run_type: Any, interval_end: datetime, conf: dict[str, Any]
) -> bool:
    """Whether this run refreshes SPICE. QuickSight allows 32 refreshes a day (8 on Standard), so a
    backfill refreshes once, in the run of its last hour (``backfill_to`` in the run's conf)."""
    # The Task SDK's DagRunType is a plain str Enum: str() of it is 'DagRunType.BACKFILL', not 'backfill'.
    run_type = getattr(run_type, "value", run_type)
    if config.spice_refresh == "off" or not config.stack.quicksight:
        return False
    if run_type != "backfill" or config.spice_refresh == "hourly":
        return True
    backfill_to = conf.get("backfill_to")
    if not backfill_to:
        return False
    from pendulum import parse

    return interval_end >= parse(backfill_to) - timedelta(seconds=1)


def summarise(
    athena_client: Any, query_execution_id: str, verdict: dict[str, Any], objects: dict[str, Any]
) -> dict[str, Any]:
    rows = query_rows(athena_client, query_execution_id)
    total = next(r for r in rows if r["kind"] == "total")
    summary = {
        "hour": verdict["hour"],
        "objects": objects["objects"],
        "object_bytes": objects["bytes"],
        "flows": int(total["flows"]),
        "bytes": int(total["bytes"]),
        "rejects": int(total["rejects"]),
        "top_rejected_sources": [
            (r["sourceaddress"], int(r["flows"])) for r in rows if r["kind"] == "top_rejected"
        ],
        "quality": "passed" if verdict["passed"] else f"failed: {', '.join(verdict['failed_checks'])}",
    }
    buffer = io.StringIO()
    buffer.write(
        f"hour {summary['hour']}: {summary['flows']} flows, {summary['bytes']} bytes, "
        f"{summary['rejects']} rejects, quality {summary['quality']}"
    )
    for source, flows in summary["top_rejected_sources"]:
        buffer.write(f"\n  rejected source {source}: {flows} flows")
    log.info(buffer.getvalue())
    return summary
