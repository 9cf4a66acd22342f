"""What localaws cannot read as Athena would is refused by name, never answered with wrong or no rows."""

from __future__ import annotations

from tests.localaws.athena.conftest import Athena


def test_a_serde_localaws_does_not_read_is_refused(athena: Athena, aws_client, database: str, bucket: str):
    aws_client("s3").put_object(Bucket=bucket, Key="csv/a.csv", Body=b'"1","a,b"\n')
    athena.run(
        "CREATE EXTERNAL TABLE c (id STRING, name STRING) "
        "ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde' "
        f"LOCATION 's3://{bucket}/csv/'",
        database,
    )
    run = athena.run("SELECT * FROM c", database, ok=False)
    assert run.reason.startswith("NOT_SUPPORTED") and "OpenCSVSerde" in run.reason


def test_parquet_columns_of_another_type_fail_instead_of_reading_as_null(
    athena: Athena, database: str, bucket: str
):
    # GIVEN Parquet written with a BIGINT column, and a table declaring that column a string
    athena.run(
        f"CREATE TABLE written WITH (external_location='s3://{bucket}/w/') AS SELECT 1 AS id, 2 AS n",
        database,
    )
    athena.run(
        f"CREATE EXTERNAL TABLE wrong (id STRING, n BIGINT) STORED AS PARQUET LOCATION 's3://{bucket}/w/'",
        database,
    )
    # THEN the widening Trino does is read (integer -> bigint), the mismatch fails as HIVE_BAD_DATA
    assert athena.run("SELECT n FROM wrong", database).rows[1:] == [["2"]]
    assert athena.run("SELECT count(*) FROM wrong", database).rows[1:] == [["1"]]
    run = athena.run("SELECT id FROM wrong", database, ok=False)
    assert run.reason.startswith(
        "HIVE_BAD_DATA: Field id's type INTEGER in parquet is incompatible with type string"
    )
