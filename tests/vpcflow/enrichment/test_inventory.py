"""The inventory's versions: each hour joins the interfaces of its time; reruns and old hours change nothing
they should not; describe answers become rows (what is behind each interface)."""

from __future__ import annotations

from vpcflow.enrichment.inventory import INTERFACE_KEY, advance, cidr_rows, interface_row, requester

A = {"interface_id": "eni-a", "subnet_id": "subnet-1", "instance_id": "i-1"}
B = {"interface_id": "eni-b", "subnet_id": "subnet-1", "instance_id": None}


def valid_at(versions, hour):
    return {
        v["interface_id"]: v["instance_id"]
        for v in versions
        if (v["valid_from"] is None or v["valid_from"] <= hour)
        and (v["valid_to"] is None or hour < v["valid_to"])
    }


def test_each_hour_joins_the_inventory_of_its_time():
    v = advance([], "2026-11-26-00", [A, B], INTERFACE_KEY)
    v = advance(v, "2026-11-26-01", [A, B], INTERFACE_KEY)
    v = advance(v, "2026-11-26-02", [{**A, "instance_id": "i-2"}], INTERFACE_KEY)  # A moved, B deleted
    assert valid_at(v, "2026-11-25-20") == {"eni-a": "i-1", "eni-b": None}  # before any: the first known
    assert valid_at(v, "2026-11-26-01") == {"eni-a": "i-1", "eni-b": None}
    assert valid_at(v, "2026-11-26-02") == {"eni-a": "i-2"}
    assert len(v) == 3


def test_a_rerun_of_the_latest_hour_replaces_what_it_recorded():
    base = advance([], "2026-11-26-00", [A, B], INTERFACE_KEY)
    once = advance(base, "2026-11-26-01", [{**A, "instance_id": "i-2"}], INTERFACE_KEY)
    assert advance(once, "2026-11-26-01", [{**A, "instance_id": "i-2"}], INTERFACE_KEY) == once
    # The inventory changed between the two tries of the hour: the second one's answer stands.
    again = advance(once, "2026-11-26-01", [A, B], INTERFACE_KEY)
    assert valid_at(again, "2026-11-26-01") == {"eni-a": "i-1", "eni-b": None} and len(again) == 2


def test_an_older_hour_is_not_of_its_time_and_changes_nothing():
    v = advance([], "2026-11-26-05", [A], INTERFACE_KEY)
    assert advance(v, "2026-11-26-03", [B], INTERFACE_KEY) == v


def test_describe_answers_become_rows():
    eni = {
        "NetworkInterfaceId": "eni-1", "OwnerId": "111122223333", "VpcId": "vpc-1", "SubnetId": "subnet-1",
        "AvailabilityZone": "eu-west-1a", "InterfaceType": "interface", "RequesterManaged": True,
        "Description": "ELB app/web/50dc6c495c0c9188", "Groups": [{"GroupId": "sg-2"}, {"GroupId": "sg-1"}],
        "PrivateIpAddresses": [{"PrivateIpAddress": "10.0.0.5"}], "Ipv6Addresses": [{"Ipv6Address": "2001:db8::5"}],
    }  # fmt: skip
    row = interface_row(eni, "eu-west-1")
    assert row["requester"] == "elb" and row["security_groups"] == "sg-1,sg-2"
    assert row["private_addresses"] == "10.0.0.5,2001:db8::5" and row["instance_id"] is None
    assert requester({"InterfaceType": "nat_gateway"}) == "nat_gateway"
    assert requester({"Attachment": {"InstanceId": "i-1"}}) == "instance"
    vpc = {
        "VpcId": "vpc-1", "OwnerId": "1", "CidrBlockAssociationSet": [
            {"CidrBlock": "10.0.0.0/16", "CidrBlockState": {"State": "associated"}},
            {"CidrBlock": "10.9.0.0/16", "CidrBlockState": {"State": "disassociated"}}],
        "Ipv6CidrBlockAssociationSet": [{"Ipv6CidrBlock": "2600:1f18::/56", "Ipv6CidrBlockState": {"State": "associated"}}],
    }  # fmt: skip
    assert [r["cidr"] for r in cidr_rows(vpc, "eu-west-1")] == ["10.0.0.0/16", "2600:1f18::/56"]
