"""Hive DDL through Athena lands in Glue; CTAS and INSERT INTO write Parquet that reads back."""

from __future__ import annotations

import pytest

from tests.localaws.athena.conftest import Athena, clean_lines, gz


def test_partitions_add_drop_show_and_glue_sees_them(
    athena: Athena, aws_client, database: str, bucket: str
) -> None:
    athena.run(
        f"CREATE EXTERNAL TABLE IF NOT EXISTS logs (line STRING) PARTITIONED BY (dt STRING, hr STRING) "
        f"LOCATION 's3://{bucket}/logs/'",
        database,
    )
    run = athena.run(
        f"ALTER TABLE {database}.logs ADD IF NOT EXISTS "
        f"PARTITION (dt='2026-11-26', hr='01') LOCATION 's3://{bucket}/logs/2026/11/26/01/' "
        f"PARTITION (dt='2026-11-26', hr='02') LOCATION 's3://{bucket}/logs/2026/11/26/02/' "
        "PARTITION (dt='2026-11-27', hr='00')",
        database,
    )
    assert run.execution["StatementType"] == "DDL"
    assert run.execution["ResultConfiguration"]["OutputLocation"].endswith(f"{run.id}.txt")
    parts = aws_client("glue").get_partitions(DatabaseName=database, TableName="logs")["Partitions"]
    by_values = {tuple(p["Values"]): p["StorageDescriptor"]["Location"] for p in parts}
    assert by_values == {
        ("2026-11-26", "01"): f"s3://{bucket}/logs/2026/11/26/01/",
        ("2026-11-26", "02"): f"s3://{bucket}/logs/2026/11/26/02/",
        ("2026-11-27", "00"): f"s3://{bucket}/logs/dt=2026-11-27/hr=00/",
    }
    # adding again is a no-op with IF NOT EXISTS and an error without
    athena.run("ALTER TABLE logs ADD IF NOT EXISTS PARTITION (dt='2026-11-26', hr='01')", database)
    dup = athena.run("ALTER TABLE logs ADD PARTITION (dt='2026-11-26', hr='01')", database, ok=False)
    assert dup.state == "FAILED" and "AlreadyExistsException" in dup.reason

    shown = athena.run("SHOW PARTITIONS logs", database)
    assert shown.execution["StatementType"] == "UTILITY"
    assert [r[0] for r in shown.rows] == ["dt=2026-11-26/hr=01", "dt=2026-11-26/hr=02", "dt=2026-11-27/hr=00"]
    athena.run(
        "ALTER TABLE logs DROP IF EXISTS PARTITION (dt='2026-11-26', hr='01'), PARTITION (dt='2026-11-27')",
        database,
    )
    assert [r[0] for r in athena.run("SHOW PARTITIONS logs", database).rows] == ["dt=2026-11-26/hr=02"]
    missing = athena.run("ALTER TABLE logs DROP PARTITION (dt='1999-01-01', hr='00')", database, ok=False)
    assert missing.state == "FAILED"


def test_show_describe_drop(athena: Athena, aws_client, database: str, bucket: str) -> None:
    athena.run(
        f"CREATE EXTERNAL TABLE t (a INT, b STRING) PARTITIONED BY (dt STRING) "
        f"ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' LOCATION 's3://{bucket}/t/'",
        database,
    )
    assert athena.run("SHOW TABLES", database).rows == [["t"]]
    assert athena.run(f"SHOW TABLES IN {database}", "default").rows == [["t"]]
    assert [database] in athena.run("SHOW DATABASES").rows
    described = [r[0] for r in athena.run("DESCRIBE t", database).rows]
    assert described[0].split("\t")[0].strip() == "a" and described[0].split("\t")[1].strip() == "int"
    assert "# Partition Information" in described
    again = athena.run(f"CREATE EXTERNAL TABLE t (a INT) LOCATION 's3://{bucket}/t/'", database, ok=False)
    assert again.state == "FAILED" and "already exists" in again.reason
    not_external = athena.run(f"CREATE TABLE t2 (a INT) LOCATION 's3://{bucket}/t/'", database, ok=False)
    assert not_external.state == "FAILED"
    athena.run("DROP TABLE t", database)
    assert athena.run("SHOW TABLES", database).rows == []
    gone = athena.run("DROP TABLE t", database, ok=False)
    assert gone.state == "FAILED" and "Table not found" in gone.reason
    athena.run("DROP TABLE IF EXISTS t", database)


def test_delimited_table_with_header_and_type_errors(
    athena: Athena, aws_client, database: str, bucket: str
) -> None:
    s3 = aws_client("s3")
    s3.put_object(Bucket=bucket, Key="d/one.csv", Body=b"a b c\n1 x 2017-01-14\nzz y 2017-01-15\n3\n")
    s3.put_object(Bucket=bucket, Key="d/two.gz", Body=gz(["a b c", "4 w 2017-01-16 extra"]))
    athena.run(
        f"CREATE EXTERNAL TABLE d (a INT, b STRING, c DATE) ROW FORMAT DELIMITED FIELDS TERMINATED BY ' ' "
        f"LOCATION 's3://{bucket}/d/' TBLPROPERTIES ('skip.header.line.count'='1')",
        database,
    )
    rows = athena.run("SELECT a, b, c FROM d ORDER BY b", database).rows[1:]
    # missing trailing fields and unconvertible values are NULL; extra fields are ignored; NULLs sort last
    assert rows == [
        ["4", "w", "2017-01-16"],
        ["1", "x", "2017-01-14"],
        [None, "y", "2017-01-15"],
        ["3", None, None],
    ]


def test_msck_repair_finds_hive_style_prefixes(
    athena: Athena, aws_client, database: str, bucket: str
) -> None:
    s3 = aws_client("s3")
    for dt_, hr in (("2026-11-26", "01"), ("2026-11-26", "02")):
        s3.put_object(Bucket=bucket, Key=f"h/dt={dt_}/hr={hr}/part-0", Body=gz(clean_lines(1, 50)))
    s3.put_object(Bucket=bucket, Key="h/not-a-partition/file", Body=b"x\n")
    athena.run(
        f"CREATE EXTERNAL TABLE h (line STRING) PARTITIONED BY (dt STRING, hr STRING) "
        f"LOCATION 's3://{bucket}/h/'",
        database,
    )
    repaired = athena.run("MSCK REPAIR TABLE h", database)
    assert any("Repair: Added partition to metastore h:dt=2026-11-26/hr=01" in r[0] for r in repaired.rows)
    assert [r[0] for r in athena.run("SHOW PARTITIONS h", database).rows] == [
        "dt=2026-11-26/hr=01",
        "dt=2026-11-26/hr=02",
    ]
    counted = athena.run(
        "SELECT hr, count(*) FROM h WHERE dt = '2026-11-26' GROUP BY hr ORDER BY hr", database
    )
    assert counted.rows[1:] == [["01", "50"], ["02", "50"]]
    pruned = athena.run("SELECT count(*) FROM h WHERE hr IN ('02')", database)
    assert pruned.rows[1] == ["50"]
    assert 0 < pruned.scanned < athena.run("SELECT count(*) FROM h", database).scanned


def test_ctas_parquet_partitioned_and_insert_into(
    athena: Athena, aws_client, database: str, bucket: str
) -> None:
    s3 = aws_client("s3")
    athena.run(
        "CREATE TABLE src AS SELECT * FROM (VALUES (1, 'a', '2026-11-26-01'), (2, 'b', '2026-11-26-01'), "
        "(3, 'c', '2026-11-26-02')) AS v(id, name, hour)",
        database,
    )
    run = athena.run(
        f"CREATE TABLE pq WITH (format='PARQUET', external_location='s3://{bucket}/pq/', "
        "partitioned_by=ARRAY['hour']) AS SELECT id, name, hour FROM src",
        database,
    )
    assert run.rows == [["rows"], ["3"]]
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="pq/")["Contents"])
    assert [k.rsplit("/", 1)[0] for k in keys] == ["pq/hour=2026-11-26-01", "pq/hour=2026-11-26-02"]
    body = s3.get_object(Bucket=bucket, Key=keys[0])["Body"].read()
    assert body[:4] == b"PAR1"
    glue = aws_client("glue")
    table = glue.get_table(DatabaseName=database, Name="pq")["Table"]
    assert table["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"].endswith("ParquetHiveSerDe")
    assert [c["Name"] for c in table["PartitionKeys"]] == ["hour"]
    assert len(glue.get_partitions(DatabaseName=database, TableName="pq")["Partitions"]) == 2

    inserted = athena.run("INSERT INTO pq SELECT 4, 'd', '2026-11-26-03'", database)
    assert athena.client.get_query_results(QueryExecutionId=inserted.id)["UpdateCount"] == 1
    assert inserted.rows == [["rows"], ["1"]] and inserted.execution["StatementType"] == "DML"
    athena.run("INSERT INTO pq (id, hour) VALUES (5, '2026-11-26-01')", database)
    rows = athena.run("SELECT id, name, hour FROM pq ORDER BY id", database).rows[1:]
    assert rows == [
        ["1", "a", "2026-11-26-01"],
        ["2", "b", "2026-11-26-01"],
        ["3", "c", "2026-11-26-02"],
        ["4", "d", "2026-11-26-03"],
        ["5", None, "2026-11-26-01"],
    ]
    assert len(glue.get_partitions(DatabaseName=database, TableName="pq")["Partitions"]) == 3
    # Parquet scans count the column chunks read: fewer columns, fewer bytes; never more than the files
    everything = athena.run("SELECT * FROM pq", database).scanned
    files = sum(o["Size"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="pq/")["Contents"])
    assert athena.run("SELECT id FROM pq", database).scanned < everything == files
    one = athena.run("SELECT count(*) FROM pq WHERE hour = '2026-11-26-03'", database)
    assert one.rows[1] == ["1"] and 0 < one.scanned < athena.run("SELECT count(*) FROM pq", database).scanned
    exists = athena.run(
        f"CREATE TABLE pq2 WITH (external_location='s3://{bucket}/pq/') AS SELECT 1 AS x", database, ok=False
    )
    assert exists.reason.startswith("HIVE_PATH_ALREADY_EXISTS")


def test_parquet_table_from_ddl_and_views(athena: Athena, aws_client, database: str, bucket: str) -> None:
    athena.run(
        f"CREATE EXTERNAL TABLE events (id BIGINT, kind STRING, missing_col INT) "
        f"PARTITIONED BY (dt STRING) STORED AS PARQUET LOCATION 's3://{bucket}/events/'",
        database,
    )
    athena.run(
        "INSERT INTO events SELECT x, IF(x % 2 = 0, 'even', 'odd'), NULL, '2026-11-26' "
        "FROM UNNEST(sequence(1, 10)) AS t(x)",
        database,
    )
    athena.run(
        "CREATE OR REPLACE VIEW odd_events AS SELECT id, kind FROM events WHERE kind = 'odd'", database
    )
    assert athena.run("SELECT count(*), sum(id) FROM odd_events", database).rows[1] == ["5", "25"]
    athena.run("CREATE OR REPLACE VIEW odd_events AS SELECT id FROM events WHERE kind = 'even'", database)
    assert athena.run("SELECT sum(id) FROM odd_events", database).rows[1] == ["30"]
    view = aws_client("glue").get_table(DatabaseName=database, Name="odd_events")["Table"]
    assert view["TableType"] == "VIRTUAL_VIEW" and view["ViewOriginalText"].startswith("/* Presto View: ")
    athena.run("DROP VIEW odd_events", database)
    assert athena.run("SHOW TABLES", database).rows == [["events"]]


def test_unsupported_statements_fail_clearly(athena: Athena, database: str) -> None:
    run = athena.run("ALTER TABLE x RENAME TO y", database, ok=False)
    assert run.state == "FAILED" and run.reason


@pytest.mark.parametrize("sql", ["SHOW PARTITIONS nope", "DESCRIBE nope", "MSCK REPAIR TABLE nope"])
def test_ddl_on_missing_table_fails(athena: Athena, database: str, sql: str) -> None:
    run = athena.run(sql, database, ok=False)
    assert run.state == "FAILED" and "Table not found" in run.reason


def test_path_pseudo_column_names_each_object(athena: Athena, aws_client, database: str, bucket: str) -> None:
    s3 = aws_client("s3")
    s3.put_object(Bucket=bucket, Key="p/2026/11/26/01/a", Body=gz(clean_lines(5, 20)))
    s3.put_object(Bucket=bucket, Key="p/2026/11/26/02/b", Body=gz(clean_lines(6, 30)))
    regex = "^([^ ]+)\\\\s+([0-9]+)\\\\s+([^ ]+)$"
    athena.run(
        f"CREATE EXTERNAL TABLE p (a STRING, b STRING, c STRING) PARTITIONED BY (day STRING) "
        f"ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.RegexSerDe' WITH SERDEPROPERTIES "
        f"('input.regex' = '{regex}') LOCATION 's3://{bucket}/p/'",
        database,
    )
    athena.run(
        f"ALTER TABLE p ADD PARTITION (day='2026-11-26') LOCATION 's3://{bucket}/p/2026/11/26/'", database
    )
    run = athena.run(
        f'SELECT "$path", count(*) FROM p WHERE day = \'2026-11-26\' AND "$path" LIKE '
        f"'s3://{bucket}/p/2026/11/26/02/%' GROUP BY 1",
        database,
    )
    assert run.rows[1:] == [[f"s3://{bucket}/p/2026/11/26/02/b", "30"]]
