"""Enrichment end to end (issue #18) with dag.test() on localaws: the generator's estate placed in EC2 (moto),
an hour of its flows, a sample of AWS's ip-ranges.json loaded by vpcflow_enrichment's task, IANA's names and
the geo ranges by provisioning; vpcflow_hourly snapshots the interfaces and compacts the hour. Every flow's
instance, subnet, AWS service, direction, protocol name, country and community_id in Parquet is checked
against the inventory EC2 answers, the sample ranges, the geo library and the communityid library."""

from __future__ import annotations

import ipaddress
import json
from datetime import UTC, datetime, timedelta

import pendulum
import pytest
from airflow.sdk import DagRunState
from vpcflow.athena import Athena
from vpcflow.enrichment import tables
from vpcflow.enrichment.addresses import is_private
from vpcflow.enrichment.tasks import load_aws_ranges, load_static_tables
from vpcflow.model.config import StackConfig
from vpcflow.provision.common import Clients
from vpcflow.provision.stack import provision_catalog, provision_storage
from vpcflow.synthetic import ec2_estate
from vpcflow.synthetic.generator import GeneratorConfig, build_estate
from vpcflow.synthetic.sinks import generate_to_s3

from tests.conftest import stack_environment
from tests.vpcflow.enrichment.community import library_id
from tests.vpcflow.enrichment.loading import SAMPLE_RANGES, expected_service

pytestmark = pytest.mark.e2e

HOUR = datetime(2026, 11, 24, 14, tzinfo=UTC)
SEED = 11


def library_community_id(row: dict) -> str | None:
    src, dst, proto = row["sourceaddress"], row["destinationaddress"], row["protocol"]
    if src is None or proto is None:
        return None
    return library_id(src, dst, int(proto), int(row["sourceport"]), int(row["destinationport"]))


@pytest.fixture(scope="module")
def enriched(localaws, airflow_db, aws_conn):
    from airflow.dag_processing.dagbag import DagBag

    config = StackConfig.isolated("enrich", buffer_interval_s=0, quicksight=False)
    config = StackConfig.isolated(
        "enrich",
        suffix=config.bucket.rsplit("-", 1)[1],
        buffer_interval_s=0,
        quicksight=False,
        ip_ranges_url=f"s3://{config.bucket}/samples/ip-ranges.json",
    )
    clients = Clients(endpoint_url=localaws.endpoint, region="us-east-1")
    s3, ec2 = clients("s3"), clients("ec2")
    provision_storage(clients, config)
    provision_catalog(clients, config)
    s3.put_object(Bucket=config.bucket, Key="samples/ip-ranges.json", Body=json.dumps(SAMPLE_RANGES).encode())
    ranges = load_aws_ranges(s3, config)  # vpcflow_enrichment's tasks
    static = load_static_tables(s3, config)
    assert {v["action"] for v in static.values()} == {"created"}
    assert {v["action"] for v in load_static_tables(s3, config).values()} == {"unchanged"}
    generator = GeneratorConfig(records_per_hour=1500, seed=SEED, malformed=0, daily_curve=False)
    estate = ec2_estate.place(ec2, build_estate(SEED, generator.accounts), SEED)
    generate_to_s3(HOUR, HOUR + timedelta(hours=1), generator, s3=s3, url=config.raw_location, estate=estate)
    with stack_environment(config):
        dag = DagBag(dag_folder="dags/vpcflow_hourly.py").get_dag("vpcflow_hourly")
        run = dag.test(logical_date=pendulum.instance(HOUR + timedelta(hours=1)), run_conf={"grace_s": 0})
        assert run.state == DagRunState.SUCCESS, {ti.task_id: ti.state for ti in run.get_task_instances()}
    rows = Athena.for_stack(clients("athena"), config, max_poll_s=0.1).query(
        f"SELECT * FROM {config.database}.{config.parquet_table} WHERE ingestdatetime = '{HOUR:%Y-%m-%d-%H}'"
    )
    enis = {e["NetworkInterfaceId"]: e for e in ec2.describe_network_interfaces()["NetworkInterfaces"]}
    vpcs = {v["VpcId"]: ipaddress.ip_network(v["CidrBlock"]) for v in ec2.describe_vpcs()["Vpcs"]}
    return config, clients, rows, enis, vpcs, estate, ranges


def flows(rows):
    return [r for r in rows if r["logstatus"] == "OK"]


def test_every_flow_has_its_interface_from_the_inventory(enriched):
    _, _, rows, enis, _, estate, _ = enriched
    ours = {i.eni for i in estate.interfaces}
    assert rows and all(r["interfaceid"] in ours for r in rows)
    for row in rows:
        eni = enis[row["interfaceid"]]
        assert row["interface_subnet_id"] == eni["SubnetId"]
        assert row["interface_vpc_id"] == eni["VpcId"]
        assert row["interface_instance_id"] == (eni.get("Attachment") or {}).get("InstanceId")
        assert row["interface_requester"] == ("instance" if eni.get("Attachment") else "ecs")
    assert {r["interface_requester"] for r in rows} == {"instance", "ecs"}


def test_direction_from_the_vpcs_cidr_blocks(enriched):
    _, _, rows, _, vpcs, _, _ = enriched
    seen = set()
    for row in flows(rows):
        src, dst = ipaddress.ip_address(row["sourceaddress"]), ipaddress.ip_address(row["destinationaddress"])
        if src.version == 6:
            continue  # the local VPCs have no IPv6 block: those flows are judged by their private end
        cidr = vpcs[row["interface_vpc_id"]]
        inside = (src in cidr, dst in cidr)
        expected = {(True, True): "internal", (False, True): "ingress", (True, False): "egress"}[inside]
        assert row["direction"] == expected, row
        peer = None if expected == "internal" else str(src if expected == "ingress" else dst)
        assert row["peer_address"] == peer
        seen.add(expected)
    assert seen == {"internal", "ingress", "egress"}


def test_aws_service_and_scope_from_the_sample_ranges(enriched):
    _, _, rows, _, _, _, ranges = enriched
    assert ranges["sync_token"] == SAMPLE_RANGES["syncToken"]
    services = set()
    for row in flows(rows):
        if row["direction"] == "internal":
            assert (row["peer_scope"], row["peer_aws_service"]) == ("private", None)
            continue
        expected = expected_service(row["peer_address"])
        assert (row["peer_aws_service"], row["peer_aws_region"]) == (expected or (None, None)), row
        # private: RFC 1918 and the like (addresses.PRIVATE_NETWORKS); documentation ranges count as public
        scope = "aws" if expected else ("private" if is_private(row["peer_address"]) else "public")
        assert row["peer_scope"] == scope, row
        services.add(row["peer_aws_service"])
    assert {"S3", "EC2", "AMAZON"} <= services


def test_protocol_and_service_names(enriched):
    _, _, rows, _, _, _, _ = enriched
    names = {(r["protocol"], r["protocol_keyword"]) for r in flows(rows)}
    assert {("6", "TCP"), ("17", "UDP"), ("1", "ICMP")} <= names
    by_port = {(r["destinationport"], r["protocol"]): r["service_name"] for r in flows(rows)}
    assert by_port[("443", "6")] == "https" and by_port[("22", "6")] == "ssh"
    assert by_port[("53", "17")] == "domain" and by_port[("5432", "6")] == "postgresql"


def test_country_of_public_peers_from_the_geo_database(enriched):
    from geoip2fast import GeoIP2Fast

    _, _, rows, _, _, _, _ = enriched
    geo = GeoIP2Fast(geoip2fast_data_file="geoip2fast-asn-ipv6.dat.gz")
    checked = 0
    for row in flows(rows):
        if row["peer_scope"] not in ("public", "aws"):
            continue
        found = geo.lookup(row["peer_address"])
        code = found.country_code if len(found.country_code) == 2 and found.country_code.isalpha() else None
        assert row["peer_country"] == code, row
        # The library names the AS of the nearest network at or before an IPv4 address of its IPv4+IPv6
        # file even when the address lies past that network's end; its asn_cidr says which it was.
        holds = found.asn_cidr and ipaddress.ip_address(row["peer_address"]) in ipaddress.ip_network(
            found.asn_cidr
        )
        assert row["peer_as_org"] == (found.asn_name if holds else None), row
        checked += code is not None
    assert checked > 100


def test_community_id_as_the_library_computes_it(enriched):
    _, _, rows, _, _, _, _ = enriched
    for row in rows:
        assert row["community_id"] == library_community_id(row), row
    assert sum(r["community_id"] is not None for r in rows) == len(flows(rows))


def test_the_inventory_holds_versions_valid_for_the_hour(enriched):
    config, clients, _, enis, _, _, _ = enriched
    versions, _ = tables.read_rows(clients("s3"), config, tables.INTERFACES)
    current = {v["interface_id"] for v in versions if v["valid_to"] is None}
    assert set(enis) <= current
    assert {v["last_seen"] for v in versions} == {f"{HOUR:%Y-%m-%d-%H}"}
