"""UNLOAD (query) TO 's3://...' WITH (format = 'PARQUET', compression = ..., partitioned_by = ARRAY[...]).

docs.aws.amazon.com/athena/latest/ug/unload.html: the query's rows are written as files under the
location, which must hold no object yet; partition columns must be the query's last columns and become
``key=value/`` folders; the data manifest lists the files (PyAthena's ``unload=True`` and awswrangler's
``unload_approach`` read it). localaws writes Parquet; ORC, Avro, JSON and text are refused by name.
"""

from __future__ import annotations

import os
import re

import sqlglot

from localaws.athena.errors import QueryFailed, syntax_error
from localaws.athena.results import ResultSet
from localaws.athena.s3 import as_dir, split_uri
from localaws.athena.select import result_relation
from localaws.athena.sqltext import ident
from localaws.athena.writes import DEFAULT_COMPRESSION, Writer, codec, rows_result

_UNLOAD = re.compile(
    r"^\s*UNLOAD\s*\((?P<query>.*)\)\s*TO\s*'(?P<to>(?:[^']|'')*)'\s*(?:WITH\s*\((?P<with>.*)\))?\s*$",
    re.I | re.S,
)
_PROPERTY = re.compile(r"(\w+)\s*=\s*(ARRAY\s*\[[^\]]*\]|'(?:[^']|'')*')", re.I)


def is_unload(text: str) -> bool:
    return bool(re.match(r"\s*UNLOAD\b", text, re.I))


def unload(writer: Writer, text: str) -> ResultSet:
    m = _UNLOAD.match(text)
    if not m:
        raise syntax_error("line 1:1: expected UNLOAD (query) TO 's3://...' WITH (...)")
    location = as_dir(m.group("to").replace("''", "'"))
    try:
        split_uri(location)
    except ValueError as err:
        raise QueryFailed("INVALID_TABLE_PROPERTY", str(err)) from err
    props: dict[str, str | list[str]] = {}
    for key, value in _PROPERTY.findall(m.group("with") or ""):
        if value.upper().startswith("ARRAY"):
            props[key.lower()] = [v.lower() for v in re.findall(r"'((?:[^']|'')*)'", value)]
        else:
            props[key.lower()] = value[1:-1].replace("''", "'")
    fmt = str(props.get("format", "TEXTFILE")).upper()
    if fmt != "PARQUET":
        raise QueryFailed("NOT_SUPPORTED", f"localaws UNLOADs format='PARQUET' only, not '{fmt}'")
    compression = codec(str(props.get("compression", DEFAULT_COMPRESSION)))
    partitioned = list(props.get("partitioned_by") or [])
    if writer.s.s3.list(location):
        raise QueryFailed(
            "HIVE_PATH_ALREADY_EXISTS", f"Target directory for UNLOAD already exists: {location}"
        )
    try:
        query = sqlglot.parse_one(m.group("query"), read="athena")
    except sqlglot.errors.ParseError as err:
        raise syntax_error(f"line 1:1: {str(err).splitlines()[0]}") from err
    sql, names, _types, _trino = result_relation(writer.s, query)
    if partitioned and names[-len(partitioned) :] != partitioned:
        raise QueryFailed(
            "HIVE_COLUMN_ORDER_MISMATCH",
            f"Partition keys must be the last columns of the UNLOAD query, in order: {partitioned}",
        )
    aliases = ", ".join(f"__c{i}" for i in range(len(names)))
    renamed = ", ".join(f"__c{i} AS {ident(n)}" for i, n in enumerate(names))
    writer.s.con.execute(
        f"CREATE OR REPLACE TEMP TABLE __write AS SELECT {renamed} FROM ({sql}) AS __q({aliases})"
    )
    writer.check_partitions(partitioned)
    count = writer.s.con.execute("SELECT count(*) FROM __write").fetchall()[0][0]
    if count:
        out = writer.copy_out("SELECT * FROM __write", partitioned, compression)
        n = 0
        for root, _dirs, files in sorted(os.walk(out)):
            rel = os.path.relpath(root, out)
            prefix = location if rel == "." else location + rel.replace(os.sep, "/") + "/"
            for name in sorted(files):
                uri = f"{prefix}{writer.query_id}_{n:05d}.parquet"
                with open(os.path.join(root, name), "rb") as f:
                    writer.s.s3.put(uri, f.read())
                writer.written.append(uri)
                n += 1
    return rows_result(count, writer.written)
