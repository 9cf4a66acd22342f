"""localaws's Athena named queries live in localaws's own workgroups, with Athena's errors."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def athena(aws_client, unique):
    client = aws_client("athena")
    client.create_work_group(Name=f"nq-{unique}", Configuration={})
    return client, f"nq-{unique}"


def test_create_list_get_update_delete(athena):
    client, group = athena
    ids = [
        client.create_named_query(Name=f"q{i}", Database="db", QueryString=f"SELECT {i}", WorkGroup=group)[
            "NamedQueryId"
        ]
        for i in range(3)
    ]
    first = client.list_named_queries(WorkGroup=group, MaxResults=2)
    rest = client.list_named_queries(WorkGroup=group, MaxResults=2, NextToken=first["NextToken"])
    assert first["NamedQueryIds"] + rest["NamedQueryIds"] == ids and "NextToken" not in rest
    assert not set(ids) & set(client.list_named_queries()["NamedQueryIds"])  # not in the primary workgroup
    client.update_named_query(NamedQueryId=ids[0], Name="renamed", QueryString="SELECT 42", Description="d")
    got = client.get_named_query(NamedQueryId=ids[0])["NamedQuery"]
    assert (got["Name"], got["QueryString"], got["Description"], got["WorkGroup"]) == (
        "renamed",
        "SELECT 42",
        "d",
        group,
    )
    batch = client.batch_get_named_query(NamedQueryIds=[ids[1], "missing-id"])
    assert [q["Name"] for q in batch["NamedQueries"]] == ["q1"]
    assert batch["UnprocessedNamedQueryIds"][0]["NamedQueryId"] == "missing-id"
    client.delete_named_query(NamedQueryId=ids[2])
    with pytest.raises(ClientError, match="was not found"):
        client.get_named_query(NamedQueryId=ids[2])


def test_unknown_workgroup_and_bad_input_are_refused(athena):
    client, _ = athena
    with pytest.raises(ClientError, match="WorkGroup no-such-group is not found"):
        client.create_named_query(Name="q", Database="db", QueryString="SELECT 1", WorkGroup="no-such-group")
    with pytest.raises(ClientError, match="Name must be at most 128 characters"):
        client.create_named_query(Name="q" * 129, Database="db", QueryString="SELECT 1", WorkGroup="primary")
