"""The clients people put on top of Athena, unchanged, against localaws: awswrangler (read_sql_query with
its defaults, to_parquet datasets, catalogue helpers), PyAthena's PandasCursor and SQLAlchemy dialect
(has_table, reflection, pandas to_sql), and the AWS CLI. Each answers what it answers on AWS, or the test
says why it cannot run here."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from tests.localaws.athena.conftest import Athena

CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def _seed(athena: Athena, aws_client, database: str, bucket: str) -> None:
    aws_client("s3").put_object(
        Bucket=bucket, Key="flows/dt=2026-11-26/a.txt", Body=b"REJECT,22,100\nACCEPT,443,7\n"
    )
    athena.run(
        "CREATE EXTERNAL TABLE flows (action STRING, port INT, bytes BIGINT) PARTITIONED BY (dt STRING) "
        f"ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' LOCATION 's3://{bucket}/flows/'",
        database,
    )
    athena.run("ALTER TABLE flows ADD PARTITION (dt='2026-11-26')", database)


@pytest.fixture
def wrangler(localaws, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    wr = pytest.importorskip("awswrangler", reason="awswrangler is a dev dependency (uv sync)")
    import boto3

    for k, v in CREDENTIALS.items():
        monkeypatch.setenv(k, v)
    saved = {
        k: getattr(wr.config, k)
        for k in ("athena_endpoint_url", "s3_endpoint_url", "glue_endpoint_url", "sts_endpoint_url")
    }
    for k in saved:
        setattr(wr.config, k, localaws.endpoint)
    boto3.setup_default_session(
        region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    try:
        yield wr
    finally:
        for k, v in saved.items():
            setattr(wr.config, k, v)
        boto3.DEFAULT_SESSION = None


def test_awswrangler_read_sql_query_with_its_defaults(
    wrangler, athena: Athena, aws_client, database: str, bucket: str
):
    # GIVEN a partitioned text table; WHEN awswrangler reads with ctas_approach=True (its default), which
    # runs a CTAS into a temporary Parquet table and reads the files the CTAS manifest lists
    _seed(athena, aws_client, database, bucket)
    df = wrangler.athena.read_sql_query(
        "SELECT action, port, bytes FROM flows ORDER BY port", database=database, s3_output=athena.output
    )
    # THEN the rows come back (they used to come back as an empty DataFrame, without an error)
    assert df.to_dict("records") == [
        {"action": "REJECT", "port": 22, "bytes": 100},
        {"action": "ACCEPT", "port": 443, "bytes": 7},
    ]
    plain = wrangler.athena.read_sql_query(
        "SELECT count(*) AS n FROM flows", database=database, s3_output=athena.output, ctas_approach=False
    )
    assert plain["n"].tolist() == [2]
    table = wrangler.athena.read_sql_table("flows", database=database, s3_output=athena.output)
    assert len(table) == 2
    # unload_approach: UNLOAD to Parquet (into an empty prefix, as Athena requires), then the files its
    # manifest lists
    unloaded = wrangler.athena.read_sql_query(
        "SELECT port FROM flows",
        database=database,
        s3_output=f"s3://{bucket}/unload-out/",
        ctas_approach=False,
        unload_approach=True,
    )
    assert sorted(unloaded["port"].tolist()) == [22, 443]


def test_awswrangler_to_parquet_dataset_and_catalogue_helpers(
    wrangler, athena: Athena, database: str, bucket: str
):
    import pandas as pd

    df = pd.DataFrame(
        {"id": [1, 2, 3], "name": ["a", "b", "c"], "dt": ["2026-11-26", "2026-11-26", "2026-11-27"]}
    )
    wrangler.s3.to_parquet(
        df, path=f"s3://{bucket}/ds/", dataset=True, database=database, table="ds", partition_cols=["dt"]
    )
    assert wrangler.catalog.does_table_exist(database=database, table="ds")
    assert not wrangler.catalog.does_table_exist(database=database, table="nope")
    assert wrangler.catalog.get_table_types(database=database, table="ds") == {
        "id": "bigint",
        "name": "string",
        "dt": "string",
    }
    assert sorted(wrangler.catalog.get_partitions(database=database, table="ds").values()) == [
        ["2026-11-26"],
        ["2026-11-27"],
    ]
    back = wrangler.athena.read_sql_query(
        "SELECT id, name FROM ds WHERE dt = '2026-11-26' ORDER BY id",
        database=database,
        s3_output=athena.output,
    )
    assert back.to_dict("records") == [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]
    assert database in wrangler.catalog.databases()["Database"].tolist()


def _pyathena_kwargs(localaws, athena: Athena, database: str) -> dict[str, Any]:
    return {
        "s3_staging_dir": athena.output,
        "region_name": "us-east-1",
        "schema_name": database,
        "endpoint_url": localaws.endpoint,
        "poll_interval": 0.05,
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
    }


def test_pyathena_pandas_cursor(
    localaws, athena: Athena, aws_client, database: str, bucket: str, monkeypatch
):
    pytest.importorskip("pandas", reason="pandas is a dev dependency (uv sync)")
    import pyathena
    from pyathena.pandas.cursor import PandasCursor

    _seed(athena, aws_client, database, bucket)
    # PandasCursor downloads the result CSV with its own S3 client: botocore's per-service endpoint variable
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", localaws.endpoint)
    cursor = pyathena.connect(
        cursor_class=PandasCursor, **_pyathena_kwargs(localaws, athena, database)
    ).cursor()
    df = cursor.execute("SELECT action, port, bytes FROM flows ORDER BY port").as_pandas()
    assert df.to_dict("records") == [
        {"action": "REJECT", "port": 22, "bytes": 100},
        {"action": "ACCEPT", "port": 443, "bytes": 7},
    ]


def test_pyathena_sqlalchemy_reflection_has_table_and_pandas_to_sql(
    localaws, athena: Athena, aws_client, database: str, bucket: str, monkeypatch
):
    pd = pytest.importorskip("pandas", reason="pandas is a dev dependency (uv sync)")
    from urllib.parse import quote_plus

    import sqlalchemy

    for k, v in CREDENTIALS.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", localaws.endpoint)
    _seed(athena, aws_client, database, bucket)
    url = (
        f"awsathena+rest://testing:testing@athena.us-east-1.amazonaws.com:443/{database}"
        f"?s3_staging_dir={quote_plus(athena.output)}&endpoint_url={quote_plus(localaws.endpoint)}&poll_interval=0.05"
        f"&location={quote_plus(f's3://{bucket}/written/')}&file_format=PARQUET"
    )
    engine = sqlalchemy.create_engine(url)
    inspector = sqlalchemy.inspect(engine)
    assert inspector.has_table("flows") and not inspector.has_table("nope")
    assert [c["name"] for c in inspector.get_columns("flows")] == ["action", "port", "bytes", "dt"]
    flows = sqlalchemy.Table("flows", sqlalchemy.MetaData(), autoload_with=engine, schema=database)
    with engine.connect() as conn:
        # SQLAlchemy qualifies columns with the schema: WHERE db.flows.dt = '...'
        rows = conn.execute(
            sqlalchemy.select(flows.c.port).where(flows.c.dt == "2026-11-26").order_by(flows.c.port)
        ).all()
    assert [r[0] for r in rows] == [22, 443]
    df = pd.DataFrame({"id": [1, 2], "name": ["a", "b"]})
    df.to_sql(
        "written",
        engine,
        schema=database,
        index=False,
        if_exists="replace",
    )
    with engine.connect() as conn:
        assert conn.execute(sqlalchemy.text("SELECT sum(id) FROM written")).scalar() == 3


def test_aws_cli_starts_and_reads_a_query(localaws, athena: Athena, database: str):
    aws = shutil.which("aws")
    if aws is None:
        pytest.skip(
            "the AWS CLI is not installed on this machine (it is not a dev dependency: it pins botocore)"
        )
    env = {**os.environ, **CREDENTIALS}

    def cli(*args: str) -> dict[str, Any]:
        out = subprocess.run(
            [aws, "--endpoint-url", localaws.endpoint, "--output", "json", "athena", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return json.loads(out.stdout) if out.stdout.strip() else {}

    qid = cli(
        "start-query-execution",
        "--query-string",
        "SELECT 1 AS one",
        "--query-execution-context",
        f"Database={database}",
        "--result-configuration",
        f"OutputLocation={athena.output}",
    )["QueryExecutionId"]
    athena.wait(qid)
    rows = cli("get-query-results", "--query-execution-id", qid)["ResultSet"]["Rows"]
    assert [[d.get("VarCharValue") for d in r["Data"]] for r in rows] == [["one"], ["1"]]
    assert (
        cli("get-query-execution", "--query-execution-id", qid)["QueryExecution"]["Status"]["State"]
        == "SUCCEEDED"
    )


def test_unload_writes_parquet_and_a_manifest_pyathena_reads(
    localaws, athena: Athena, aws_client, database: str, bucket: str, monkeypatch
):
    pytest.importorskip("pandas", reason="pandas is a dev dependency (uv sync)")
    import pyathena
    from pyathena.pandas.cursor import PandasCursor

    _seed(athena, aws_client, database, bucket)
    run = athena.run(
        f"UNLOAD (SELECT port, action, dt FROM flows) TO 's3://{bucket}/unloaded/' "
        "WITH (format = 'PARQUET', compression = 'SNAPPY', partitioned_by = ARRAY['dt'])",
        database,
    )
    manifest = run.execution["Statistics"]["DataManifestLocation"]
    bucket_name, key = manifest[5:].split("/", 1)
    files = aws_client("s3").get_object(Bucket=bucket_name, Key=key)["Body"].read().decode().split()
    assert len(files) == 1 and files[0].startswith(f"s3://{bucket}/unloaded/dt=2026-11-26/")
    again = athena.run(
        f"UNLOAD (SELECT 1) TO 's3://{bucket}/unloaded/' WITH (format = 'PARQUET')", database, ok=False
    )
    assert again.reason.startswith("HIVE_PATH_ALREADY_EXISTS")
    # PyAthena's unload=True wraps the query in UNLOAD and reads the Parquet files the manifest lists
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", localaws.endpoint)
    cursor = pyathena.connect(
        cursor_class=PandasCursor, **_pyathena_kwargs(localaws, athena, database)
    ).cursor(unload=True)
    df = cursor.execute("SELECT action, port FROM flows ORDER BY port").as_pandas()
    assert sorted(df["port"].tolist()) == [22, 443]
