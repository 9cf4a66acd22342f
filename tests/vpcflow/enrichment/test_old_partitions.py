"""Hours compacted before the enrichment existed stay readable once the Parquet table gains its columns:
provisioning recreates the table with every partition kept, and the old files, which lack the columns,
read them as NULL (Athena reads Parquet by column name; localaws the same)."""

from __future__ import annotations

from vpcflow.athena import Athena
from vpcflow.enrichment.columns import NAMES
from vpcflow.model import formats, sqlfiles
from vpcflow.model.config import StackConfig
from vpcflow.model.partitions import Partition, add_partitions_sql
from vpcflow.provision.common import Clients
from vpcflow.provision.stack import provision_catalog, provision_storage, table_ddl


def test_an_hour_compacted_before_the_enrichment_reads_its_columns_as_null(localaws):
    config = StackConfig.isolated("oldhour", quicksight=False)
    clients = Clients(endpoint_url=localaws.endpoint, region="us-east-1")
    provision_storage(clients, config)
    # GIVEN the Parquet table as it was before the enrichment, holding one compacted hour
    before = dict(table_ddl(config))
    before[config.parquet_table] = sqlfiles.render(
        "create_vpc_flow_logs_parquet.sql",
        database=config.database,
        table=config.parquet_table,
        location=config.parquet_location,
        extra_columns=[],
    )
    provision_catalog(clients, config, ddl=before)
    athena = Athena.for_stack(clients("athena"), config, max_poll_s=0.05)
    athena.run(
        f"CREATE TABLE {config.database}.old_hour WITH (format = 'PARQUET', "
        f"external_location = '{config.parquet_location}2026/11/01/00/old/') AS SELECT "
        + ", ".join(
            f"CAST({value} AS {kind}) AS {name}"
            for (name, kind), value in zip(
                [
                    (
                        n,
                        {"INT": "INTEGER", "BIGINT": "BIGINT", "STRING": "VARCHAR", "TIMESTAMP": "TIMESTAMP"}[
                            t
                        ],
                    )
                    for n, t in formats.parquet_columns()
                ],
                [
                    "2",
                    "'123456789012'",
                    "'eni-1'",
                    "'10.0.0.1'",
                    "'52.1.2.3'",
                    "40000",
                    "443",
                    "6",
                    "5",
                    "500",
                    "1764547200",
                    "1764547230",
                    "'ACCEPT'",
                    "'OK'",
                    "TIMESTAMP '2026-12-01 00:00:00'",
                    "TIMESTAMP '2026-12-01 00:00:30'",
                ],
                strict=True,
            )
        )  # fmt: skip
    )
    athena.run(
        add_partitions_sql(
            f"{config.database}.{config.parquet_table}",
            [Partition("2026-11-01-00", f"{config.parquet_location}2026/11/01/00/old/")],
        )
    )
    # WHEN provisioning meets the table without the enrichment's columns
    results = provision_catalog(clients, config)
    assert results[f"table:{config.parquet_table}"].action == "updated"
    # THEN the hour is still there, its own columns as written, the enriched ones NULL
    rows = athena.query(
        f"SELECT sourceaddress, bytes, {', '.join(NAMES)} FROM {config.database}.{config.parquet_table} "
        "WHERE ingestdatetime = '2026-11-01-00'"
    )
    assert len(rows) == 1 and rows[0]["sourceaddress"] == "10.0.0.1" and rows[0]["bytes"] == "500"
    assert {rows[0][name] for name in NAMES} == {None}
