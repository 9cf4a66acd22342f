"""The Python bodies of vpcflow_hourly's tasks. Each works on the HourContext it is given, never on the
clock, and leaves the same state when run twice. Clients come in from the DAG (AthenaHook, S3Hook), so the
same code runs on AWS and on localaws."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from vpcflow.athena import Athena
from vpcflow.hourly import quality
from vpcflow.hourly.context import HourContext
from vpcflow.hourly.settings import RunSettings
from vpcflow.hourly.tables import table_named
from vpcflow.model.config import StackConfig
from vpcflow.model.hour_tables import write_parquet

log = logging.getLogger(__name__)

# Malformed lines kept per hour for inspection: the quality row counts them all, and the raw objects stay
# in S3 (raw/ expires after raw_expire_days), so a cap bounds the worker's reading, not what is kept.
MAX_MALFORMED_LINES = 10_000


class HourFailed(AirflowFailException):
    """The hour cannot be processed as it is: no data, or a blocking quality breach. Retrying will not
    help, so the task fails at once instead of spending its retries."""


def split_location(location: str) -> tuple[str, str]:
    bucket, _, prefix = location.removeprefix("s3://").partition("/")
    return bucket, prefix


def _list(s3_client: Any, location: str) -> Iterator[dict[str, Any]]:
    bucket, prefix = split_location(location)
    for page in s3_client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        yield from page.get("Contents", [])


def hour_objects(s3_client: Any, hour: HourContext) -> list[dict[str, Any]]:
    """What Firehose wrote for hour H now: key, ETag and size of each object."""
    return [
        {"object_key": item["Key"], "etag": item["ETag"].strip('"'), "size": item["Size"]}
        for item in _list(s3_client, hour.raw_location)
    ]


def list_hour_objects(
    s3_client: Any, athena_client: Any, hour: HourContext, run_id: str, logical_date: datetime | None
) -> dict[str, Any]:
    """The objects Firehose wrote for hour H, recorded as the hour's manifest (what reconciliation compares
    with S3 later); fails, naming the prefix, when there are too few."""
    objects = hour_objects(s3_client, hour)
    if not objects:
        first = first_hour_with_data(s3_client, hour)
        if first is None or hour.start < first:
            # Before the stack's first data (a new deployment, a catch-up from an early start date): nothing
            # is missing, so nothing fails; the hour's tasks are skipped.
            raise AirflowSkipException(
                f"hour {hour.label}: no data yet under {hour.stack.raw_location} "
                + (
                    f"(the first hour with objects is {first:%Y-%m-%dT%H:00Z})"
                    if first
                    else "(no objects at all)"
                )
            )
    if len(objects) < hour.settings.min_objects:
        raise HourFailed(
            f"hour {hour.label}: {len(objects)} objects under {hour.raw_location}, expected at least "
            f"{hour.settings.min_objects} (set min_objects=0 to accept an empty hour)"
        )
    stamp = {"run_id": run_id, "logical_date": logical_date.isoformat() if logical_date else None}
    table = table_named(hour.stack, hour.stack.objects_table)
    write_parquet(s3_client, hour.manifest_location, f"objects-{hour.label}.parquet", table,
               [{**item, **stamp} for item in objects])  # fmt: skip
    Athena.for_stack(athena_client, hour.stack).run(
        hour.add_partition_sql(table.name, hour.manifest_location)
    )
    return {"prefix": hour.raw_location, "objects": len(objects), "bytes": sum(o["size"] for o in objects)}


def first_hour_with_data(s3_client: Any, hour: HourContext) -> datetime | None:
    """The earliest YYYY/MM/DD/HH/ folder under the raw prefix (folders listed level by level, the first
    of each: a handful of calls however long the history)."""
    bucket, prefix = split_location(hour.stack.raw_location)
    parts = []
    for _ in range(4):
        answer = s3_client.list_objects_v2(Bucket=bucket, Prefix=prefix, Delimiter="/", MaxKeys=1000)
        folders = sorted(
            p["Prefix"] for p in answer.get("CommonPrefixes", []) if p["Prefix"][len(prefix) : -1].isdigit()
        )
        if not folders:
            return None
        prefix = folders[0]
        parts.append(int(prefix.rstrip("/").rsplit("/", 1)[1]))
    return datetime(*parts, tzinfo=UTC)


def evaluate_quality(
    s3_client: Any, athena_client: Any, hour: HourContext, query_execution_id: str
) -> dict[str, Any]:
    """Judge hour H from the one-scan check query, store the verdict (and any malformed lines), and fail
    with evidence on a blocking breach; warnings let the hour through."""
    athena = Athena.for_stack(athena_client, hour.stack)
    (counts,) = athena.rows(query_execution_id)
    results = quality.evaluate(
        {name: int(value or 0) for name, value in counts.items()}, hour.settings.thresholds, hour.fmt
    )
    table = table_named(hour.stack, hour.stack.quality_table)
    stored = write_parquet(s3_client, hour.quality_location, f"quality-{hour.label}.parquet", table,
                        [r.as_row() for r in results])  # fmt: skip
    athena.run(hour.add_partition_sql(table.name, hour.quality_location))
    kept = keep_malformed_lines(s3_client, athena, hour, _count(results, "malformed_rows"))
    blocked, warned = quality.blocking(results), quality.warnings(results)
    verdict = {
        "hour": hour.label,
        "passed": not blocked,
        "failed_checks": sorted(r.check for r in blocked),
        "warnings": sorted(r.check for r in warned),
        "counts": {r.check: r.value for r in results},
        "stored": stored,
        "malformed_kept": kept,
    }
    log.info("quality of %s: %s", hour.label, verdict)
    if blocked or warned:
        checks = {r.check for r in blocked + warned}
        samples = quality.find_offending_lines(_hour_bodies(s3_client, hour), checks, hour.fmt, hour.window)
        message = quality.failure_message(hour.label, blocked + warned, samples)
        if blocked:
            raise HourFailed(message)
        verdict["warning_message"] = message
    return verdict


def _count(results: list[quality.CheckResult], name: str) -> int:
    return next((r.value for r in results if r.check == name), 0)


def keep_malformed_lines(s3_client: Any, athena: Athena, hour: HourContext, expected: int) -> int:
    """Hour H's lines its format cannot read, with their object and line number, in the malformed table
    (replaced on a rerun). Athena names the objects that hold them; only those are read here."""
    table = table_named(hour.stack, hour.stack.malformed_table)
    rows: list[dict[str, Any]] = []
    if expected:
        where = f"ingestdatetime = '{hour.raw_partition.value}' AND \"$path\" LIKE '{hour.raw_location}%'"
        holders = athena.query(
            f'SELECT DISTINCT "$path" AS object FROM {hour.table(hour.stack.typed_table)} '
            f"WHERE {where} AND {hour.malformed_sql}"
        )
        bucket, _ = split_location(hour.raw_location)
        for holder in sorted(h["object"] or "" for h in holders):
            key = holder.removeprefix(f"s3://{bucket}/")
            body = s3_client.get_object(Bucket=bucket, Key=key)["Body"].read()
            for number, line in quality.iter_lines(body):
                if len(rows) < MAX_MALFORMED_LINES and hour.fmt.typed_row(line) is None:
                    rows.append({"object_key": key, "line_number": number, "line": line[:10_000]})
        if len(rows) < min(expected, MAX_MALFORMED_LINES):
            raise RuntimeError(
                f"hour {hour.label}: the quality scan counted {expected} malformed rows but only {len(rows)} "
                f"lines of its objects fail the format: the objects changed under the run; it retries"
            )
    write_parquet(s3_client, hour.malformed_location, f"malformed-{hour.label}.parquet", table, rows)
    athena.run(hour.add_partition_sql(table.name, hour.malformed_location))
    if expected > len(rows):
        log.warning("hour %s: kept the first %d of %d malformed lines", hour.label, len(rows), expected)
    return len(rows)


def _hour_bodies(s3_client: Any, hour: HourContext) -> Iterator[tuple[str, bytes]]:
    bucket, _ = split_location(hour.raw_location)
    for item in _list(s3_client, hour.raw_location):
        body = s3_client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
        yield f"s3://{bucket}/{item['Key']}", body


# A run that starts within this long of its hour's end processes a live hour; later ones are a catch-up.
LIVE_LAG = timedelta(hours=1)
# How far back a refreshing run looks for earlier runs still compacting (a backfill or catch-up in flight).
SETTLE_WINDOW = timedelta(days=14)


def spice_refresh_due(
    settings: RunSettings, stack: StackConfig, run: Any, interval_end: datetime, conf: dict[str, Any]
) -> bool:
    """Whether this run refreshes SPICE. QuickSight allows 32 refreshes a day (8 on Standard,
    docs.aws.amazon.com/quicksight/latest/user/refreshing-imported-data.html), so: every manual run and
    every live hour; of a catch-up, only its latest (live) hour; of a backfill, only the run of its last
    hour (``backfill_to`` in the run's conf). ``hourly`` refreshes every run, ``off`` none."""
    # The Task SDK's DagRunType is a plain str Enum: str() of it is 'DagRunType.BACKFILL', not 'backfill'.
    run_type = getattr(run.run_type, "value", run.run_type)
    if settings.spice_refresh == "off" or not stack.quicksight:
        return False
    if settings.spice_refresh == "hourly" or run_type in ("manual", "asset_triggered"):
        return True
    if run_type == "backfill":
        backfill_to = conf.get("backfill_to")
        if not backfill_to:
            return False
        from pendulum import parse

        return interval_end >= parse(backfill_to) - timedelta(seconds=1)
    started = run.start_date or run.run_after
    return started - interval_end <= LIVE_LAG


def refreshes_today(quicksight: Any, stack: StackConfig, account: str) -> int:
    """Ingestions of the stack's dataset created in the last 24 hours, by QuickSight's own clock."""
    answer = quicksight.list_ingestions(AwsAccountId=account, DataSetId=stack.quicksight_dataset_id)
    now = parsedate_to_datetime(answer["ResponseMetadata"]["HTTPHeaders"]["date"])
    ingestions = list(answer.get("Ingestions", []))
    token = answer.get("NextToken")
    while token:
        page = quicksight.list_ingestions(
            AwsAccountId=account, DataSetId=stack.quicksight_dataset_id, NextToken=token
        )
        ingestions += page.get("Ingestions", [])
        token = page.get("NextToken")
    return sum(1 for i in ingestions if now - i["CreatedTime"] < timedelta(hours=24))


def within_budget(quicksight: Any, stack: StackConfig, account: str) -> bool:
    """False (and says so) when the day's refreshes have reached VPCFLOW_SPICE_DAILY_BUDGET: the next live
    hour or the next run past the quota refreshes instead; failing would only spend a retry."""
    used = refreshes_today(quicksight, stack, account)
    if used >= stack.spice_daily_budget:
        log.warning(
            "SPICE refresh of %s skipped: %d refreshes in the last 24 hours, the daily budget is %d "
            "(VPCFLOW_SPICE_DAILY_BUDGET; QuickSight allows 32 on Enterprise, 8 on Standard)",
            stack.quicksight_dataset_id, used, stack.spice_daily_budget,
        )  # fmt: skip
        return False
    return True


def earlier_hours(hour: HourContext) -> list[datetime]:
    """The logical dates of the runs of the hours before this one, back over SETTLE_WINDOW."""
    hours = int(SETTLE_WINDOW / timedelta(hours=1))
    return [hour.start - timedelta(hours=n) for n in range(1, hours + 1)]


def summarise(
    athena_client: Any, query_execution_id: str, verdict: dict[str, Any], objects: dict[str, Any]
) -> dict[str, Any]:
    rows = Athena(athena_client).rows(query_execution_id)
    total = next(r for r in rows if r["kind"] == "total")
    summary = {
        "hour": verdict["hour"],
        "objects": objects["objects"],
        "object_bytes": objects["bytes"],
        "flows": int(total["flows"]),
        "nodata": int(total["nodata"]),
        "skipdata": int(total["skipdata"]),
        "bytes": int(total["bytes"]),
        "rejects": int(total["rejects"]),
        "top_rejected_sources": [
            (r["sourceaddress"], int(r["flows"])) for r in rows if r["kind"] == "top_rejected"
        ],
        "quality": "passed" if verdict["passed"] else f"failed: {', '.join(verdict['failed_checks'])}",
        "warnings": verdict.get("warnings", []),
    }
    buffer = io.StringIO()
    buffer.write(
        f"hour {summary['hour']}: {summary['flows']} flows ({summary['nodata']} NODATA and "
        f"{summary['skipdata']} SKIPDATA records apart), {summary['bytes']} bytes, {summary['rejects']} "
        f"rejects, quality {summary['quality']}"
        + (f" with warnings {', '.join(summary['warnings'])}" if summary["warnings"] else "")
    )
    for source, flows in summary["top_rejected_sources"]:
        buffer.write(f"\n  rejected source {source}: {flows} flows")
    log.info(buffer.getvalue())
    return summary
