"""Athena SQL -> the rows or the error Athena engine v3 gives, one case a line (as sqlglot's dialect tests).

A case is (SQL, expected): a list of rows (header row left out), or the StateChangeReason's start. They
run against one module-scoped table ``flows`` of typed columns holding a single row.
"""

from __future__ import annotations

import pytest

from tests.localaws.athena.conftest import Athena

TSTZ = "NOT_SUPPORTED: Casting a Timestamp with Time Zone to Timestamp is not supported"

# fmt: off
CASES: list[tuple[str, list[list[str | None]] | str]] = [
    # comparisons and arithmetic: no implicit coercion between character and numeric or date/time types
    ('SELECT count(*) FROM flows WHERE action = 1', 'TYPE_MISMATCH: line 1:41: Cannot apply operator: varchar = integer'),
    ("SELECT count(*) FROM flows WHERE action = 'REJECT'", [['1']]),
    ("SELECT count(*) FROM flows WHERE port = '22'", 'TYPE_MISMATCH: line 1:39: Cannot apply operator: integer = varchar(2)'),
    ('SELECT count(*) FROM flows WHERE port = 22 AND bytes > 1.5', [['1']]),
    ("SELECT count(*) FROM flows WHERE ts > '2026-01-01'", 'TYPE_MISMATCH: line 1:37: Cannot apply operator: timestamp(3) > varchar(10)'),
    ("SELECT count(*) FROM flows WHERE ts > TIMESTAMP '2026-01-01 00:00:00'", [['1']]),
    ("SELECT count(*) FROM flows WHERE d = DATE '2026-11-26'", [['1']]),
    ('SELECT count(*) FROM flows WHERE ts >= d', [['1']]),
    ("SELECT count(*) FROM flows WHERE ts > current_timestamp - interval '1' day", [['0']]),
    ("SELECT port + 'a' FROM flows", 'TYPE_MISMATCH: line 1:13: Cannot apply operator: integer + varchar(1)'),
    ("SELECT count(*) FROM flows WHERE port BETWEEN 1 AND 'x'", 'TYPE_MISMATCH: '),
    ("SELECT count(*) FROM flows WHERE port IN (22, 'x')", 'TYPE_MISMATCH: '),
    ("SELECT count(*) FROM flows WHERE port LIKE '2%'", 'TYPE_MISMATCH: '),
    ('SELECT 1 WHERE 1', 'TYPE_MISMATCH: line 1:16: WHERE clause must evaluate to a boolean: actual type integer'),
    ("SELECT x FROM (SELECT 'a' AS x) WHERE x = 1", 'TYPE_MISMATCH: '),
    ("WITH c AS (SELECT port AS p FROM flows) SELECT count(*) FROM c WHERE p = 'x'", 'TYPE_MISMATCH: '),
    ('SELECT count(*) FROM flows f JOIN flows g ON f.port = g.action', 'TYPE_MISMATCH: '),
    ("SELECT count(*) FROM flows WHERE CAST(port AS varchar) = '22'", [['1']]),
    ('SELECT count(*) FROM flows WHERE action = NULL', [['0']]),
    ("SELECT CASE WHEN port = 22 THEN 1 ELSE 'other' END FROM flows", 'TYPE_MISMATCH: line 1:8: All CASE results must be the same type or coercible to a common type.'),
    ("SELECT CASE WHEN port = 22 THEN 1 ELSE 2.5 END, CASE WHEN port = 22 THEN 'a' END FROM flows", [['1.0', 'a']]),
    # integer division, and division by zero as Trino reports it
    ('SELECT 7 / 2, -7 / 2, 7 % 3', [['3', '-3', '1']]),
    ('SELECT 1 / 0', 'DIVISION_BY_ZERO: Division by zero'),
    ('SELECT port / (port - 22) FROM flows', 'DIVISION_BY_ZERO: Division by zero'),
    # function signatures
    ("SELECT abs('x')", 'FUNCTION_NOT_FOUND: line 1:8: Unexpected parameters (varchar(1)) for function abs. Expected: abs(tinyint)'),
    ("SELECT date_parse(port, '%Y') FROM flows", 'FUNCTION_NOT_FOUND: line 1:8: Unexpected parameters (integer, varchar(2)) for function date_parse.'),
    ('SELECT length(port) FROM flows', 'FUNCTION_NOT_FOUND: line 1:8: Unexpected parameters (integer) for function length.'),
    ("SELECT from_unixtime('0')", 'FUNCTION_NOT_FOUND: line 1:8: Unexpected parameters (varchar(1)) for function from_unixtime.'),
    ("SELECT date_format(action, '%Y') FROM flows", 'FUNCTION_NOT_FOUND: '),
    ("SELECT length(action), lower(action), strpos(action, 'J') FROM flows", [['6', 'reject', '3']]),
    # timestamp with time zone never becomes a timestamp on engine v3
    ('SELECT CAST(from_unixtime(0) AS timestamp)', TSTZ),
    ('INSERT INTO flows (ts) SELECT from_unixtime(0)', TSTZ),
    ('INSERT INTO flows (ts) VALUES (current_timestamp)', TSTZ),
    ('CREATE TABLE ctas_tz AS SELECT from_unixtime(0) AS t', TSTZ),
    # functions and types of flow-log analysis that DuckDB lacks
    ("SELECT format_datetime(ts, 'yyyy-MM-dd HH:mm') FROM flows", [['2026-11-26 10:00']]),
    ('SELECT to_iso8601(ts), to_iso8601(d), to_iso8601(from_unixtime(0)) FROM flows', [['2026-11-26T10:00:00.000', '2026-11-26', '1970-01-01T00:00:00.000Z']]),
    ("SELECT contains('10.0.0.0/8', CAST('10.1.2.3' AS IPADDRESS)), contains('10.0.0.0/8', CAST('11.0.0.1' AS IPADDRESS))", [['true', 'false']]),
    ("SELECT count(*) FROM flows WHERE contains('192.168.0.0/16', CAST('192.168.4.1' AS IPADDRESS))", [['1']]),
    ("SELECT CAST('nope' AS IPADDRESS)", 'INVALID_CAST_ARGUMENT: Cannot cast value to IPADDRESS: nope'),
    ("SELECT contains('2001:db8::/32', CAST('2001:db8::1' AS IPADDRESS))", 'INVALID_FUNCTION_ARGUMENT: '),
    # values printed as Athena prints them
    ("SELECT CAST(ROW(1, 'x') AS ROW(a INTEGER, b VARCHAR)), ROW(1, 'x')", [['{a=1, b=x}', '{1, x}']]),
    ("SELECT CAST(ARRAY[ROW(1, 'a')] AS ARRAY(ROW(x INTEGER, y VARCHAR))), ARRAY['x', 'y'], MAP(ARRAY['k'], ARRAY[1])", [['[{x=1, y=a}]', '[x, y]', '{k=1}']]),
    ("SELECT DECIMAL '1.50', 1.50, CAST(1 AS DECIMAL(10,2)), 1.5 * 2", [['1.50', '1.50', '1.00', '3.0']]),
    ("SELECT TIMESTAMP '2026-01-01 00:00:00 UTC' AT TIME ZONE 'America/New_York'", [['2025-12-31 19:00:00.000 America/New_York']]),
    ("SELECT ts AT TIME ZONE 'Asia/Tokyo', from_unixtime(0) FROM flows", [['2026-11-26 19:00:00.000 Asia/Tokyo', '1970-01-01 00:00:00.000 UTC']]),
    ("SELECT CAST('ab' AS CHAR(5))", [['ab   ']]),
    # writes
    ("CREATE TABLE many WITH (partitioned_by=ARRAY['p']) AS SELECT x, x AS p FROM UNNEST(sequence(1, 101)) AS t(x)", 'HIVE_TOO_MANY_OPEN_PARTITIONS: Exceeded limit of 100 open writers for partitions/buckets'),
    # INSERT: each value must coerce to its column's type
    ("INSERT INTO flows (port) SELECT 'x'", 'TYPE_MISMATCH: Insert query has mismatched column types: Table: [integer], Query: [varchar(1)]'),
    ("INSERT INTO flows (d) VALUES ('2026-11-26')", 'TYPE_MISMATCH: Insert query has mismatched column types: Table: [date], Query: [varchar(10)]'),
]
# fmt: on


@pytest.fixture(scope="module")
def typed_db(athena: Athena, aws_client) -> str:
    import random

    suffix = f"{random.randrange(1 << 30):08x}"
    bucket = f"typed-{suffix}"
    aws_client("s3").create_bucket(Bucket=bucket)
    db = f"typed_{suffix}"
    athena.run(f"CREATE DATABASE {db}")
    athena.run(
        "CREATE EXTERNAL TABLE flows (action STRING, port INT, bytes BIGINT, ts TIMESTAMP, d DATE) "
        f"STORED AS PARQUET LOCATION 's3://{bucket}/flows/'",
        db,
    )
    athena.run(
        "INSERT INTO flows VALUES ('REJECT', 22, 100, TIMESTAMP '2026-11-26 10:00:00', DATE '2026-11-26')", db
    )
    return db


@pytest.mark.parametrize(("sql", "expected"), CASES, ids=[c[0][:60] for c in CASES])
def test_athena_sql(athena: Athena, typed_db: str, sql: str, expected) -> None:
    run = athena.run(sql, typed_db, ok=False)
    if isinstance(expected, str):
        assert run.state == "FAILED", f"{sql}: expected {expected!r}, got rows {run.rows}"
        assert run.reason.startswith(expected), run.reason
        if not expected.startswith(
            ("DIVISION_BY_ZERO", "INVALID_")
        ):  # a run-time error; the others are analysis
            assert run.scanned == 0  # refused before any object is read
    else:
        assert run.state == "SUCCEEDED", f"{sql}: {run.reason}"
        assert run.rows[1:] == expected


def test_explain_alter_table_and_refused_statements(athena: Athena, typed_db: str) -> None:
    plan = athena.run("EXPLAIN SELECT action, count(*) FROM flows GROUP BY action", typed_db)
    assert plan.execution["StatementType"] == "UTILITY" and plan.rows and plan.scanned == 0
    athena.run("ALTER TABLE flows SET TBLPROPERTIES ('owner'='netsec', 'classification'='parquet')", typed_db)
    athena.run("ALTER TABLE flows ADD COLUMNS (note STRING, score DOUBLE)", typed_db)
    table = athena.client.get_table_metadata(
        CatalogName="AwsDataCatalog", DatabaseName=typed_db, TableName="flows"
    )
    assert table["TableMetadata"]["Parameters"]["owner"] == "netsec"
    assert [c["Name"] for c in table["TableMetadata"]["Columns"]][-2:] == ["note", "score"]
    assert athena.run("SELECT note, score FROM flows", typed_db).rows[1:] == [[None, None]]
    dup = athena.run("ALTER TABLE flows ADD COLUMNS (port INT)", typed_db, ok=False)
    assert "Duplicate column name: port" in dup.reason
    for sql in (
        "ALTER TABLE flows RENAME TO g",
        f"UNLOAD (SELECT 1) TO '{athena.output}u/' WITH (format='JSON')",
    ):
        assert athena.run(sql, typed_db, ok=False).reason.startswith("NOT_SUPPORTED")
    qid = athena.client.start_query_execution(
        QueryString="EXECUTE stmt USING ?",
        ExecutionParameters=["1"],
        QueryExecutionContext={"Database": typed_db},
        ResultConfiguration={"OutputLocation": athena.output},
    )["QueryExecutionId"]
    assert athena.wait(qid)["Status"]["StateChangeReason"] == "NOT_FOUND: Prepared statement not found: stmt"


def test_prepared_statements_in_sql_and_through_the_api(athena: Athena, typed_db: str) -> None:
    athena.run("PREPARE by_port FROM SELECT action FROM flows WHERE port = ? AND action <> ?", typed_db)
    assert athena.run("EXECUTE by_port USING 22, 'ACCEPT'", typed_db).rows == [["action"], ["REJECT"]]
    # ExecutionParameters (as PyAthena and the provider send them) fill the same placeholders
    qid = athena.client.start_query_execution(
        QueryString="EXECUTE by_port",
        ExecutionParameters=["23", "'ACCEPT'"],
        QueryExecutionContext={"Database": typed_db},
        ResultConfiguration={"OutputLocation": athena.output},
    )["QueryExecutionId"]
    assert athena.wait(qid)["Status"]["State"] == "SUCCEEDED"
    assert athena.client.get_query_results(QueryExecutionId=qid)["ResultSet"]["Rows"][1:] == []
    listed = athena.client.list_prepared_statements(WorkGroup="primary")["PreparedStatements"]
    assert "by_port" in [s["StatementName"] for s in listed]
    got = athena.client.get_prepared_statement(StatementName="by_port", WorkGroup="primary")[
        "PreparedStatement"
    ]
    assert got["QueryStatement"].startswith("SELECT action FROM flows")
    wrong = athena.run("EXECUTE by_port USING 22", typed_db, ok=False)
    assert wrong.reason.startswith("INVALID_PARAMETER_USAGE")
    athena.run("DEALLOCATE PREPARE by_port", typed_db)
    assert athena.run("EXECUTE by_port USING 22, 'x'", typed_db, ok=False).reason.startswith("NOT_FOUND")
