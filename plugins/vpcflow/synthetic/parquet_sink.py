"""Generated hours straight into the Parquet table, as vpcflow_hourly's compact_hour leaves them: each
distinct record the format reads once, AWS's '-' as NULL, the capture window also as TIMESTAMPs, one
partition per ingest hour pointing at a folder of its own (vpcflow.hourly.compaction.publish).

For what reads only the compacted table (detections, their benchmark): a week of hours lands in seconds
instead of running the raw path's quality checks and CTAS for every hour. The raw objects are not written.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from vpcflow.synthetic.generator import HourBatch

_DUCKDB_TYPES = {"INT": "INTEGER", "BIGINT": "BIGINT", "STRING": "VARCHAR", "TIMESTAMP": "TIMESTAMP"}


def _select(fmt: Any) -> list[str]:
    """DuckDB expressions for the Parquet columns from the all-VARCHAR columns of the format's fields."""
    from vpcflow.model.formats import parquet_columns

    by_column = {f.column.lower(): f for f in fmt.fields}
    times = {"start_time": "start", "end_time": "end"}
    select = []
    for column, athena_type in parquet_columns(fmt):
        field = by_column.get(column) or (fmt.by_name.get(times[column]) if column in times else None)
        kind = _DUCKDB_TYPES[athena_type]
        if field is None:
            expression = f"CAST(NULL AS {kind})"
        elif column in times:
            source = field.column.lower()
            expression = f"TIMESTAMP '1970-01-01 00:00:00' + to_seconds(TRY_CAST({source} AS BIGINT))"
        elif field.is_integer:
            expression = f"TRY_CAST({field.column.lower()} AS {kind})"
        else:
            expression = f"nullif({field.column.lower()}, '-')"
        select.append(f"{expression} AS {column}")
    return select


def parquet_bytes(batch: HourBatch, log_format: str = "") -> bytes:
    """One hour as the Parquet file compaction would write: its distinct, readable records."""
    import duckdb

    from vpcflow.model.formats import parse_log_format

    fmt = parse_log_format(log_format)
    kept = [line for line in batch.lines if fmt.typed_row(line) is not None]
    columns = [f.column.lower() for f in fmt.fields]
    with tempfile.TemporaryDirectory() as tmp:
        text, out = Path(tmp, "hour.txt"), Path(tmp, "hour.parquet")
        text.write_text("".join(f"{line}\n" for line in kept))
        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        spec = ", ".join(f"'{c}': 'VARCHAR'" for c in columns)
        con.execute(
            f"COPY (SELECT DISTINCT {', '.join(_select(fmt))} FROM read_csv('{text}', delim=' ', "
            f"header=false, quote='', escape='', columns={{{spec}}})) TO '{out}' "
            "(FORMAT parquet, COMPRESSION zstd)"
        )
        con.close()
        return out.read_bytes()


def write_parquet_hours(batches: Iterable[HourBatch], s3: Any, glue: Any, stack: Any) -> list[str]:
    """Each hour into the stack's Parquet table (partition created or switched); the partition values."""
    from vpcflow.hourly.compaction import Target, publish
    from vpcflow.hourly.context import HourContext
    from vpcflow.hourly.settings import RunSettings

    labels = []
    for batch in batches:
        hour = HourContext(stack, RunSettings(), batch.hour)
        target = Target.for_try(hour, f"synthetic-{hour.label}")
        bucket, _, prefix = target.location.removeprefix("s3://").partition("/")
        body = parquet_bytes(batch, stack.flow_log_format)
        s3.put_object(Bucket=bucket, Key=f"{prefix}part-00000.parquet", Body=body)
        publish(glue, s3, hour, target)
        labels.append(hour.label)
    return labels
