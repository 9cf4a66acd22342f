"""Ingestions that run real SQL through localaws Athena and keep the result as a SPICE Parquet extract."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import duckdb
import pytest
from localaws.server import LocalAWS

from tests.localaws.quicksight.conftest import (
    ACCOUNT,
    ROWS_CSV,
    custom_sql,
    make_text_table,
    relational,
    run_athena,
    wait_ingestion,
)

pytestmark = pytest.mark.usefixtures("real_athena")

COLUMNS = [("id", "INTEGER"), ("name", "STRING"), ("n", "INTEGER"), ("ts", "DATETIME")]


def extract_rows(localaws: LocalAWS, set_id: str, order: str = "1") -> list[tuple]:
    path = localaws.services["quicksight"].spice_extract_path(set_id)
    assert path is not None, f"no SPICE extract for {set_id}"
    return duckdb.sql(f"SELECT * FROM read_parquet('{path}') ORDER BY {order}").fetchall()


def create_spice_set(qs: Any, set_id: str, tables: dict) -> str:
    """A SPICE dataset; the id of the first ingestion CreateDataSet started."""
    return qs.create_data_set(
        AwsAccountId=ACCOUNT, DataSetId=set_id, Name=set_id, ImportMode="SPICE", PhysicalTableMap=tables
    )["IngestionId"]


def test_relational_table_ingestion_keeps_typed_rows(
    qs: Any, localaws: LocalAWS, data_source: dict, athena_table: dict, unique: str
) -> None:
    # GIVEN a SPICE dataset over qs_test.rows, n declared INTEGER (row 3 holds 'x')
    set_id = f"rel-{unique}"
    first = create_spice_set(
        qs, set_id, relational(data_source["Arn"], athena_table["schema"], athena_table["table"], COLUMNS)
    )
    assert wait_ingestion(qs, set_id, first)["IngestionStatus"] == "COMPLETED"
    # WHEN a full refresh runs
    qs.create_ingestion(
        AwsAccountId=ACCOUNT, DataSetId=set_id, IngestionId="full-1", IngestionType="FULL_REFRESH"
    )
    ingestion = wait_ingestion(qs, set_id, "full-1")
    # THEN it completed, the unconvertible row dropped, as SPICE reports it
    assert ingestion["IngestionStatus"] == "COMPLETED", ingestion.get("ErrorInfo")
    assert ingestion["RowInfo"] == {"RowsIngested": 2, "RowsDropped": 1, "TotalRowsInDataset": 2}
    assert ingestion["RequestType"] == "FULL_REFRESH" and ingestion["RequestSource"] == "MANUAL"
    assert ingestion["IngestionSizeInBytes"] > 0 and ingestion["IngestionTimeInSeconds"] >= 0
    rows = extract_rows(localaws, set_id)
    assert [(r[0], r[1], r[2], str(r[3])) for r in rows] == [
        (1, "alpha", 10, "2026-11-26 10:00:00"),
        (2, "beta", 20, "2026-11-26 11:00:00"),
    ]
    described = qs.describe_data_set(AwsAccountId=ACCOUNT, DataSetId=set_id)["DataSet"]
    assert described["ConsumedSpiceCapacityInBytes"] == ingestion["IngestionSizeInBytes"]


def test_full_refresh_replaces_the_extract(
    qs: Any,
    localaws: LocalAWS,
    aws_client: Callable[[str], Any],
    data_source: dict,
    work_group: str,
    unique: str,
) -> None:
    table = f"t_{unique}"
    aws_client("s3").create_bucket(Bucket="qs-athena-data")
    make_text_table(aws_client, work_group, table, ROWS_CSV)
    set_id = f"full-{unique}"
    first = create_spice_set(
        qs, set_id, relational(data_source["Arn"], "qs_test", table, [("id", "INTEGER")])
    )
    assert wait_ingestion(qs, set_id, first)["RowInfo"]["TotalRowsInDataset"] == 3
    # WHEN the table gains a file and the dataset is refreshed
    aws_client("s3").put_object(
        Bucket="qs-athena-data",
        Key=f"{table}/part-1.csv",
        Body=b"id,name,n,ts\n4,delta,40,2026-11-26 13:00:00\n",
    )
    qs.create_ingestion(AwsAccountId=ACCOUNT, DataSetId=set_id, IngestionId="again")
    ingestion = wait_ingestion(qs, set_id, "again")
    # THEN the extract holds the table as it is now, not old rows twice
    assert ingestion["RowInfo"] == {"RowsIngested": 4, "RowsDropped": 0, "TotalRowsInDataset": 4}
    assert extract_rows(localaws, set_id) == [(1,), (2,), (3,), (4,)]


def test_custom_sql_over_a_parquet_table(
    qs: Any,
    localaws: LocalAWS,
    aws_client: Callable[[str], Any],
    data_source: dict,
    work_group: str,
    unique: str,
) -> None:
    # GIVEN a Parquet table (written with DuckDB, declared STORED AS PARQUET)
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE f AS SELECT * FROM (VALUES ('10.0.0.1', 100, 'ACCEPT'), ('10.0.0.1', 50, 'REJECT'), "
        "('10.0.0.2', 7, 'REJECT')) t(srcaddr, bytes, action)"
    )
    path = localaws.state_dir / f"flows-{unique}.parquet"
    con.execute(f"COPY f TO '{path}' (FORMAT parquet)")
    aws_client("s3").create_bucket(Bucket="qs-athena-data")
    aws_client("s3").put_object(Bucket="qs-athena-data", Key=f"pq_{unique}/f.parquet", Body=path.read_bytes())
    ddl = (
        f"CREATE EXTERNAL TABLE qs_test.pq_{unique} (srcaddr string, bytes bigint, action string) "
        f"STORED AS PARQUET LOCATION 's3://qs-athena-data/pq_{unique}/'"
    )
    assert (
        run_athena(aws_client, "CREATE DATABASE IF NOT EXISTS qs_test", work_group)["Status"]["State"]
        == "SUCCEEDED"
    )
    assert run_athena(aws_client, ddl, work_group)["Status"]["State"] == "SUCCEEDED"
    # WHEN a CustomSql dataset aggregates it
    set_id = f"sql-{unique}"
    sql = f"SELECT srcaddr, sum(bytes) AS total FROM qs_test.pq_{unique} WHERE action = 'REJECT' GROUP BY srcaddr"
    first = create_spice_set(
        qs, set_id, custom_sql(data_source["Arn"], sql, [("srcaddr", "STRING"), ("total", "INTEGER")])
    )
    ingestion = wait_ingestion(qs, set_id, first)
    # THEN the extract holds the query's answer
    assert ingestion["IngestionStatus"] == "COMPLETED", ingestion.get("ErrorInfo")
    assert ingestion["RowInfo"]["RowsIngested"] == 2
    assert extract_rows(localaws, set_id) == [("10.0.0.1", 50), ("10.0.0.2", 7)]


def test_custom_sql_without_columns_takes_them_from_the_result(
    qs: Any, localaws: LocalAWS, data_source: dict, athena_table: dict, unique: str
) -> None:
    set_id = f"infer-{unique}"
    sql = "SELECT id, name, ts FROM qs_test.rows WHERE id < 3"
    ingestion = wait_ingestion(qs, set_id, create_spice_set(qs, set_id, custom_sql(data_source["Arn"], sql)))
    assert ingestion["IngestionStatus"] == "COMPLETED", ingestion.get("ErrorInfo")
    columns = qs.describe_data_set(AwsAccountId=ACCOUNT, DataSetId=set_id)["DataSet"]["OutputColumns"]
    assert columns == [
        {"Name": "id", "Type": "INTEGER"},
        {"Name": "name", "Type": "STRING"},
        {"Name": "ts", "Type": "DATETIME"},
    ]
    assert [r[:2] for r in extract_rows(localaws, set_id)] == [(1, "alpha"), (2, "beta")]


def test_failed_query_fails_the_ingestion_with_error_info(
    qs: Any, localaws: LocalAWS, data_source: dict, unique: str
) -> None:
    # GIVEN a dataset whose query names a table that does not exist
    set_id = f"fail-{unique}"
    sql = f"SELECT id FROM qs_test.missing_{unique}"
    first = create_spice_set(qs, set_id, custom_sql(data_source["Arn"], sql, [("id", "INTEGER")]))
    ingestion = wait_ingestion(qs, set_id, first)
    # THEN the ingestion FAILED with the reason Athena gave, and no extract exists
    assert ingestion["IngestionStatus"] == "FAILED"
    assert ingestion["ErrorInfo"]["Type"] in ("SQL_TABLE_NOT_FOUND", "SQL_EXCEPTION")
    assert f"missing_{unique}" in ingestion["ErrorInfo"]["Message"]
    assert ingestion["RowInfo"] == {"RowsIngested": 0, "RowsDropped": 0, "TotalRowsInDataset": 0}
    assert localaws.services["quicksight"].spice_extract_path(set_id) is None


def test_failed_refresh_keeps_the_previous_extract(
    qs: Any, localaws: LocalAWS, data_source: dict, athena_table: dict, unique: str
) -> None:
    set_id = f"keep-{unique}"
    tables = custom_sql(data_source["Arn"], "SELECT id FROM qs_test.rows", [("id", "INTEGER")])
    assert wait_ingestion(qs, set_id, create_spice_set(qs, set_id, tables))["IngestionStatus"] == "COMPLETED"
    # WHEN the dataset is edited to a query that fails
    broken = custom_sql(data_source["Arn"], "SELECT id FROM qs_test.rows WHERE", [("id", "INTEGER")])
    edit = qs.update_data_set(
        AwsAccountId=ACCOUNT, DataSetId=set_id, Name=set_id, ImportMode="SPICE", PhysicalTableMap=broken
    )
    failed = wait_ingestion(qs, set_id, edit["IngestionId"])
    assert failed["IngestionStatus"] == "FAILED"
    assert failed["RowInfo"] == {"RowsIngested": 0, "RowsDropped": 0, "TotalRowsInDataset": 3}
    # THEN dashboards keep seeing the last good extract
    assert extract_rows(localaws, set_id) == [(1,), (2,), (3,)]


def test_workgroup_without_output_location_uses_the_default_results_bucket(
    qs: Any, aws_client: Callable[[str], Any], athena_table: dict, unique: str
) -> None:
    aws_client("athena").create_work_group(Name=f"bare-{unique}")
    source = qs.create_data_source(
        AwsAccountId=ACCOUNT,
        DataSourceId=f"bare-{unique}",
        Name="bare",
        Type="ATHENA",
        DataSourceParameters={"AthenaParameters": {"WorkGroup": f"bare-{unique}"}},
    )
    set_id = f"bare-{unique}"
    first = create_spice_set(
        qs, set_id, custom_sql(source["Arn"], "SELECT id FROM qs_test.rows", [("id", "INTEGER")])
    )
    ingestion = wait_ingestion(qs, set_id, first)
    assert ingestion["IngestionStatus"] == "COMPLETED", ingestion.get("ErrorInfo")
    buckets = {b["Name"] for b in aws_client("s3").list_buckets()["Buckets"]}
    assert f"aws-athena-query-results-{ACCOUNT}-us-east-1" in buckets


def test_incremental_refresh_replaces_only_the_lookback_window(
    qs: Any, localaws: LocalAWS, data_source: dict, athena_table: dict, unique: str
) -> None:
    # GIVEN an extract of the three rows (2026-11-26 10:00..12:00) and a one-hour lookback window on ts
    set_id = f"incr-{unique}"
    columns = [("id", "INTEGER"), ("ts", "DATETIME")]
    tables = relational(data_source["Arn"], "qs_test", "rows", columns)
    assert wait_ingestion(qs, set_id, create_spice_set(qs, set_id, tables))["IngestionStatus"] == "COMPLETED"
    qs.put_data_set_refresh_properties(
        AwsAccountId=ACCOUNT,
        DataSetId=set_id,
        DataSetRefreshProperties={
            "RefreshConfiguration": {
                "IncrementalRefresh": {"LookbackWindow": {"ColumnName": "ts", "Size": 1, "SizeUnit": "HOUR"}}
            }
        },
    )
    # WHEN an incremental refresh runs (all rows are older than the window)
    qs.create_ingestion(
        AwsAccountId=ACCOUNT, DataSetId=set_id, IngestionId="incr", IngestionType="INCREMENTAL_REFRESH"
    )
    ingestion = wait_ingestion(qs, set_id, "incr")
    # THEN nothing is re-ingested and the old rows stay
    assert ingestion["IngestionStatus"] == "COMPLETED", ingestion.get("ErrorInfo")
    assert ingestion["RowInfo"] == {"RowsIngested": 0, "RowsDropped": 0, "TotalRowsInDataset": 3}
    assert [r[0] for r in extract_rows(localaws, set_id)] == [1, 2, 3]
