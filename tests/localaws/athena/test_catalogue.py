"""The catalogue as clients look at it: GetTableMetadata errors, information_schema, SHOW VIEWS,
SHOW CREATE VIEW, "t$partitions", backticked database names, GetQueryRuntimeStatistics."""

from __future__ import annotations

import botocore.exceptions
import pytest

from tests.localaws.athena.conftest import Athena


@pytest.fixture
def tables(athena: Athena, aws_client, database: str, bucket: str) -> str:
    aws_client("s3").put_object(Bucket=bucket, Key="t/dt=2026-11-26/a.txt", Body=b"1,x\n2,y\n")
    athena.run(
        "CREATE EXTERNAL TABLE t (id INT, name STRING) PARTITIONED BY (dt STRING) "
        f"ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' LOCATION 's3://{bucket}/t/'",
        database,
    )
    athena.run("ALTER TABLE t ADD PARTITION (dt='2026-11-26') PARTITION (dt='2026-11-27')", database)
    athena.run("CREATE VIEW v AS SELECT id FROM t WHERE id > 1", database)
    return database


def test_get_table_metadata_on_a_missing_table_reads_like_glue(athena: Athena, tables: str) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        athena.client.get_table_metadata(CatalogName="AwsDataCatalog", DatabaseName=tables, TableName="nope")
    error = raised.value.response["Error"]
    assert error["Code"] == "MetadataException"
    assert (
        "(Service: AmazonDataCatalog; Status Code: 400; Error Code: EntityNotFoundException;"
        in error["Message"]
    )


def test_information_schema(athena: Athena, tables: str) -> None:
    run = athena.run(
        f"SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = '{tables}' ORDER BY 1"
    )
    assert run.rows[1:] == [["t", "BASE TABLE"], ["v", "VIEW"]]
    run = athena.run(
        "SELECT column_name, data_type, ordinal_position, extra_info FROM information_schema.columns "
        f"WHERE table_schema = '{tables}' AND table_name = 't' ORDER BY ordinal_position"
    )
    assert run.rows[1:] == [
        ["id", "integer", "1", None],
        ["name", "varchar", "2", None],
        ["dt", "varchar", "3", "partition key"],
    ]
    run = athena.run(f"SELECT count(*) FROM information_schema.schemata WHERE schema_name = '{tables}'")
    assert run.rows[1:] == [["1"]]
    missing = athena.run("SELECT * FROM information_schema.nope", ok=False)
    assert missing.reason.startswith("TABLE_NOT_FOUND")


def test_show_views_and_show_create_view(athena: Athena, tables: str) -> None:
    assert athena.run("SHOW VIEWS", tables).rows == [["v"]]
    assert athena.run(f"SHOW VIEWS IN {tables} LIKE 'x*'", tables).rows == []
    text = "\n".join(r[0] for r in athena.run("SHOW CREATE VIEW v", tables).rows)
    assert text.startswith(f"CREATE VIEW awsdatacatalog.{tables}.v AS") and "id > 1" in text
    assert athena.run("SHOW CREATE VIEW t", tables, ok=False).reason.startswith("NOT_SUPPORTED")


def test_partitions_metadata_table(athena: Athena, tables: str) -> None:
    run = athena.run('SELECT dt FROM "t$partitions" ORDER BY dt', tables)
    assert run.rows == [["dt"], ["2026-11-26"], ["2026-11-27"]]
    assert run.scanned == 0
    assert athena.run('SELECT * FROM "v$partitions"', tables, ok=False).reason.startswith("TABLE_NOT_FOUND")


def test_backticked_database_in_the_context_and_runtime_statistics(athena: Athena, tables: str) -> None:
    # awswrangler sends QueryExecutionContext={"Database": "`db`"}
    run = athena.run("SELECT count(*) FROM t", f"`{tables}`")
    assert run.rows[1:] == [["2"]]
    assert run.execution["QueryExecutionContext"]["Database"] == tables
    stats = athena.client.get_query_runtime_statistics(QueryExecutionId=run.id)["QueryRuntimeStatistics"]
    assert stats["Rows"]["OutputRows"] == 1 and stats["Rows"]["InputBytes"] == run.scanned
    assert stats["Timeline"]["TotalExecutionTimeInMillis"] >= stats["Timeline"]["EngineExecutionTimeInMillis"]
