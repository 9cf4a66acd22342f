"""localaws Athena's fault hook (POST/GET/DELETE /_localaws/athena/faults): refused calls, failed and
held queries, each for as many times as armed."""

from __future__ import annotations

import time

import boto3
import botocore.exceptions
import pytest
import requests
from botocore.config import Config

FAULTS = "/_localaws/athena/faults"


@pytest.fixture
def faults(localaws):
    url = localaws.endpoint + FAULTS
    yield url
    requests.delete(url, timeout=10)


def _arm(url: str, **spec) -> dict:
    answer = requests.post(url, json=spec, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_refused_call_is_answered_with_the_armed_error_as_often_as_armed(localaws, athena, faults, unique):
    # A client without botocore's retries sees each refusal.
    plain = boto3.client("athena", endpoint_url=localaws.endpoint, region_name="us-east-1",
                         config=Config(retries={"total_max_attempts": 1}))  # fmt: skip
    _arm(faults, action="StartQueryExecution", error="TooManyRequestsException", match=unique, times=2,
         message="Rate exceeded")  # fmt: skip
    sql = f"SELECT '{unique}' AS x"
    for _ in range(2):
        with pytest.raises(botocore.exceptions.ClientError) as err:
            plain.start_query_execution(
                QueryString=sql, ResultConfiguration={"OutputLocation": athena.output}
            )
        assert err.value.response["Error"] == {"Code": "TooManyRequestsException", "Message": "Rate exceeded"}
    # A call that does not match is untouched while the fault is armed.
    assert athena.run("SELECT 1 AS one").state == "SUCCEEDED"
    assert athena.run(sql).state == "SUCCEEDED"
    spent = requests.get(faults, timeout=10).json()["spent"]
    assert [(f["action"], f["fired"]) for f in spent] == [("StartQueryExecution", 2)]


def test_botocore_retries_a_throttled_start_in_standard_mode_only(localaws, athena, faults, unique):
    # Athena answers TooManyRequestsException with HTTP 400: botocore's legacy retry mode (the default)
    # retries only 429s under that name, its standard and adaptive modes retry the code itself.
    sql = f"SELECT '{unique}' AS x"
    config = {"OutputLocation": athena.output}
    legacy = boto3.client("athena", endpoint_url=localaws.endpoint, region_name="us-east-1")
    _arm(faults, action="StartQueryExecution", error="TooManyRequestsException", match=unique, times=1)
    with pytest.raises(legacy.exceptions.TooManyRequestsException):
        legacy.start_query_execution(QueryString=sql, ResultConfiguration=config)
    standard = boto3.client("athena", endpoint_url=localaws.endpoint, region_name="us-east-1",
                            config=Config(retries={"mode": "standard", "max_attempts": 3}))  # fmt: skip
    _arm(faults, action="StartQueryExecution", error="TooManyRequestsException", match=unique, times=2)
    assert standard.start_query_execution(QueryString=sql, ResultConfiguration=config)["QueryExecutionId"]


def test_a_matching_query_ends_failed_with_the_armed_reason_once(athena, faults, unique):
    _arm(faults, match=f"'{unique}'", fail="HIVE_METASTORE_ERROR: localaws fault")
    first = athena.run(f"SELECT '{unique}' AS x", ok=False)
    assert (first.state, first.reason) == ("FAILED", "HIVE_METASTORE_ERROR: localaws fault")
    assert athena.run(f"SELECT '{unique}' AS x").state == "SUCCEEDED"


def test_a_held_query_stays_running_until_the_faults_are_cleared(athena, faults, unique):
    _arm(faults, match=f"'{unique}'", hold=True)
    qid = athena.start(f"SELECT '{unique}' AS x")
    # Other queries still run while one is held.
    assert athena.run("SELECT 2 AS two").state == "SUCCEEDED"
    state = athena.client.get_query_execution(QueryExecutionId=qid)["QueryExecution"]["Status"]["State"]
    assert state == "RUNNING"
    assert requests.get(faults, timeout=10).json()["held"] == [qid]
    requests.delete(faults, timeout=10)
    assert athena.wait(qid)["Status"]["State"] == "SUCCEEDED"


def test_a_held_query_can_be_cancelled(athena, faults, unique):
    _arm(faults, match=f"'{unique}'", hold=True)
    qid = athena.start(f"SELECT '{unique}' AS x")
    while (
        athena.client.get_query_execution(QueryExecutionId=qid)["QueryExecution"]["Status"]["State"]
        == "QUEUED"
    ):
        time.sleep(0.05)
    athena.client.stop_query_execution(QueryExecutionId=qid)
    assert athena.wait(qid)["Status"]["State"] == "CANCELLED"
    assert requests.get(faults, timeout=10).json()["held"] == []


@pytest.mark.parametrize(
    "spec",
    [{"times": 1}, {"action": "StartQueryExecution"}, {"match": "x"}, {"match": "x", "fail": "r", "hold": True},
     {"match": "x", "fail": "r", "times": 0}],
)  # fmt: skip
def test_a_fault_that_says_nothing_clear_is_refused(faults, spec):
    answer = requests.post(faults, json=spec, timeout=10)
    assert answer.status_code == 400
    assert "athena faults:" in answer.json()["message"]


def test_a_late_failure_keeps_what_the_query_wrote(athena, faults, unique, bucket):
    table = f"default.late_{unique}"
    athena.run(f"CREATE EXTERNAL TABLE {table} (x int) STORED AS PARQUET LOCATION 's3://{bucket}/late/'")
    _arm(
        faults,
        match=f"INSERT INTO {table}",
        fail="Query exhausted resources at this scale factor",
        after=True,
    )
    late = athena.run(f"INSERT INTO {table} VALUES (1), (2)", ok=False)
    assert (late.state, late.reason) == ("FAILED", "Query exhausted resources at this scale factor")
    assert athena.run(f"SELECT count(*) FROM {table}").rows[1] == ["2"]
