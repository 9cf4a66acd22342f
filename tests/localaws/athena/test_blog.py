"""The blog's DDL and its queries, verbatim, on generated flow logs with malformed lines."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.localaws.athena.conftest import (
    COLUMNS,
    Athena,
    as_athena,
    clean_lines,
    gz,
    odd_whitespace_lines,
    regex_serde_rows,
)

SEED = sorted(Path(__file__).resolve().parents[3].glob("../shared/seed/*.txt"))


def _blog_text() -> str:
    if SEED:
        return SEED[0].read_text()
    pytest.skip("the blog (../shared/seed) is not available")


def blog_statements() -> dict[str, str]:
    """The blog's statements exactly as printed: two CREATE TABLEs, DROP, ALTER and three SELECTs."""
    text = _blog_text()
    creates = []
    rest = text
    while "CREATE EXTERNAL TABLE IF NOT EXISTS vpc_flow_logs (" in rest:
        start = rest.index("CREATE EXTERNAL TABLE IF NOT EXISTS vpc_flow_logs (")
        end = rest.index("LOCATION 's3://<bucket_and_prefix>/';", start) + len(
            "LOCATION 's3://<bucket_and_prefix>/';"
        )
        creates.append(rest[start:end])
        rest = rest[end:]
    selects = []
    rest = text
    while "SELECT sourceaddress, count(*) cnt" in rest:
        start = rest.index("SELECT sourceaddress, count(*) cnt")
        end = rest.index("LIMIT 25;", start) + len("LIMIT 25;")
        selects.append(rest[start:end])
        rest = rest[end:]
    alter_start = text.index("ALTER TABLE default.vpc_flow_logs ADD PARTITION")
    alter = text[alter_start : text.index(";", alter_start) + 1]
    assert len(creates) == 2 and len(selects) == 3, (len(creates), len(selects))
    return {
        "create": creates[0],
        "create_partitioned": creates[1],
        "drop": "DROP TABLE IF EXISTS vpc_flow_logs;",
        "alter": alter,
        "top25": selects[0],
        "top25_since": selects[1],
        "top25_recent": selects[2],
    }


def top25(rows: list[tuple[Any, ...]]) -> Counter:
    return Counter(r[3] for r in rows if r[12] == "REJECT")


def assert_top25(run_rows: list[list[str | None]], expected: Counter) -> None:
    assert run_rows[0] == ["sourceaddress", "cnt"]
    got = [(r[0], int(r[1])) for r in run_rows[1:]]
    want = sorted(expected.values(), reverse=True)[:25]
    # ties at the cut may be ordered either way; the counts and each address's count must be exact
    assert [c for _, c in got] == want
    assert all(expected[src] == cnt for src, cnt in got)


def put(s3: Any, bucket: str, key: str, body: bytes) -> int:
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    return len(body)


def test_blog_tables_and_queries(athena: Athena, aws_client, database: str, bucket: str) -> None:
    blog = blog_statements()
    s3 = aws_client("s3")
    # GIVEN Firehose-style gzip objects (no .gz suffix on one) under hourly prefixes, with malformed lines
    hours = ["2017/01/14/23", "2017/01/15/00", "2017/01/15/01", "2017/01/15/02"]
    lines_by_hour: dict[str, list[str]] = {}
    sizes: dict[str, int] = {}
    for n, hour in enumerate(hours):
        a, b = clean_lines(10 + n, 700), clean_lines(20 + n, 500)
        lines_by_hour[hour] = a + b
        sizes[hour] = put(s3, bucket, f"logs/{hour}/VPCFlowLogsDefaultToS3-1-{n}a.gz", gz(a))
        sizes[hour] += put(s3, bucket, f"logs/{hour}/VPCFlowLogsDefaultToS3-1-{n}b", gz(b))
    odd = odd_whitespace_lines(7)
    lines_by_hour[hours[3]] += odd
    sizes[hours[3]] += put(s3, bucket, f"logs/{hours[3]}/odd", "\n".join(odd).encode())  # plain text
    all_rows = regex_serde_rows([line for h in hours for line in lines_by_hour[h]])
    location = f"{bucket}/logs"

    # WHEN the blog's first table is created and queried
    athena.run(blog["create"].replace("<bucket_and_prefix>", location), database)
    run = athena.run(blog["top25"], database)
    # THEN the top 25 rejected sources are exactly those of a RegexSerDe reading every object
    assert_top25(run.rows, top25(all_rows))
    assert run.scanned == sum(sizes.values())
    assert run.execution["StatementType"] == "DML"
    assert run.columns[1]["Type"] == "bigint" and run.columns[0]["Type"] == "varchar"

    # and every row, NULL rows of non-matching lines included, is what RegexSerDe gives
    everything = athena.run("SELECT * FROM vpc_flow_logs", database)
    assert everything.rows[0] == COLUMNS + []
    assert Counter(tuple(r) for r in everything.rows[1:]) == Counter(as_athena(r) for r in all_rows)
    # (the second run reads the same objects through the cached fast path: same answer)
    again = athena.run("SELECT * FROM vpc_flow_logs", database)
    assert Counter(tuple(r) for r in again.rows[1:]) == Counter(tuple(r) for r in everything.rows[1:])

    # WHEN the table is recreated partitioned, as the blog does, and hours are added as partitions
    athena.run(blog["drop"], database)
    athena.run(blog["create_partitioned"].replace("<bucket_and_prefix>", location), database)
    for hour in hours:
        value = hour.replace("/", "-")
        alter = blog["alter"].replace("default.", f"{database}.").replace("2017-01-14-07", value)
        alter = alter.replace("s3://my-vpc-flow-logs/2017/01/14/07/", f"s3://{location}/{hour}/")
        athena.run(alter, database)
    parts = aws_client("glue").get_partitions(DatabaseName=database, TableName="vpc_flow_logs")["Partitions"]
    assert sorted(p["Values"][0] for p in parts) == [h.replace("/", "-") for h in hours]

    # THEN the partition-filtered query reads only the later partitions
    run = athena.run(blog["top25_since"], database)
    later = [h for h in hours if h.replace("/", "-") > "2017-01-15-00"]
    assert_top25(run.rows, top25(regex_serde_rows([line for h in later for line in lines_by_hour[h]])))
    assert run.scanned == sum(sizes[h] for h in later) < sum(sizes.values())


def test_blog_recent_hours_query_prunes_by_current_time(
    athena: Athena, aws_client, database: str, bucket: str
) -> None:
    blog = blog_statements()
    s3 = aws_client("s3")
    now = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0, tzinfo=None)
    offsets = [-30, -3, -2, -1, 0]
    athena.run(blog["create_partitioned"].replace("<bucket_and_prefix>", f"{bucket}/logs"), database)
    lines, sizes = {}, {}
    for k, off in enumerate(offsets):
        hour = now + dt.timedelta(hours=off)
        value = hour.strftime("%Y-%m-%d-%H")
        lines[value] = clean_lines(40 + k, 300)
        sizes[value] = put(s3, bucket, f"logs/{hour:%Y/%m/%d/%H}/part-0", gz(lines[value]))
        athena.run(
            f"ALTER TABLE vpc_flow_logs ADD PARTITION (IngestDateTime='{value}') "
            f"LOCATION 's3://{bucket}/logs/{hour:%Y/%m/%d/%H}/'",
            database,
        )
    for _ in range(2):  # an hour boundary passing mid-test changes the answer: measure again then
        cut = (dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(hours=2)).strftime("%Y-%m-%d-%H")
        run = athena.run(blog["top25_recent"], database)
        if cut == (dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(hours=2)).strftime(
            "%Y-%m-%d-%H"
        ):
            break
    recent = [v for v in lines if v >= cut]
    assert len(recent) == 3
    assert_top25(run.rows, top25(regex_serde_rows([line for v in recent for line in lines[v]])))
    assert run.scanned == sum(sizes[v] for v in recent)


def test_fast_and_exact_regex_paths_agree(athena: Athena, aws_client, database: str, bucket: str) -> None:
    """The ' '-split reader used for the blog's regex gives RegexSerDe's rows, NULL rows included."""
    blog = blog_statements()
    s3 = aws_client("s3")
    lines = clean_lines(3, 400)
    put(s3, bucket, "logs/a.gz", gz(lines))
    ddl = blog["create"].replace("<bucket_and_prefix>", f"{bucket}/logs")
    athena.run(ddl, database)
    # the same regex spelled with \d: not recognised as the ' '-split layout, so read by regexp_extract
    exact = ddl.replace("vpc_flow_logs", "vpc_flow_logs_exact").replace("[0-9]+", "\\\\d+")
    athena.run(exact, database)
    fast_rows = athena.run("SELECT * FROM vpc_flow_logs", database).rows[1:]
    exact_rows = athena.run("SELECT * FROM vpc_flow_logs_exact", database).rows[1:]
    want = Counter(as_athena(r) for r in regex_serde_rows(lines))
    assert Counter(tuple(r) for r in fast_rows) == want
    assert Counter(tuple(r) for r in exact_rows) == want
    nulls = athena.run(
        "SELECT count(*) FROM vpc_flow_logs WHERE version IS NULL AND logstatus IS NULL", database
    )
    assert int(nulls.rows[1][0]) == sum(1 for r in regex_serde_rows(lines) if r[0] is None)


def test_unconvertible_values_are_null_not_dropped(
    athena: Athena, aws_client, database: str, bucket: str
) -> None:
    """A file with no non-matching line still has values that do not fit INT: NULL, the row stays."""
    blog = blog_statements()
    lines = [line for line in clean_lines(9, 40) if "12345678901x" not in line]
    lines.append("2 123456789012 eni-1 10.0.0.1 10.0.0.2 443 80 6 5000000000 99999999999 1 2 ACCEPT OK")
    put(aws_client("s3"), bucket, "logs/a.gz", gz(lines))
    athena.run(blog["create"].replace("<bucket_and_prefix>", f"{bucket}/logs"), database)
    for _ in range(2):  # first read, then the cached fast path
        rows = athena.run("SELECT * FROM vpc_flow_logs", database).rows[1:]
        assert Counter(tuple(r) for r in rows) == Counter(as_athena(r) for r in regex_serde_rows(lines))
