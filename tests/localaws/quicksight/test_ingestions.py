"""Ingestions without query results: the per-dataset queue, cancel, duplicate ids, and failures before Athena."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from botocore.exceptions import ClientError
from localaws.quicksight.runner import MAX_CONCURRENT
from localaws.server import LocalAWS

from tests.localaws.quicksight.conftest import ACCOUNT, custom_sql, wait_ingestion
from tests.localaws.quicksight.test_data_sources import error_of


@contextmanager
def ingestion_slots_taken(localaws: LocalAWS) -> Iterator[None]:
    """Hold every ingestion slot, so ingestions wait before RUNNING and the queue can be looked at."""
    slots = localaws.services["quicksight"].runner.slots
    for _ in range(MAX_CONCURRENT):
        slots.acquire()
    try:
        yield
    finally:
        for _ in range(MAX_CONCURRENT):
            slots.release()


@pytest.fixture
def direct_query_set(qs: Any, data_source: dict, unique: str) -> str:
    """A DIRECT_QUERY dataset: it starts no ingestion of its own, and every ingestion of it fails."""
    qs.create_data_set(
        AwsAccountId=ACCOUNT,
        DataSetId=f"dq-{unique}",
        Name="dq",
        ImportMode="DIRECT_QUERY",
        PhysicalTableMap=custom_sql(data_source["Arn"], "SELECT 1 AS one", [("one", "INTEGER")]),
    )
    return f"dq-{unique}"


def status(qs: Any, set_id: str, ingestion_id: str) -> dict[str, Any]:
    return qs.describe_ingestion(AwsAccountId=ACCOUNT, DataSetId=set_id, IngestionId=ingestion_id)[
        "Ingestion"
    ]


def test_one_ingestion_runs_per_data_set_and_later_ones_queue(
    qs: Any, localaws: LocalAWS, direct_query_set: str
) -> None:
    set_id = direct_query_set
    with ingestion_slots_taken(localaws):
        # WHEN three ingestions start on one dataset
        answers = [
            qs.create_ingestion(
                AwsAccountId=ACCOUNT, DataSetId=set_id, IngestionId=f"i{n}", IngestionType=kind
            )
            for n, kind in ((1, "FULL_REFRESH"), (2, "INCREMENTAL_REFRESH"), (3, "FULL_REFRESH"))
        ]
        assert [a["IngestionStatus"] for a in answers] == ["INITIALIZED"] * 3
        assert answers[0]["Status"] == 201
        assert answers[0]["Arn"] == f"arn:aws:quicksight:us-east-1:{ACCOUNT}:dataset/{set_id}/ingestion/i1"
        # THEN the later ones wait for the first (QueueInfo as the API reference names its fields)
        assert status(qs, set_id, "i2")["IngestionStatus"] == "QUEUED"
        assert status(qs, set_id, "i2")["QueueInfo"] == {"QueuedIngestion": "i1", "WaitingOnIngestion": "i2"}
        assert status(qs, set_id, "i3")["QueueInfo"] == {"QueuedIngestion": "i1", "WaitingOnIngestion": "i3"}
        assert status(qs, set_id, "i2")["RequestType"] == "INCREMENTAL_REFRESH"

        # WHEN the queued i2 and the waiting i1 are cancelled
        cancelled = qs.cancel_ingestion(AwsAccountId=ACCOUNT, DataSetId=set_id, IngestionId="i2")
        assert cancelled["IngestionId"] == "i2"
        qs.cancel_ingestion(AwsAccountId=ACCOUNT, DataSetId=set_id, IngestionId="i1")
        for ingestion_id in ("i1", "i2"):
            ended = wait_ingestion(qs, set_id, ingestion_id)
            assert ended["IngestionStatus"] == "CANCELLED"
            assert ended["ErrorInfo"]["Type"] == "INGESTION_CANCELED"
    # THEN i3 runs next (and fails: a DIRECT_QUERY dataset has no SPICE to fill)
    third = wait_ingestion(qs, set_id, "i3")
    assert third["IngestionStatus"] == "FAILED"
    assert third["ErrorInfo"]["Type"] == "DATA_SET_NOT_SPICE"
    assert "QueueInfo" not in third

    listed = qs.list_ingestions(AwsAccountId=ACCOUNT, DataSetId=set_id)["Ingestions"]
    assert [i["IngestionId"] for i in listed] == ["i3", "i2", "i1"]

    # A finished ingestion cannot be cancelled, and its id stays taken.
    with pytest.raises(ClientError) as info:
        qs.cancel_ingestion(AwsAccountId=ACCOUNT, DataSetId=set_id, IngestionId="i3")
    assert error_of(info) == ("InvalidParameterValueException", 400)
    with pytest.raises(ClientError) as info:
        qs.create_ingestion(AwsAccountId=ACCOUNT, DataSetId=set_id, IngestionId="i1")
    assert error_of(info) == ("ResourceExistsException", 409)


def test_ingestion_of_an_unknown_data_set_or_id(qs: Any, direct_query_set: str) -> None:
    with pytest.raises(ClientError) as info:  # moto answers INITIALIZED here; QuickSight does not
        qs.create_ingestion(AwsAccountId=ACCOUNT, DataSetId="no-such-set", IngestionId="x")
    assert error_of(info) == ("ResourceNotFoundException", 404)
    for call in (
        lambda: qs.describe_ingestion(AwsAccountId=ACCOUNT, DataSetId=direct_query_set, IngestionId="nope"),
        lambda: qs.cancel_ingestion(AwsAccountId=ACCOUNT, DataSetId=direct_query_set, IngestionId="nope"),
    ):
        with pytest.raises(ClientError) as info:
            call()
        assert error_of(info) == ("ResourceNotFoundException", 404)
    with pytest.raises(ClientError) as info:
        qs.create_ingestion(AwsAccountId=ACCOUNT, DataSetId=direct_query_set, IngestionId="not valid!")
    assert error_of(info) == ("InvalidParameterValueException", 400)
    assert "IngestionId" in info.value.response["Error"]["Message"]


def test_ingestion_fails_when_its_data_source_is_gone(
    qs: Any, data_source: dict, unique: str, localaws: LocalAWS
) -> None:
    set_id = f"orphan-{unique}"
    with ingestion_slots_taken(localaws):
        created = qs.create_data_set(
            AwsAccountId=ACCOUNT,
            DataSetId=set_id,
            Name="orphan",
            ImportMode="SPICE",
            PhysicalTableMap=custom_sql(data_source["Arn"], "SELECT 1 AS one", [("one", "INTEGER")]),
        )
        qs.delete_data_source(AwsAccountId=ACCOUNT, DataSourceId=data_source["DataSourceId"])
    ended = wait_ingestion(qs, set_id, created["IngestionId"])
    assert ended["IngestionStatus"] == "FAILED"
    assert ended["ErrorInfo"]["Type"] == "DATA_SOURCE_NOT_FOUND"
    assert data_source["Arn"] in ended["ErrorInfo"]["Message"]
    assert localaws.services["quicksight"].spice_extract_path(set_id) is None


def test_ingestion_of_a_logical_table_localaws_cannot_compute_fails_clearly(
    qs: Any, data_source: dict, unique: str
) -> None:
    set_id = f"calc-{unique}"
    created = qs.create_data_set(
        AwsAccountId=ACCOUNT,
        DataSetId=set_id,
        Name="calc",
        ImportMode="SPICE",
        PhysicalTableMap=custom_sql(data_source["Arn"], "SELECT 1 AS one", [("one", "INTEGER")]),
        LogicalTableMap={
            "l1": {
                "Alias": "calc",
                "Source": {"PhysicalTableId": "t1"},
                "DataTransforms": [
                    {
                        "CreateColumnsOperation": {
                            "Columns": [{"ColumnName": "two", "ColumnId": "two", "Expression": "one + 1"}]
                        }
                    }
                ],
            }
        },
    )
    ended = wait_ingestion(qs, set_id, created["IngestionId"])
    assert ended["IngestionStatus"] == "FAILED"
    assert ended["ErrorInfo"]["Type"] == "CUSTOMER_ERROR"
    assert "CreateColumnsOperation" in ended["ErrorInfo"]["Message"]


def test_daily_refresh_limit_when_configured(qs: Any, localaws: LocalAWS, direct_query_set: str) -> None:
    service = localaws.services["quicksight"]
    service.daily_refresh_limit = 2  # as LOCALAWS_QUICKSIGHT_DAILY_REFRESHES=2 would set it
    try:
        for n in (1, 2):
            qs.create_ingestion(AwsAccountId=ACCOUNT, DataSetId=direct_query_set, IngestionId=f"r{n}")
        with pytest.raises(ClientError) as info:
            qs.create_ingestion(AwsAccountId=ACCOUNT, DataSetId=direct_query_set, IngestionId="r3")
    finally:
        service.daily_refresh_limit = None
    assert error_of(info) == ("LimitExceededException", 409)
    assert "limit is 2" in info.value.response["Error"]["Message"]


def test_deleting_a_data_set_fails_its_unfinished_ingestions(
    qs: Any, localaws: LocalAWS, data_source: dict, unique: str
) -> None:
    set_id = f"gone-{unique}"
    service = localaws.services["quicksight"]
    with ingestion_slots_taken(localaws):
        created = qs.create_data_set(
            AwsAccountId=ACCOUNT,
            DataSetId=set_id,
            Name="gone",
            ImportMode="SPICE",
            PhysicalTableMap=custom_sql(data_source["Arn"], "SELECT 1 AS one", [("one", "INTEGER")]),
        )
        qs.create_ingestion(AwsAccountId=ACCOUNT, DataSetId=set_id, IngestionId="queued")
        qs.delete_data_set(AwsAccountId=ACCOUNT, DataSetId=set_id)
    # The API no longer shows a deleted dataset's ingestions; the service's record does.
    region = service.regions[(ACCOUNT, "us-east-1")]
    for ingestion_id in (created["IngestionId"], "queued"):
        record = region.ingestions[(set_id, ingestion_id)].record
        assert record["IngestionStatus"] == "FAILED"
        assert record["ErrorInfo"]["Type"] == "DATA_SET_DELETED"
    assert service.spice_extract_path(set_id) is None
