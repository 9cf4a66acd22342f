"""Every statement in sql/ renders for fixed parameters and parses as Athena SQL; the default raw table is
the blog's DDL byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp
from vpcflow.enrichment.columns import ENRICHED_COLUMNS
from vpcflow.model import formats, sqlfiles

# Copied from the blog (shared/seed, "パーティション化されたvpc_flow_logテーブルの作成"), trailing space
# after the SERDEPROPERTIES parenthesis included; only <bucket_and_prefix> is substituted below.
BLOG_DDL = """CREATE EXTERNAL TABLE IF NOT EXISTS vpc_flow_logs (
Version INT,
Account STRING,
InterfaceId STRING,
SourceAddress STRING,
DestinationAddress STRING,
SourcePort INT,
DestinationPort INT,
Protocol INT,
Packets INT,
Bytes INT,
StartTime INT,
EndTime INT,
Action STRING,
LogStatus STRING
)
PARTITIONED BY (IngestDateTime STRING)
ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.RegexSerDe'
WITH SERDEPROPERTIES (
    "input.regex" = "^([^ ]+)\\\\s+([0-9]+)\\\\s+([^ ]+)\\\\s+([^ ]+)\\\\s+([^ ]+)\\\\s+([^ ]+)\\\\s+([^ ]+)\\\\s+([^ ]+)\\\\s+([^ ]+)\\\\s+([^ ]+)\\\\s+([0-9]+)\\\\s+([0-9]+)\\\\s+([^ ]+)\\\\s+([^ ]+)$") 
LOCATION 's3://<bucket_and_prefix>/';"""  # noqa: W291

BLOG_COLUMNS = [
    ("Version", "INT"), ("Account", "STRING"), ("InterfaceId", "STRING"), ("SourceAddress", "STRING"),
    ("DestinationAddress", "STRING"), ("SourcePort", "INT"), ("DestinationPort", "INT"), ("Protocol", "INT"),
    ("Packets", "INT"), ("Bytes", "INT"), ("StartTime", "INT"), ("EndTime", "INT"), ("Action", "STRING"),
    ("LogStatus", "STRING"),
]  # fmt: skip

PARAMS = {
    "create_database.sql": {"database": "vpcflow"},
    "create_vpc_flow_logs.sql": {"database": "vpcflow", "table": "vpc_flow_logs", "location": "s3://my-vpc-flow-logs/raw/"},
    "create_vpc_flow_logs_custom.sql": {
        "database": "vpcflow",
        "table": "vpc_flow_logs",
        "location": "s3://my-vpc-flow-logs/raw/",
        "columns": [{"name": "vpc_id", "type": "STRING"}, {"name": "Bytes", "type": "BIGINT"}],
        "regex": "^([^ ]+)\\\\s+([^ ]+)$",
    },
    "create_hourly_table.sql": {
        "database": "vpcflow",
        "table": "vpc_flow_logs_quality",
        "location": "s3://my-vpc-flow-logs/quality/",
        "columns": [{"name": "check_name", "type": "STRING"}, {"name": "passed", "type": "BOOLEAN"}],
    },
    "create_vpc_flow_logs_parquet.sql": {
        "database": "vpcflow",
        "table": "vpc_flow_logs_parquet",
        "location": "s3://my-vpc-flow-logs/parquet/",
        "extra_columns": [],
    },
    "create_enrichment_table.sql": {
        "database": "vpcflow",
        "table": "enrich_vpc_cidrs",
        "location": "s3://my-vpc-flow-logs/enrichment/enrich_vpc_cidrs/",
        "columns": [{"name": "vpc_id", "type": "STRING"}, {"name": "first_hex", "type": "STRING"}],
    },
}  # fmt: skip


def describe(ddl: str) -> dict:
    """The parts of a CREATE TABLE that Athena/Glue keep, read back with sqlglot (see STACK-FACTS §4)."""
    ast = sqlglot.parse_one(ddl, read="athena")
    assert isinstance(ast, exp.Create) and ast.args.get("exists")
    out: dict = {
        "table": ast.this.this.sql("athena"),
        "columns": [(c.name, c.args["kind"].sql("hive")) for c in ast.this.expressions],
    }
    for prop in ast.args["properties"].expressions:
        if isinstance(prop, exp.PartitionedByProperty):
            out["partitioned_by"] = [(c.name, c.args["kind"].sql("hive")) for c in prop.this.expressions]
        elif isinstance(prop, exp.RowFormatSerdeProperty):
            out["serde"] = prop.this.name
            out["serde_properties"] = {
                q.name: q.args["value"].name for q in prop.args["serde_properties"].expressions
            }
        elif isinstance(prop, exp.LocationProperty):
            out["location"] = prop.this.name
        elif isinstance(prop, exp.FileFormatProperty):
            out["stored_as"] = prop.this.name
    return out


def test_every_sql_file_has_fixed_params_here():
    missing = sorted({p.name for p in Path(sqlfiles.sql_dir()).glob("*.sql")} - set(PARAMS))
    assert not missing, f"add fixed parameters for {missing} to PARAMS so they are rendered and parsed"


@pytest.mark.parametrize("name", sorted(PARAMS))
def test_sql_file_renders_and_parses_as_athena(name):
    sql = sqlfiles.render(name, **PARAMS[name])
    assert "{{" not in sql and "{%" not in sql and "{#" not in sql
    assert sqlglot.parse_one(sql, read="athena") is not None


def test_missing_parameter_is_an_error_not_an_empty_string():
    with pytest.raises(Exception, match="location"):
        sqlfiles.render("create_vpc_flow_logs.sql", database=None, table="vpc_flow_logs")


def test_default_table_is_the_blogs_ddl_byte_for_byte():
    rendered = formats.text_table_ddl(location="s3://my-vpc-flow-logs/raw/")
    assert rendered == BLOG_DDL.replace("<bucket_and_prefix>", "my-vpc-flow-logs/raw")


def test_default_table_with_database_only_qualifies_the_name():
    rendered = formats.text_table_ddl(location="s3://my-vpc-flow-logs/", database="default")
    expected = BLOG_DDL.replace("<bucket_and_prefix>", "my-vpc-flow-logs").replace(
        "EXISTS vpc_flow_logs (", "EXISTS default.vpc_flow_logs ("
    )
    assert rendered == expected


def test_default_table_parses_to_the_blogs_schema_and_regex():
    table = describe(formats.text_table_ddl(location="s3://my-vpc-flow-logs/raw/", database="vpcflow"))
    assert table["table"] == "vpcflow.vpc_flow_logs"
    assert table["columns"] == BLOG_COLUMNS
    assert table["partitioned_by"] == [("IngestDateTime", "STRING")]
    assert table["serde"] == "org.apache.hadoop.hive.serde2.RegexSerDe"
    # Hive unescaping turns the file's \\s into the \s the SerDe needs (a single \s would become "s").
    assert table["serde_properties"] == {"input.regex": formats.BLOG_REGEX}
    assert table["location"] == "s3://my-vpc-flow-logs/raw/"


def test_custom_table_parses_with_typed_columns_and_its_regex():
    fmt = formats.parse_log_format(
        "${version} ${vpc-id} ${srcaddr} ${bytes} ${end} ${tcp-flags} ${reject-reason}"
    )
    table = describe(formats.text_table_ddl(fmt, location="s3://my-vpc-flow-logs/raw/", database="vpcflow"))
    assert table["columns"] == [
        ("Version", "INT"), ("vpc_id", "STRING"), ("SourceAddress", "STRING"), ("Bytes", "BIGINT"),
        ("EndTime", "BIGINT"), ("tcp_flags", "INT"), ("reject_reason", "STRING"),
    ]  # fmt: skip
    assert table["partitioned_by"] == [("IngestDateTime", "STRING")]
    assert table["serde_properties"]["input.regex"] == fmt.serde_regex
    assert fmt.matches("5 vpc-1 10.0.0.1 120 1700000000 2 -")


def test_parquet_table_is_typed_and_partitioned_like_the_raw_table():
    fmt = formats.parse_log_format(formats.DEFAULT_LOG_FORMAT + " ${flow-direction} ${traffic-path}")
    table = describe(
        formats.parquet_table_ddl(fmt, location="s3://my-vpc-flow-logs/parquet/", database="vpcflow")
    )
    assert table["table"] == "vpcflow.vpc_flow_logs_parquet"
    columns = dict(table["columns"])
    assert columns["bytes"] == columns["packets"] == "BIGINT"
    assert columns["sourceport"] == columns["destinationport"] == columns["protocol"] == "INT"
    assert columns["starttime"] == columns["endtime"] == "BIGINT"
    assert columns["start_time"] == columns["end_time"] == "TIMESTAMP"
    # the format's fields beyond version 2, then the enrichment's columns
    width = len(ENRICHED_COLUMNS)
    assert table["columns"][-width - 2 : -width] == [("flow_direction", "STRING"), ("traffic_path", "INT")]
    assert table["columns"][-width:] == list(ENRICHED_COLUMNS)
    assert table["partitioned_by"] == [("IngestDateTime", "STRING")]
    assert table["stored_as"].upper() == "PARQUET"
    assert table["location"] == "s3://my-vpc-flow-logs/parquet/"


@pytest.mark.parametrize("log_format", [None, "${version} ${vpc-id} ${bytes} ${end} ${traffic-path}"])
def test_column_helpers_agree_with_the_ddl(log_format):
    lower = lambda columns: [(name.lower(), kind) for name, kind in columns]  # noqa: E731
    raw = describe(formats.text_table_ddl(log_format, location="s3://my-vpc-flow-logs/raw/"))
    assert lower(raw["columns"]) == formats.text_table_columns(log_format)
    parquet = describe(formats.parquet_table_ddl(log_format, location="s3://my-vpc-flow-logs/parquet/"))
    assert lower(parquet["columns"]) == formats.parquet_table_columns(log_format)
    assert formats.parquet_table_columns(log_format)[: len(formats.parquet_columns(log_format))] == (
        formats.parquet_columns(log_format)
    )


def test_create_database():
    ast = sqlglot.parse_one(formats.create_database_sql("vpcflow"), read="athena")
    assert isinstance(ast, exp.Create) and ast.kind == "DATABASE" and ast.args.get("exists")
    assert ast.this.name == "vpcflow"
