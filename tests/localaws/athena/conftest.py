"""Fixtures for localaws Athena: boto3 clients, a query runner that waits like a waiter, and the blog's data."""

from __future__ import annotations

import gzip
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

# The blog's regex after Hive unescaping (the DDL writes each backslash twice).
BLOG_REGEX = (
    r"^([^ ]+)\s+([0-9]+)\s+([^ ]+)\s+([^ ]+)\s+([^ ]+)\s+([^ ]+)\s+([^ ]+)\s+([^ ]+)\s+([^ ]+)\s+([^ ]+)"
    r"\s+([0-9]+)\s+([0-9]+)\s+([^ ]+)\s+([^ ]+)$"
)
COLUMNS = [
    "version",
    "account",
    "interfaceid",
    "sourceaddress",
    "destinationaddress",
    "sourceport",
    "destinationport",
    "protocol",
    "packets",
    "bytes",
    "starttime",
    "endtime",
    "action",
    "logstatus",
]
INT_COLUMNS = {
    "version",
    "sourceport",
    "destinationport",
    "protocol",
    "packets",
    "bytes",
    "starttime",
    "endtime",
}
TERMINAL = ("SUCCEEDED", "FAILED", "CANCELLED")


@dataclass
class Run:
    id: str
    execution: dict[str, Any]
    rows: list[list[str | None]]  # header row included for SELECT
    columns: list[dict[str, Any]]

    @property
    def state(self) -> str:
        return self.execution["Status"]["State"]

    @property
    def reason(self) -> str:
        return self.execution["Status"].get("StateChangeReason", "")

    @property
    def scanned(self) -> int:
        return self.execution["Statistics"]["DataScannedInBytes"]


class Athena:
    def __init__(self, client: Any, output: str):
        self.client = client
        self.output = output

    def start(
        self,
        sql: str,
        database: str = "default",
        workgroup: str | None = None,
        output: str | None = "default",
    ) -> str:
        kwargs: dict[str, Any] = {"QueryString": sql, "QueryExecutionContext": {"Database": database}}
        if output is not None:
            kwargs["ResultConfiguration"] = {"OutputLocation": self.output if output == "default" else output}
        if workgroup:
            kwargs["WorkGroup"] = workgroup
        return self.client.start_query_execution(**kwargs)["QueryExecutionId"]

    def wait(self, qid: str, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            execution = self.client.get_query_execution(QueryExecutionId=qid)["QueryExecution"]
            if execution["Status"]["State"] in TERMINAL:
                return execution
            if time.monotonic() > deadline:
                raise TimeoutError(f"query {qid} still {execution['Status']['State']}")
            time.sleep(0.02)

    def run(self, sql: str, database: str = "default", ok: bool = True, **kwargs: Any) -> Run:
        qid = self.start(sql, database, **kwargs)
        execution = self.wait(qid)
        rows: list[list[str | None]] = []
        columns: list[dict[str, Any]] = []
        if execution["Status"]["State"] == "SUCCEEDED":
            for page in self.client.get_paginator("get_query_results").paginate(QueryExecutionId=qid):
                columns = page["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]
                rows += [[d.get("VarCharValue") for d in r["Data"]] for r in page["ResultSet"]["Rows"]]
        run = Run(qid, execution, rows, columns)
        if ok:
            assert run.state == "SUCCEEDED", f"{sql[:80]}: {run.state} {run.reason}"
        return run


@pytest.fixture(scope="module")
def results_bucket(aws_client: Callable[[str], Any]) -> str:
    name = f"athena-results-{random.randrange(1 << 30):08x}"
    aws_client("s3").create_bucket(Bucket=name)
    return name


@pytest.fixture(scope="module")
def athena(aws_client: Callable[[str], Any], results_bucket: str) -> Athena:
    return Athena(aws_client("athena"), f"s3://{results_bucket}/out/")


@pytest.fixture
def database(athena: Athena, unique: str) -> str:
    name = f"db_{unique}"
    athena.run(f"CREATE DATABASE {name}")
    return name


@pytest.fixture
def bucket(aws_client: Callable[[str], Any], unique: str) -> str:
    name = f"flowlogs-{unique}"
    aws_client("s3").create_bucket(Bucket=name)
    return name


# ---- the blog's data, generated deterministically ------------------------------------------------
def flow_line(r: random.Random, i: int, sources: list[str], action: str | None = None) -> str:
    action = action or ("REJECT" if r.random() < 0.35 else "ACCEPT")
    return (
        f"2 123456789012 eni-{r.randrange(1 << 24):06x} {r.choice(sources)} 172.31.0.{r.randrange(256)} "
        f"{r.randrange(1024, 65536)} {r.choice((22, 80, 443))} 6 {r.randrange(1, 20)} {r.randrange(40, 9000)} "
        f"{1484377200 + i} {1484377260 + i} {action} OK"
    )


def clean_lines(seed: int, n: int) -> list[str]:
    """Flow log lines with NODATA/SKIPDATA records and malformed lines that a ' '-split can hold."""
    r = random.Random(seed)
    sources = [f"10.0.{k // 8}.{k % 8 + seed}" for k in range(40)]
    out = []
    for i in range(n):
        kind = i % 50
        if kind == 7:
            out.append(f"2 123456789012 eni-{i:06x} - - - - - - - 1484377200 1484377260 - NODATA")
        elif kind == 13:
            out.append(f"2 123456789012 eni-{i:06x} - - - - - - - 1484377200 1484377260 - SKIPDATA")
        elif kind == 21:
            out.append("this line is garbage")
        elif kind == 29:
            out.append(" ".join(flow_line(r, i, sources).split()[:9]))  # truncated record
        elif kind == 33:
            out.append(flow_line(r, i, sources).replace("123456789012", "12345678901x"))  # account not [0-9]+
        elif kind == 41:
            parts = flow_line(r, i, sources, "REJECT").split()
            parts[5], parts[9] = "http", "99999999999"  # not an INT; INT overflow
            out.append(" ".join(parts))
        else:
            out.append(flow_line(r, i, sources))
    return out


def odd_whitespace_lines(seed: int) -> list[str]:
    """Lines only the exact regex path reads right: tabs, doubled and trailing spaces, empty lines."""
    r = random.Random(seed)
    sources = ["10.9.9.1", "10.9.9.2"]
    base = [flow_line(r, i, sources, "REJECT") for i in range(8)]
    return [
        base[0].replace(" ", "\t", 1),  # tab after version: \s+ matches it
        base[1].replace(" ", "  ", 3),  # doubled spaces: \s+ matches them
        base[2] + " ",  # trailing space: ([^ ]+)$ fails -> NULL row
        "",  # empty line -> NULL row
        " " + base[3],  # leading space: ^([^ ]+) fails -> NULL row
        base[4].replace("eni-", "eni-\t"),  # tab inside a [^ ]+ token: kept in the value
        base[5],
        base[6],
    ]


def regex_serde_rows(lines: list[str]) -> list[tuple[Any, ...]]:
    """The reference: Hive RegexSerDe over the lines, as Python values (None for NULL)."""
    rows = []
    for line in lines:
        m = re.fullmatch(BLOG_REGEX, line)
        if not m:
            rows.append((None,) * len(COLUMNS))
            continue
        row = []
        for name, value in zip(COLUMNS, m.groups(), strict=True):
            if name in INT_COLUMNS:
                ok = re.fullmatch(r"[+-]?\d+", value) and -(2**31) <= int(value) < 2**31
                row.append(int(value) if ok else None)
            else:
                row.append(value)
        rows.append(tuple(row))
    return rows


def gz(lines: list[str]) -> bytes:
    return gzip.compress(("\n".join(lines) + "\n").encode())


def as_athena(row: tuple[Any, ...]) -> tuple[str | None, ...]:
    return tuple(None if v is None else str(v) for v in row)
