"""Findings say who is behind them when the hours were compacted with enrichment: the interface's instance,
VPC and subnet from the inventory, the remote peer's country, AS organisation and AWS service; Security Hub
gets the instance as an AwsEc2Instance resource. The enrichment changes neither what fires nor the ids,
and hours compacted before it (NULL columns) give the findings they always gave."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from localaws.securityhub import asff as security_hub_format
from vpcflow.detections.asff import to_asff
from vpcflow.detections.findings import CONTEXT_COLUMNS
from vpcflow.detections.tables import FINDINGS, typed

# Detectors whose remote peer is an external address in the sample: the peer's context is expected.
EXTERNAL_PEER = {"brute_force", "exfiltration", "first_seen_peer", "mining_c2_ports"}
PRIVATE = r"^(10\.|192\.168\.|172\.(1[6-9]|2[0-9]|3[01])\.|100\.(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])\.)"


def inventory(sample) -> dict[str, dict[str, str]]:
    """An inventory of the sample's interfaces: instance, VPC (one per account), subnet (one per role)."""
    out = {}
    for n, iface in enumerate(sample.scenario.estate.interfaces):
        out[iface.eni] = {
            "ipv4": iface.ipv4,
            "instance_id": f"i-{n:017x}",
            "vpc_id": f"vpc-{iface.account[-8:]}",
            "subnet_id": f"subnet-{iface.account[-4:]}{iface.role}",
        }
    return out


def country(address: str) -> tuple[str, str]:
    return ("NL", "Netherlands") if int(address.rsplit(".", 1)[-1]) % 2 == 0 else ("JP", "Japan")


def enriched_parquet(body: bytes, interfaces: dict[str, dict[str, str]]) -> bytes:
    """An hour as compaction with enrichment leaves it: the interface's inventory, the far side of the
    flow (none between private addresses), a country by the address's last octet, an organisation named
    after the address."""
    import duckdb

    with tempfile.TemporaryDirectory() as tmp:
        source, out = Path(tmp, "in.parquet"), Path(tmp, "out.parquet")
        source.write_bytes(body)
        con = duckdb.connect()
        con.execute(
            "CREATE TABLE inv (eni VARCHAR, ipv4 VARCHAR, instance VARCHAR, vpc VARCHAR, subnet VARCHAR)"
        )
        con.executemany(
            "INSERT INTO inv VALUES (?, ?, ?, ?, ?)",
            [(e, i["ipv4"], i["instance_id"], i["vpc_id"], i["subnet_id"]) for e, i in interfaces.items()],
        )
        con.execute(f"""
            COPY (
                WITH f AS (
                    SELECT f.*, i.instance, i.vpc, i.subnet,
                           CASE WHEN f.sourceaddress = i.ipv4 THEN f.destinationaddress
                                WHEN f.destinationaddress = i.ipv4 THEN f.sourceaddress END AS far
                    FROM read_parquet('{source}') f LEFT JOIN inv i ON i.eni = f.interfaceid
                ), p AS (
                    SELECT *, CASE WHEN far IS NOT NULL AND NOT regexp_matches(far, '{PRIVATE}')
                                   AND far NOT LIKE '%:%' THEN far END AS peer
                    FROM f
                )
                SELECT * EXCLUDE (instance, vpc, subnet, far, peer),
                       vpc AS interface_vpc_id, subnet AS interface_subnet_id, instance AS interface_instance_id,
                       peer AS peer_address,
                       CASE WHEN peer IS NULL THEN NULL WHEN CAST(split_part(peer, '.', 4) AS INTEGER) % 2 = 0
                            THEN 'NL' ELSE 'JP' END AS peer_country,
                       CASE WHEN peer IS NULL THEN NULL WHEN CAST(split_part(peer, '.', 4) AS INTEGER) % 2 = 0
                            THEN 'Netherlands' ELSE 'Japan' END AS peer_country_name,
                       CASE WHEN peer IS NOT NULL THEN concat('AS-', peer) END AS peer_as_org,
                       CAST(NULL AS VARCHAR) AS peer_aws_service
                FROM p
            ) TO '{out}' (FORMAT parquet, COMPRESSION zstd)
        """)  # noqa: S608 (test data)
        con.close()
        return out.read_bytes()


@pytest.fixture(scope="module")
def enriched(sample, new_stack, backfilled):
    """The sample's hours, enriched, judged in one run, next to the same hours un-enriched (backfilled)."""
    from tests.detections.conftest import Sample

    interfaces = inventory(sample)
    parquet = {label: enriched_parquet(body, interfaces) for label, body in sample.parquet.items()}
    stack = new_stack("enriched")
    stack.write(Sample(sample.scenario, parquet), sample.labels)
    stack.detect(sample.labels, "enriched")
    return stack, interfaces


def rows(stack):
    return [typed(FINDINGS, r) for r in stack.findings()]


def without_context(found):
    keep = [name for name, _ in FINDINGS.columns if name not in CONTEXT_COLUMNS]
    return sorted(tuple(str(r.get(c)) for c in ("hour", *keep)) for r in found)


def test_the_enrichment_changes_neither_what_fires_nor_the_ids(enriched, backfilled):
    stack, _ = enriched
    assert without_context(rows(stack)) == without_context(rows(backfilled))


def test_a_finding_on_enriched_hours_names_the_instance_and_the_peers_country(enriched):
    stack, interfaces = enriched
    found = rows(stack)
    named = [r for r in found if r["instance_id"]]
    assert named, "no finding carries its instance"
    for row in found:
        inv = interfaces[row["interfaceid"]]
        if row["instance_id"] is not None:  # none: a silent interface's first hour, no flow to say
            assert (row["instance_id"], row["vpc_id"], row["subnet_id"]) == (
                inv["instance_id"], inv["vpc_id"], inv["subnet_id"]
            )  # fmt: skip
        if row["peer_address"] is not None:
            assert row["peer_address"] in (row["source"], row["destination"])
            assert (row["peer_country"], row["peer_country_name"]) == country(row["peer_address"])
            assert row["peer_as_org"] == f"AS-{row['peer_address']}"
            assert row["peer_aws_service"] is None
    with_peer = {r["detector"] for r in found if r["peer_country"]}
    assert EXTERNAL_PEER & {r["detector"] for r in found} <= with_peer
    # Exfiltration's peer is the destination it sent the most to, mining's the pool it reached.
    for row in found:
        if row["detector"] in ("exfiltration", "mining_c2_ports"):
            assert row["peer_address"] == row["destination"]


def test_its_security_hub_finding_has_the_instance_and_the_peer(enriched):
    stack, _ = enriched
    row = next(r for r in rows(stack) if r["detector"] == "brute_force" and r["instance_id"])
    finding = to_asff(row, "vpcflow", "123456789012", "eu-west-1")
    security_hub_format.check(finding)
    eni, instance = finding["Resources"]
    assert eni["Type"] == "AwsEc2NetworkInterface"
    assert instance == {
        "Type": "AwsEc2Instance",
        "Id": f"arn:aws:ec2:eu-west-1:{row['account']}:instance/{row['instance_id']}",
        "Partition": "aws",
        "Region": "eu-west-1",
        "Details": {"AwsEc2Instance": {"VpcId": row["vpc_id"], "SubnetId": row["subnet_id"]}},
    }
    fields = finding["ProductFields"]
    assert fields["vpcflow/peer_address"] == row["source"] == finding["Network"]["SourceIpV4"]
    assert (fields["vpcflow/peer_country"], fields["vpcflow/peer_as_org"]) == (
        row["peer_country"], f"AS-{row['source']}"
    )  # fmt: skip
    assert fields["vpcflow/instance_id"] == row["instance_id"]
    assert len(fields) <= 50 and all(isinstance(v, str) for v in fields.values())


def test_findings_on_hours_compacted_before_the_enrichment_are_as_before(backfilled):
    found = rows(backfilled)
    assert found and all(r[c] is None for r in found for c in CONTEXT_COLUMNS)
    finding = to_asff(found[0], "vpcflow", "123456789012", "eu-west-1")
    assert [r["Type"] for r in finding["Resources"]] == ["AwsEc2NetworkInterface"]
    assert not [k for k in finding["ProductFields"] if k.removeprefix("vpcflow/") in CONTEXT_COLUMNS]


def test_an_existing_findings_table_gains_the_columns_and_its_old_findings_read_null(backfilled, new_stack):
    from dataclasses import replace

    from vpcflow.athena import Athena
    from vpcflow.model.partitions import Partition, add_partitions_sql
    from vpcflow.provision import catalog
    from vpcflow.provision.stack import table_ddl

    from tests.detections.conftest import OPTIONS

    # GIVEN a stack whose findings table predates the context columns, with findings written then
    stack = new_stack("oldtable")
    config, clients = stack.config, stack.clients
    athena, glue = clients("athena"), clients("glue")
    old = replace(FINDINGS, columns=tuple(c for c in FINDINGS.columns if c[0] not in CONTEXT_COLUMNS))
    assert (
        catalog.ensure_table(athena, glue, old.ddl(config), config.database, config.workgroup).action
        == "updated"
    )
    found = rows(backfilled)
    hour = found[0]["hour"]
    written = [r for r in found if r["hour"] == hour]
    from vpcflow.detections.tables import write_rows

    write_rows(clients("s3"), old, config, hour, written)
    runner = Athena.for_stack(athena, config, **OPTIONS)
    runner.run(
        add_partitions_sql(
            f"{config.database}.{FINDINGS.name}", [Partition(hour, old.location(config, hour))]
        )
    )
    # WHEN the stack is provisioned again
    result = catalog.ensure_table(
        athena, glue, table_ddl(config)[FINDINGS.name], config.database, config.workgroup
    )
    # THEN the table has the columns, keeps its partition, and the old findings read NULL for them
    assert result.action == "updated"
    columns = [c["Name"] for c in glue.get_table(DatabaseName=config.database, Name=FINDINGS.name)["Table"]
               ["StorageDescriptor"]["Columns"]]  # fmt: skip
    assert set(CONTEXT_COLUMNS) <= set(columns)
    back = [typed(FINDINGS, r) for r in stack.findings()]
    assert sorted(r["finding_id"] for r in back) == sorted(r["finding_id"] for r in written)
    assert all(r[c] is None for r in back for c in CONTEXT_COLUMNS)


def test_vpcflow_findings_shows_the_instance_and_the_peers_country(enriched, backfilled):
    from vpcflow.detections import listing

    stack, _ = enriched
    row = next(r for r in rows(stack) if r["detector"] == "brute_force" and r["instance_id"])
    listed = listing.table([row])
    assert f"{row['instance_id']} / {row['vpc_id']}" in listed
    assert f"{row['peer_country']}, AS-{row['source']}" in listed
    detail = listing.details(row)
    assert f"on instance {row['instance_id']}, VPC {row['vpc_id']}, subnet {row['subnet_id']}" in detail
    assert f"remote peer {row['source']}: {row['peer_country_name']}, AS-{row['source']}" in detail
    # Un-enriched: nothing said, nothing made up.
    plain = rows(backfilled)[0]
    assert "remote peer" not in listing.details(plain) and " on instance" not in listing.details(plain)
    assert listing.asset(plain) == listing.peer_origin(plain) == ""
