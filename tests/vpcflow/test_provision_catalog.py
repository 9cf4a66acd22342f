"""Athena workgroup, Glue database and DDL-created tables (moto; moto's Athena runs no SQL, so the
tables' Glue side is put in place by the test where a real Athena would have created it)."""

from __future__ import annotations

import dataclasses

import pytest
from botocore.stub import Stubber
from vpcflow.enrichment.tables import DIMENSION_TABLES
from vpcflow.provision.catalog import (
    delete_database,
    delete_workgroup,
    ensure_database,
    ensure_table,
    ensure_workgroup,
    parse_ddl,
    workgroup_configuration,
)
from vpcflow.provision.stack import table_ddl

from tests.vpcflow.provision_fixtures import moto  # noqa: F401  (fixture)


def test_workgroup_created_then_unchanged(moto):  # noqa: F811
    athena = moto.clients("athena")
    assert ensure_workgroup(athena, moto.config, moto.arns) == (
        "created",
        "arn:aws:athena:us-east-1:123456789012:workgroup/vpcflow",
    )
    configuration = athena.get_work_group(WorkGroup="vpcflow")["WorkGroup"]["Configuration"]
    assert (
        configuration["ResultConfiguration"]["OutputLocation"] == "s3://vpcflow-test-bucket/athena-results/"
    )
    assert configuration["EnforceWorkGroupConfiguration"] is True
    assert configuration["BytesScannedCutoffPerQuery"] == moto.config.bytes_scanned_cutoff
    moto.reset()
    assert ensure_workgroup(athena, moto.config, moto.arns).action == "unchanged"
    assert moto.writes() == []
    assert delete_workgroup(athena, "vpcflow").action == "deleted"
    assert delete_workgroup(athena, "vpcflow").action == "absent"


def test_drifted_workgroup_is_updated():
    # moto has no UpdateWorkGroup: a Stubber stands in for Athena.
    import boto3
    from vpcflow.model.config import StackConfig
    from vpcflow.provision.iam_policies import StackArns

    config = StackConfig(bucket="b-bucket")
    athena = boto3.client("athena", region_name="us-east-1")
    drifted = workgroup_configuration(config) | {"BytesScannedCutoffPerQuery": 99_000_000_000}
    with Stubber(athena) as stub:
        stub.add_response(
            "get_work_group", {"WorkGroup": {"Name": "vpcflow", "State": "ENABLED", "Configuration": drifted}}
        )
        stub.add_response(
            "update_work_group",
            {},
            {
                "WorkGroup": "vpcflow",
                "State": "ENABLED",
                "ConfigurationUpdates": {
                    "ResultConfigurationUpdates": workgroup_configuration(config)["ResultConfiguration"],
                    "EnforceWorkGroupConfiguration": True,
                    "PublishCloudWatchMetricsEnabled": True,
                    "BytesScannedCutoffPerQuery": config.bytes_scanned_cutoff,
                },
            },
        )
        assert (
            ensure_workgroup(athena, config, StackArns(config, "123456789012", "us-east-1")).action
            == "updated"
        )
        stub.assert_no_pending_responses()


def test_database_created_unchanged_deleted(moto):  # noqa: F811
    glue = moto.clients("glue")
    assert ensure_database(glue, moto.config, moto.arns).action == "created"
    moto.reset()
    assert ensure_database(glue, moto.config, moto.arns).action == "unchanged"
    assert moto.writes() == []
    assert delete_database(glue, "vpcflow").action == "deleted"
    assert delete_database(glue, "vpcflow").action == "absent"


def test_parse_ddl_reads_the_blog_table(moto):  # noqa: F811
    shape = parse_ddl(table_ddl(moto.config)["vpc_flow_logs"])
    assert (shape.database, shape.name) == ("vpcflow", "vpc_flow_logs")
    assert shape.columns[0] == ("version", "int") and len(shape.columns) == 14
    assert shape.partition_keys == (("ingestdatetime", "string"),)
    assert shape.location == "s3://vpcflow-test-bucket/raw/"


def test_parse_ddl_rejects_other_statements():
    with pytest.raises(ValueError, match="not a CREATE TABLE"):
        parse_ddl("SELECT 1")


def _glue_table(glue, shape, location=None, drop_column=False):
    columns = [{"Name": n, "Type": t} for n, t in shape.columns]
    glue.create_table(
        DatabaseName=shape.database,
        TableInput={
            "Name": shape.name,
            "TableType": "EXTERNAL_TABLE",
            "StorageDescriptor": {
                "Columns": columns[:-1] if drop_column else columns,
                "Location": location or shape.location,
            },
            "PartitionKeys": [{"Name": n, "Type": t} for n, t in shape.partition_keys],
        },
    )


def _queries(moto):  # noqa: F811
    athena = moto.clients("athena")
    ids = athena.list_query_executions(WorkGroup="vpcflow")["QueryExecutionIds"]
    return [athena.get_query_execution(QueryExecutionId=i)["QueryExecution"]["Query"] for i in ids]


@pytest.fixture
def catalog(moto):  # noqa: F811
    ensure_workgroup(moto.clients("athena"), moto.config, moto.arns)
    ensure_database(moto.clients("glue"), moto.config, moto.arns)
    return moto


def test_missing_table_runs_its_ddl(catalog):
    ddl = table_ddl(catalog.config)["vpc_flow_logs"]
    catalog.reset()
    result = ensure_table(catalog.clients("athena"), catalog.clients("glue"), ddl, "vpcflow", "vpcflow")
    assert result == ("created", "vpcflow.vpc_flow_logs")
    assert [op for _, op in catalog.writes()] == ["StartQueryExecution"]
    assert _queries(catalog) == [ddl]


def test_table_matching_glue_is_unchanged(catalog):
    ddl = table_ddl(catalog.config)["vpc_flow_logs_parquet"]
    _glue_table(catalog.clients("glue"), parse_ddl(ddl), location="s3://vpcflow-test-bucket/parquet")
    catalog.reset()
    assert (
        ensure_table(catalog.clients("athena"), catalog.clients("glue"), ddl, "vpcflow", "vpcflow").action
        == "unchanged"
    )
    assert catalog.writes() == []


def test_drifted_table_is_replaced_or_reported(catalog):
    ddl = table_ddl(catalog.config)["vpc_flow_logs"]
    _glue_table(catalog.clients("glue"), parse_ddl(ddl), drop_column=True)
    with pytest.raises(RuntimeError, match="vpcflow.vpc_flow_logs differs from its DDL"):
        ensure_table(
            catalog.clients("athena"), catalog.clients("glue"), ddl, "vpcflow", "vpcflow", on_drift="error"
        )
    result = ensure_table(catalog.clients("athena"), catalog.clients("glue"), ddl, "vpcflow", "vpcflow")
    assert result.action == "updated"
    assert _queries(catalog) == ["DROP TABLE IF EXISTS `vpcflow`.`vpc_flow_logs`", ddl]


def test_custom_format_generates_its_own_columns(moto):  # noqa: F811
    config = dataclasses.replace(
        moto.config, flow_log_format="${version} ${vpc-id} ${srcaddr} ${dstaddr} ${action} ${log-status}"
    )
    shape = parse_ddl(table_ddl(config)["vpc_flow_logs"])
    assert [c for c, _ in shape.columns] == [
        "version", "vpc_id", "sourceaddress", "destinationaddress", "action", "logstatus"
    ]  # fmt: skip


def test_typed_companion_reads_the_raw_objects_with_wide_integers(moto):  # noqa: F811
    ddl = table_ddl(moto.config)
    assert list(ddl)[:6] == [
        "vpc_flow_logs",
        "vpc_flow_logs_typed",
        "vpc_flow_logs_parquet",
        "vpc_flow_logs_quality",
        "vpc_flow_logs_objects",
        "vpc_flow_logs_malformed",
    ]
    # the detections' tables, then the enrichment's dimension tables
    assert list(ddl)[-len(DIMENSION_TABLES) :] == [t.name for t in DIMENSION_TABLES]
    raw, typed = parse_ddl(ddl["vpc_flow_logs"]), parse_ddl(ddl["vpc_flow_logs_typed"])
    assert (typed.location, typed.partition_keys) == (raw.location, raw.partition_keys)
    assert [c for c, _ in typed.columns] == [c for c, _ in raw.columns]
    widened = {c: (dict(raw.columns)[c], t) for c, t in typed.columns if t != dict(raw.columns)[c]}
    assert widened == {c: ("int", "bigint") for c in ("packets", "bytes", "starttime", "endtime")}
    # Not the blog's pattern: one token per field (integers or '-'), so AWS's 'unknown' account reads.
    pattern = ddl["vpc_flow_logs_typed"].split('"input.regex" = ')[1].split('")')[0]
    assert pattern.startswith('"^(-|[0-9]+)\\\\s+([^ ]+)\\\\s+'), pattern
    assert "([0-9]+)" not in pattern


def test_typed_companion_of_a_custom_format_keeps_its_bigint_fields(moto):  # noqa: F811
    config = dataclasses.replace(
        moto.config,
        flow_log_format="${version} ${srcaddr} ${dstaddr} ${bytes} ${packets} ${tcp-flags} ${action} ${log-status}",
    )
    ddl = table_ddl(config)
    typed = parse_ddl(ddl[config.typed_table])
    assert typed.columns == (
        ("version", "int"),
        ("sourceaddress", "string"),
        ("destinationaddress", "string"),
        ("bytes", "bigint"),
        ("packets", "bigint"),
        ("tcp_flags", "int"),
        ("action", "string"),
        ("logstatus", "string"),
    )
    assert typed.columns == parse_ddl(ddl[config.raw_table]).columns


def test_teardown_removes_every_table_it_provisioned(catalog):
    from vpcflow.provision.teardown import teardown_catalog

    for sql_text in table_ddl(catalog.config).values():
        _glue_table(catalog.clients("glue"), parse_ddl(sql_text))
    results = teardown_catalog(catalog.clients, catalog.config)
    assert results["table:vpc_flow_logs_typed"].action == "deleted"
    assert {k: v.action for k, v in results.items() if k.startswith("table:")} == {
        f"table:{name}": "deleted" for name in table_ddl(catalog.config)
    }
