"""When the flow-log format carries AWS's own flow-direction and pkt-src/dst-aws-service, the enrichment
prefers them: the compaction's CTAS (run on localaws) keeps the log's answer over the ranges' and the
CIDRs', and an interface the inventory does not know still gets the log's direction."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

from vpcflow.athena import Athena
from vpcflow.enrichment import aws_ranges, tables
from vpcflow.hourly.compaction import Target, publish
from vpcflow.hourly.context import HourContext
from vpcflow.hourly.settings import RunSettings
from vpcflow.model.config import StackConfig
from vpcflow.provision.common import Clients
from vpcflow.provision.stack import provision_catalog, provision_storage
from vpcflow.synthetic.ip_ranges import SAMPLE

HOUR = datetime(2026, 11, 20, 5, tzinfo=UTC)
FORMAT = (
    "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} "
    "${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${flow-direction} ${pkt-src-aws-service} "
    "${pkt-dst-aws-service}"
)
T = int(HOUR.timestamp()) + 60
LINES = [
    # to an S3 address by the sample ranges, which the log calls DynamoDB: the log wins
    f"5 123456789012 eni-0aaa 10.0.1.5 52.1.2.3 40000 443 6 5 500 {T} {T + 10} ACCEPT OK egress - DYNAMODB",
    # the log says nothing of the service: the ranges answer
    f"5 123456789012 eni-0aaa 52.1.2.4 10.0.1.5 443 40001 6 5 500 {T} {T + 10} ACCEPT OK ingress - -",
]


def test_the_logs_own_direction_and_service_come_first(localaws):
    config = StackConfig.isolated("logfirst", quicksight=False, flow_log_format=FORMAT)
    clients = Clients(endpoint_url=localaws.endpoint, region="us-east-1")
    provision_storage(clients, config)
    provision_catalog(clients, config)
    s3 = clients("s3")
    tables.write_rows(s3, config, tables.AWS_RANGES, aws_ranges.rows(SAMPLE, "sample"))
    key = f"{config.raw_prefix}{HOUR:%Y/%m/%d/%H}/vpcflow-delivery-1-{HOUR:%Y-%m-%d-%H}-01-00-a.gz"
    s3.put_object(Bucket=config.bucket, Key=key, Body=gzip.compress(("\n".join(LINES) + "\n").encode()))
    # WHEN the hour is compacted as vpcflow_hourly does (no inventory: the interface is unknown)
    hour = HourContext(config, RunSettings(), HOUR)
    athena = Athena.for_stack(clients("athena"), config, max_poll_s=0.05)
    for step in ("register_partition", "register_typed_partition"):
        athena.run(hour.sql(step))
    target = Target.for_try(hour, "try-1")
    athena.run(hour.sql("compact_hour", compaction=target))
    publish(clients("glue"), s3, hour, target)
    # THEN the log's direction and service stand; where it has none, AWS's ranges answer
    rows = athena.query(
        f"SELECT destinationaddress, direction, peer_address, peer_aws_service, peer_scope, interface_vpc_id "
        f"FROM {config.database}.{config.parquet_table} ORDER BY destinationaddress"
    )
    assert [(r["direction"], r["peer_address"], r["peer_aws_service"], r["peer_scope"]) for r in rows] == [
        ("ingress", "52.1.2.4", "S3", "aws"),
        ("egress", "52.1.2.3", "DYNAMODB", "aws"),
    ]
    assert {r["interface_vpc_id"] for r in rows} == {None}
