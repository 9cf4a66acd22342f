"""Every flow-log format AWS documents works end to end, or is refused before anything is created (issue
14): vpcflow_hourly (dag.test on localaws) over generated records and AWS's own example records, each
record compared field by field with its row in the Parquet table, the SPICE dataset carrying the format's
columns.

Formats and example records are those of the VPC user guide ("Flow log records", "Flow log record
examples"): a version 5 format in the guide's order, a reordered version 3 format with tcp-flags, a
version 8 format with the ECS fields and reject-reason, and the transit-gateway example (no packets,
bytes or times). The NAT-gateway example (addresses only) is refused.
"""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta
from typing import Any

import pendulum
import pytest
from airflow.sdk import DagRunState
from vpcflow.athena import Athena
from vpcflow.model.config import ConfigError, StackConfig
from vpcflow.model.formats import PARQUET_V2_COLUMNS, parse_log_format
from vpcflow.provision.common import Clients
from vpcflow.provision.stack import provision_catalog, provision_quicksight, provision_storage
from vpcflow.synthetic.generator import GeneratorConfig
from vpcflow.synthetic.sinks import generate_to_s3

from tests.conftest import stack_environment

pytestmark = pytest.mark.e2e

HOUR = datetime(2026, 11, 24, 3, tzinfo=UTC)  # after the DAG's start date: a run before it has no tasks
V5 = (
    "${version} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${start} ${end} ${type} ${packets} "
    "${bytes} ${account-id} ${vpc-id} ${subnet-id} ${instance-id} ${interface-id} ${region} ${az-id} "
    "${sublocation-type} ${sublocation-id} ${action} ${tcp-flags} ${pkt-srcaddr} ${pkt-dstaddr} "
    "${pkt-src-aws-service} ${pkt-dst-aws-service} ${traffic-path} ${flow-direction} ${log-status}"
)
TCP_FLAGS = (
    "${version} ${vpc-id} ${subnet-id} ${instance-id} ${interface-id} ${account-id} ${type} ${srcaddr} "
    "${dstaddr} ${srcport} ${dstport} ${pkt-srcaddr} ${pkt-dstaddr} ${protocol} ${bytes} ${packets} ${start} "
    "${end} ${action} ${tcp-flags} ${log-status}"
)
V8 = (
    "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} "
    "${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${ecs-cluster-name} ${ecs-service-name} "
    "${ecs-task-id} ${ecs-container-id} ${reject-reason}"
)
TRANSIT_GATEWAY = (
    "${version} ${interface-id} ${account-id} ${vpc-id} ${subnet-id} ${instance-id} ${srcaddr} ${dstaddr} "
    "${srcport} ${dstport} ${protocol} ${tcp-flags} ${type} ${pkt-srcaddr} ${pkt-dstaddr} ${action} ${log-status}"
)
NAT_GATEWAY = "${instance-id} ${interface-id} ${srcaddr} ${dstaddr} ${pkt-srcaddr} ${pkt-dstaddr}"

# The guide's own records for the formats it shows them with (start/end moved into HOUR where they have any).
EXAMPLES = {
    V5: [
        "5 52.95.128.179 10.0.0.71 80 34210 6 1616729292 1616729349 IPv4 14 15044 123456789012 "
        "vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-0c50d5961bcb2d47b eni-1235b8ca123456789 "
        "ap-southeast-2 apse2-az3 - - ACCEPT 19 52.95.128.179 10.0.0.71 S3 - - ingress OK",
        "5 10.0.0.71 52.95.128.179 34210 80 6 1616729292 1616729349 IPv4 7 471 123456789012 "
        "vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-0c50d5961bcb2d47b eni-1235b8ca123456789 "
        "ap-southeast-2 apse2-az3 - - ACCEPT 3 10.0.0.71 52.95.128.179 - S3 8 egress OK",
    ],
    TCP_FLAGS: [
        "3 vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-01234567890123456 eni-1235b8ca123456789 "
        "123456789012 IPv4 52.213.180.42 10.0.0.62 43416 5001 52.213.180.42 10.0.0.62 6 568 8 1616729300 "
        "1616729359 ACCEPT 2 OK",
        "3 vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-01234567890123456 eni-1235b8ca123456789 "
        "123456789012 IPv4 10.0.0.62 52.213.180.42 5001 43416 10.0.0.62 52.213.180.42 6 376 7 1616729300 "
        "1616729359 ACCEPT 18 OK",
    ],
    TRANSIT_GATEWAY: [
        "3 eni-33333333333333333 123456789010 vpc-abcdefab012345678 subnet-22222222bbbbbbbbb "
        "i-01234567890123456 10.20.33.164 10.40.2.236 39812 80 6 3 IPv4 10.20.33.164 10.40.2.236 ACCEPT OK",
        "3 eni-11111111111111111 123456789010 vpc-abcdefab012345678 subnet-11111111aaaaaaaaa - 10.40.1.175 "
        "10.40.2.236 39812 80 6 3 IPv4 10.20.33.164 10.40.2.236 ACCEPT OK",
    ],
}
FORMATS = {"v5": V5, "v3-tcp-flags": TCP_FLAGS, "v8-ecs": V8, "transit-gateway": TRANSIT_GATEWAY}


def expected_row(fmt, line: str) -> dict[str, Any]:
    """The Parquet row a record must become, from the guide's field table: the blog's names for version 2
    fields, snake_case for the others; integers as numbers; '-' and absent fields as NULL."""
    tokens = dict(zip(fmt.names, line.split(" "), strict=True))
    blog = {f.name: f.blog_column.lower() for f in fmt.fields if f.blog_column}
    row: dict[str, Any] = {column: None for column, _ in PARQUET_V2_COLUMNS}
    for name, value in tokens.items():
        field = fmt.by_name[name]
        column = blog.get(name, name.replace("-", "_"))
        row[column] = None if value == "-" else (int(value) if field.is_integer else value)
    for bound in ("start", "end"):
        if tokens.get(bound, "-") != "-":
            row[f"{bound}_time"] = datetime.fromtimestamp(int(tokens[bound]), UTC).strftime(
                "%Y-%m-%d %H:%M:%S.000"
            )
    return row


@pytest.fixture(scope="module", params=sorted(FORMATS))
def format_stack(request, localaws, airflow_db, aws_conn):
    name, text = request.param, FORMATS[request.param]
    config = StackConfig.isolated(name.replace("-", "")[:8], buffer_interval_s=0, flow_log_format=text)
    clients = Clients(endpoint_url=localaws.endpoint, region="us-east-1")
    for step in (provision_storage, provision_catalog, provision_quicksight):
        step(clients, config)
    (summary,) = generate_to_s3(HOUR, HOUR + timedelta(hours=1),
                                GeneratorConfig(records_per_hour=400, seed=9, log_format=text),
                                s3=clients("s3"), url=config.raw_location)  # fmt: skip
    lines = []
    for key in summary.objects:
        body = clients("s3").get_object(Bucket=config.bucket, Key=key)["Body"].read()
        lines += gzip.decompress(body).decode().splitlines()
    examples = [_shift(line, text) for line in EXAMPLES.get(text, [])]
    if examples:
        key = f"{config.raw_prefix}{HOUR:%Y/%m/%d/%H}/vpcflow-delivery-1-{HOUR:%Y-%m-%d-%H}-59-00-guide.gz"
        clients("s3").put_object(
            Bucket=config.bucket, Key=key, Body=gzip.compress(("\n".join(examples) + "\n").encode())
        )
    with stack_environment(config):
        yield name, config, clients, lines + examples, summary


def _shift(line: str, text: str) -> str:
    """The guide's record with its window moved into HOUR (so it is no flow outside the hour)."""
    fmt = parse_log_format(text)
    tokens = line.split(" ")
    for bound in ("start", "end"):
        if fmt.has(bound):
            i = fmt.names.index(bound)
            tokens[i] = str(int(HOUR.timestamp()) + int(tokens[i]) % 600)
    return " ".join(tokens)


def test_every_record_reaches_parquet_field_by_field(format_stack):
    from airflow.dag_processing.dagbag import DagBag

    name, config, clients, lines, summary = format_stack
    fmt = parse_log_format(config.flow_log_format)
    dag = DagBag(dag_folder="dags/vpcflow_hourly.py").get_dag("vpcflow_hourly")
    run = dag.test(
        logical_date=pendulum.instance(HOUR + timedelta(hours=1)),
        run_conf={"grace_s": 0, "spice_refresh": "hourly"},
    )
    assert run.state == DagRunState.SUCCESS, {ti.task_id: ti.state for ti in run.get_task_instances()}
    valid = [line for line in lines if fmt.typed_row(line) is not None]
    assert len(valid) == summary.records + len(EXAMPLES.get(config.flow_log_format, []))
    wanted = {tuple(sorted(expected_row(fmt, line).items())) for line in valid}
    columns = list(expected_row(fmt, valid[0]))
    integers = {c for c, kind in PARQUET_V2_COLUMNS if kind in ("INT", "BIGINT")}
    integers |= {f.name.replace("-", "_") for f in fmt.fields if f.is_integer and f.version > 2}
    rows = Athena.for_stack(clients("athena"), config, max_poll_s=0.1).query(
        f"SELECT {', '.join(columns)} FROM {config.database}.{config.parquet_table} "
        f"WHERE ingestdatetime = '{HOUR:%Y-%m-%d-%H}'"
    )
    got = {
        tuple(sorted((c, int(r[c]) if c in integers and r[c] is not None else r[c]) for c in columns))
        for r in rows
    }
    assert len(rows) == len(wanted), f"{name}: {len(rows)} rows for {len(wanted)} distinct records"
    assert got == wanted, f"{name}: first difference {sorted(got ^ wanted)[:2]}"
    # AND the SPICE dataset over the Parquet table carries the format's own columns
    spice = clients("quicksight").describe_data_set(
        AwsAccountId="123456789012", DataSetId=config.quicksight_dataset_id
    )
    table = next(iter(spice["DataSet"]["PhysicalTableMap"].values()))["CustomSql"]
    extra = {f.name.replace("-", "_") for f in fmt.fields if f.version > 2}
    assert extra <= {c["Name"] for c in table["Columns"]}
    # AND the dashboard draws the format's own breakdowns from it (none of them where the format lacks them)
    page = _dashboard(config)
    assert all(v["error"] is None for v in page.values()), {k: v["error"] for k, v in page.items()}
    assert ("bytes-by-vpc" in page) == fmt.has("vpc-id") and ("flow-direction" in page) == fmt.has(
        "flow-direction"
    )
    assert ("reject-reasons" in page) == fmt.has("reject-reason")
    if fmt.has("vpc-id"):
        assert page["bytes-by-vpc"]["labels"], "the VPC breakdown has data"


def _dashboard(config) -> dict[str, dict]:
    import json
    import os
    import urllib.request

    from vpcflow.dashboard.links import local_dashboard_url

    endpoint = os.environ["AIRFLOW_CONN_AWS_DEFAULT"].split('"endpoint_url": "')[1].split('"')[0]
    with urllib.request.urlopen(
        local_dashboard_url(endpoint, config.quicksight_dashboard_id) + "?format=json"
    ) as answer:
        data = json.loads(answer.read())
    return {v["id"]: v for sheet in data["sheets"] for v in sheet["visuals"]}


def test_the_nat_gateway_example_format_is_refused_before_anything_is_created():
    with pytest.raises(ConfigError, match="lacks 'action', 'log-status', which vpcflow needs"):
        StackConfig(flow_log_format=NAT_GATEWAY)
