"""Partition projection is read as Athena reads it (integer, enum, date, injected, storage.location.template),
or refused loudly: never 0 rows from a table whose partitions live in its properties."""

from __future__ import annotations

from tests.localaws.athena.conftest import Athena


def _table(athena: Athena, database: str, bucket: str, keys: str, props: dict[str, str]) -> None:
    tbl = ", ".join(f"'{k}'='{v}'" for k, v in {"projection.enabled": "true", **props}.items())
    athena.run(
        f"CREATE EXTERNAL TABLE p (id INT) PARTITIONED BY ({keys}) ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' "
        f"LOCATION 's3://{bucket}/data/' TBLPROPERTIES ({tbl})",
        database,
    )


def test_integer_and_enum_with_a_location_template(athena: Athena, aws_client, database: str, bucket: str):
    s3 = aws_client("s3")
    s3.put_object(Bucket=bucket, Key="data/a/2026/x", Body=b"1\n2\n")
    s3.put_object(Bucket=bucket, Key="data/b/2025/x", Body=b"3\n")
    _table(
        athena,
        database,
        bucket,
        "region STRING, yr INT",
        {
            "projection.region.type": "enum",
            "projection.region.values": "a,b",
            "projection.yr.type": "integer",
            "projection.yr.range": "2024,2026",
            "storage.location.template": f"s3://{bucket}/data/${{region}}/${{yr}}/",
        },
    )
    assert athena.run("SELECT sum(id), count(*) FROM p", database).rows[1] == ["6", "3"]
    one = athena.run("SELECT region, yr, id FROM p WHERE region = 'a' AND yr = 2026 ORDER BY id", database)
    assert one.rows[1:] == [["a", "2026", "1"], ["a", "2026", "2"]] and one.scanned == 4


def test_date_projection_over_firehose_prefixes(athena: Athena, aws_client, database: str, bucket: str):
    s3 = aws_client("s3")
    for hour in range(4):
        s3.put_object(Bucket=bucket, Key=f"raw/2026/11/26/{hour:02d}/obj", Body=f"{hour}\n".encode())
    _table(
        athena,
        database,
        bucket,
        "dt STRING",
        {
            "projection.dt.type": "date",
            "projection.dt.format": "yyyy/MM/dd/HH",
            "projection.dt.range": "2026/11/25/22,2026/11/26/03",
            "projection.dt.interval": "1",
            "projection.dt.interval.unit": "HOURS",
            "storage.location.template": f"s3://{bucket}/raw/${{dt}}/",
        },
    )
    run = athena.run("SELECT dt, id FROM p WHERE dt >= '2026/11/26/02' ORDER BY dt", database)
    assert run.rows[1:] == [["2026/11/26/02", "2"], ["2026/11/26/03", "3"]] and run.scanned == 4
    assert athena.run("SELECT count(*) FROM p", database).rows[1] == ["4"]


def test_injected_needs_an_equality_and_reads_its_values(
    athena: Athena, aws_client, database: str, bucket: str
):
    aws_client("s3").put_object(Bucket=bucket, Key="data/dev-1/x", Body=b"7\n")
    _table(
        athena,
        database,
        bucket,
        "device STRING",
        {
            "projection.device.type": "injected",
            "storage.location.template": f"s3://{bucket}/data/${{device}}",
        },
    )
    refused = athena.run("SELECT count(*) FROM p", database, ok=False)
    assert refused.reason == (
        "CONSTRAINT_VIOLATION: For the injected projected partition column device, the WHERE clause must "
        "contain only static equality conditions, and at least one such condition must be present."
    )
    run = athena.run("SELECT device, id FROM p WHERE device IN ('dev-1', 'dev-2')", database)
    assert run.rows[1:] == [["dev-1", "7"]]


def test_an_unknown_projection_is_refused_not_empty(athena: Athena, database: str, bucket: str):
    _table(athena, database, bucket, "k STRING", {"projection.k.type": "something"})
    run = athena.run("SELECT count(*) FROM p", database, ok=False)
    assert run.state == "FAILED" and "partition projection type something" in run.reason
