"""SerDe readers: the S3 objects of chosen partitions exposed to DuckDB with the table's columns and types.

DuckDB here has no httpfs, so objects are copied from moto's backend into a per-query temp directory
(gzip is detected by its magic bytes, never by suffix, and decompressed in a small thread pool with
libdeflate where the system has it, else zlib: inflate.py; both release the GIL). Text is then read by
DuckDB's parallel CSV scanner:

* RegexSerDe over a "space layout" regex (the blog's) uses ``read_csv(delim=' ')``, which is only
  equivalent to the regex on lines of single-space separated, non-empty tokens without other
  whitespace. Each file is checked for that at byte level (``bytes.find`` speed); a file that passes
  is read fast, with per-row checks for the ``[0-9]+`` tokens, and its lines with the wrong number of
  tokens become the all-NULL rows Athena gives for non-matching lines. Any other file, and any other
  regex, goes through the exact path: one VARCHAR per line, ``regexp_full_match`` + ``regexp_extract``.
* LazySimpleSerDe (ROW FORMAT DELIMITED): split each line on the field delimiter.
* Parquet (parquet_reading.py): ``read_parquet`` over the footer and the referenced columns' chunks,
  columns matched by name case-insensitively, missing ones NULL.
"""

from __future__ import annotations

import bz2
import itertools
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:  # byte checks as vector operations, which release the GIL (numpy where installed; not a dependency)
    import numpy as _np
except ImportError:  # pragma: no cover - the bytes methods below give the same answers, under the GIL
    _np = None

from localaws.athena import hive_paths, inflate, text_facts
from localaws.athena import regex as rx
from localaws.athena.catalog import LAZY_SIMPLE_SERDE, REGEX_SERDE, TEXT_INPUT, Partition, Table
from localaws.athena.errors import QueryFailed
from localaws.athena.parquet_reading import ParquetReading
from localaws.athena.s3 import S3, S3Object
from localaws.athena.sqltext import ident, literal, literal_list
from localaws.athena.types import hive_to_duckdb

# Bytes whose presence means the ' '-delimited reader may disagree with the regex (or with Hadoop's
# line splitting, for \r): such files take the exact regex path.
_UNSAFE_BYTES = (b"\t", b"\x0b", b"\x0c", b"\r", b"\x00")
_READ_THREADS = 2
_LINE_DELIM = "\x1e\x1f\x1d\x1c"
HIVE_DEFAULT_PARTITION = "__HIVE_DEFAULT_PARTITION__"


@dataclass
class LocalFile:
    path: str
    fast: bool  # safe for the ' '-delimited reader
    gzip: bool = False  # still compressed: DuckDB inflates it while scanning
    key: text_facts.Key | None = None
    uri: str = ""
    typed_ok: bool = False  # lines of the right length have fitting typed tokens (text_facts)
    new: bool = False  # first read: its facts are learned after the query


@dataclass
class PartitionFiles:
    values: list[str]
    files: list[LocalFile] = field(default_factory=list)


@dataclass
class Scan:
    """What a table contributes to one query: its DuckDB SQL and the bytes it read from S3."""

    sql: str
    bytes_scanned: int
    objects: int


def _decompress(data: bytes) -> bytes | bytearray:
    if data[:2] == b"\x1f\x8b":
        return inflate.gunzip(data)
    if data[:3] == b"BZh":
        try:
            return bz2.decompress(data)
        except OSError:
            return data
    return data


def _strip_header(data: bytes, lines: int) -> bytes:
    pos = 0
    for _ in range(lines):
        nl = data.find(b"\n", pos)
        if nl < 0:
            return b""
        pos = nl + 1
    return data[pos:]


def _fast_safe(data: bytes) -> bool:
    if not data:
        return True
    end = len(data)
    while end and data[end - 1] == 0x0A:
        end -= 1
    if not data.isascii() or data[:1] in (b" ", b"\n") or data[end - 1 : end] == b" ":
        return False
    if any(token in data for token in _UNSAFE_BYTES):
        return False
    return not _adjacent_whitespace(data)


def _adjacent_whitespace(data: bytes) -> bool:
    """Whether "  ", "\n ", " \n" or "\n\n" occurs (doubled spaces, space-edged or empty lines): two
    whitespace bytes in a row."""
    if _np is None or len(data) < 4096:
        # one two-byte search with newlines read as spaces (four searches took 2.5x as long)
        return b"  " in data.replace(b"\n", b" ")
    # A first query over new objects spends its Python time here: as numpy vector operations it takes
    # ~40% of the CPU of the search above (~2.5 ms per 5 MB object, not 5.5) and releases the GIL, so
    # the reader threads check one object while they inflate the next.
    a = _np.frombuffer(data, _np.uint8)
    ws = a == 0x20
    ws |= a == 0x0A
    return bool(_np.any(ws[1:] & ws[:-1]))


def _hadoop_lines(data: bytes) -> bytes:
    """Hadoop's LineRecordReader ends lines at \\n, \\r\\n or a lone \\r."""
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return data


class TableReader(ParquetReading):
    """Builds the DuckDB relation of one table over a set of partitions."""

    def __init__(self, s3: S3, tmpdir: Path, con: Any):
        self.s3 = s3
        self.tmpdir = tmpdir
        self.con = con
        self._names = itertools.count(1)
        self.with_path = False
        self.hive = False  # local copies in key=value folders, one scan for every partition (hive_paths.py)

    def _by_file(self, files: list, pcols: list[str], uri_of) -> list[tuple[list, list[str]]]:
        """[(files, extra columns)]: one group, or one group per file carrying its "$path"."""
        if not self.with_path:
            return [(files, pcols)] if files else []
        return [([f], pcols + [f'{literal(uri_of(f))} AS "$path"']) for f in files]

    # ---- listing --------------------------------------------------------------------------------
    def plan(
        self, table: Table, partitions: list[Partition] | None
    ) -> list[tuple[list[str], list[S3Object]]]:
        """[(partition values, objects)], objects listed now so the cutoff can be checked before reading."""
        groups = (
            [([], table.location)] if partitions is None else [(p.values, p.location) for p in partitions]
        )
        planned = []
        for values, location in groups:
            objs = self.s3.list(location) if location else []
            planned.append((values, objs))
        return planned

    # ---- reading --------------------------------------------------------------------------------
    def scan(
        self, table: Table, planned: list[tuple[list[str], list[S3Object]]], needed: set[str] | None = None
    ) -> Scan:
        nbytes = sum(o.size for _, objs in planned for o in objs)
        nobjs = sum(len(objs) for _, objs in planned)
        # Athena's "$path" pseudo-column: only when the query names it, each object is then its own scan.
        self.with_path = needed is not None and "$path" in needed
        self.hive = hive_paths.usable(table, [values for values, _ in planned], self.with_path)
        self._scan_dir = self.tmpdir / f"t{next(self._names)}"  # this table's key=value folders
        table_type = table.parameters.get("table_type", table.parameters.get("TABLE_TYPE", "")).upper()
        if table_type in ("ICEBERG", "HUDI", "DELTA"):
            # their data files alone are not the table (deletes, snapshots): reading them would be wrong
            raise QueryFailed(
                "NOT_SUPPORTED", f"localaws cannot read {table_type} table {table.database}.{table.name}"
            )
        if table.is_parquet:
            sql, nbytes = self._parquet(table, planned, needed)
        elif table.input_format != TEXT_INPUT:
            raise QueryFailed(
                "NOT_SUPPORTED",
                f"localaws cannot read table {table.database}.{table.name}: input format {table.input_format} "
                "(it reads text and Parquet)",
            )
        elif table.serde == REGEX_SERDE:
            sql = self._regex(table, planned)
        elif table.serde == LAZY_SIMPLE_SERDE:
            sql = self._delimited(table, planned)
        else:
            # OpenCSVSerde, JSON SerDes, Grok, ...: read as LazySimpleSerDe they would give wrong rows
            raise QueryFailed(
                "NOT_SUPPORTED",
                f"localaws cannot read table {table.database}.{table.name}: SerDe {table.serde} "
                "(it reads RegexSerDe, LazySimpleSerDe and Parquet)",
            )
        return Scan(sql=sql, bytes_scanned=nbytes, objects=nobjs)

    def _tmp(self, suffix: str, table: Table | None = None, values: list[str] | None = None) -> str:
        n = next(self._names)  # reader threads name files concurrently: ``+= 1`` could hand out one twice
        if self.hive and table is not None and values:
            folder = self._scan_dir / hive_paths.folder(table, values)
            folder.mkdir(parents=True, exist_ok=True)
            return str(folder / f"f{n:06d}{suffix}")
        return str(self.tmpdir / f"f{n:06d}{suffix}")

    def _fetch_text(self, table: Table, planned, check_fast: bool) -> list[PartitionFiles]:
        skip = int(table.parameters.get("skip.header.line.count", "0") or 0)
        jobs = [(i, obj) for i, (_, objs) in enumerate(planned) for obj in objs]
        paths = [self._tmp(".txt", table, planned[i][0]) for i, _ in jobs]

        def one(job_path: tuple[tuple[int, S3Object], str]) -> tuple[int, LocalFile]:
            (i, obj), path = job_path
            data = _decompress(self.s3.read(obj))
            if skip:
                data = _strip_header(data, skip)
            fast = check_fast and _fast_safe(data)
            if not fast:
                data = _hadoop_lines(data)
            with open(path, "wb") as f:
                f.write(data)
                if data and not data.endswith(b"\n"):
                    f.write(b"\n")
            return i, LocalFile(path, fast, uri=obj.uri)

        out = [PartitionFiles(list(values)) for values, _ in planned]
        if jobs:
            with ThreadPoolExecutor(_READ_THREADS) as pool:
                for i, local in pool.map(one, zip(jobs, paths, strict=True)):
                    out[i].files.append(local)
        return out

    def _fetch_layout(self, table: Table, planned, layout: list[str]) -> list[PartitionFiles]:
        """Like _fetch_text, for the fast layout: known-safe gzip objects are passed on still compressed."""
        skip = int(table.parameters.get("skip.header.line.count", "0") or 0)
        jobs = [(i, obj) for i, (_, objs) in enumerate(planned) for obj in objs]

        def one(job: tuple[int, S3Object]) -> tuple[int, LocalFile]:
            i, obj = job
            key = (obj.bucket, obj.key, obj.etag, skip, ",".join(layout))
            raw = self.s3.read(obj)
            facts = text_facts.get(key)
            if facts is not None and facts.safe and not skip and raw[:3] != b"BZh":
                gz = raw[:2] == b"\x1f\x8b"
                path = self._tmp(".gz" if gz else ".txt", table, planned[i][0])
                with open(path, "wb") as f:
                    f.write(raw)
                    if not gz and raw and not raw.endswith(b"\n"):
                        f.write(b"\n")
                return i, LocalFile(path, True, gz, key, obj.uri, bool(facts.typed_ok))
            data = _decompress(raw)
            del raw
            if skip:
                data = _strip_header(data, skip)
            safe = _fast_safe(data)
            if not safe:
                data = _hadoop_lines(data)
            path = self._tmp(".txt", table, planned[i][0])
            with open(path, "wb") as f:
                f.write(data)
                if data and not data.endswith(b"\n"):
                    f.write(b"\n")
            text_facts.put(key, text_facts.Facts(safe))
            return i, LocalFile(path, safe, False, key, obj.uri, False, safe)

        out = [PartitionFiles(list(values)) for values, _ in planned]
        if jobs:
            with ThreadPoolExecutor(_READ_THREADS) as pool:
                for i, local in pool.map(one, jobs):
                    out[i].files.append(local)
        return out

    # ---- partition columns ----------------------------------------------------------------------
    @staticmethod
    def _partition_cols(table: Table, values: list[str]) -> list[str]:
        cols = []
        for key, value in zip(table.partition_keys, values, strict=False):
            duck = hive_to_duckdb(key.type)
            if value == HIVE_DEFAULT_PARTITION:
                cols.append(f"CAST(NULL AS {duck}) AS {ident(key.name)}")
            else:
                cols.append(f"TRY_CAST({literal(value)} AS {duck}) AS {ident(key.name)}")
        return cols

    def _empty(self, table: Table) -> str:
        cols = [f"CAST(NULL AS {hive_to_duckdb(c.type)}) AS {ident(c.name)}" for c in table.columns]
        cols += [f"CAST(NULL AS {hive_to_duckdb(c.type)}) AS {ident(c.name)}" for c in table.partition_keys]
        if self.with_path:
            cols.append('CAST(NULL AS VARCHAR) AS "$path"')
        return "SELECT " + ", ".join(cols) + " WHERE false"

    @staticmethod
    def _convert(expr: str, hive_type: str) -> str:
        duck = hive_to_duckdb(hive_type)
        return expr if duck == "VARCHAR" else f"TRY_CAST({expr} AS {duck})"

    @staticmethod
    def _lines_reader(paths: list[str]) -> str:
        # One VARCHAR per line: a 4-byte delimiter of control characters that text never holds, no quoting.
        return (
            f"read_csv({literal_list(paths)}, columns={{'line': 'VARCHAR'}}, delim={literal(_LINE_DELIM)}, "
            "quote='', escape='', header=false, auto_detect=false, new_line='\\n', hive_partitioning=false)"
        )

    # ---- RegexSerDe -----------------------------------------------------------------------------
    def _regex(self, table: Table, planned) -> str:
        pattern = table.serde_params.get("input.regex")
        if not pattern:
            raise QueryFailed(
                "HIVE_INVALID_METADATA",
                f"Table {table.database}.{table.name}: RegexSerDe needs SERDEPROPERTIES ('input.regex'=...)",
            )
        ncols = len(table.columns)
        groups = rx.group_count(pattern)
        if groups != ncols:
            raise QueryFailed(
                "HIVE_CURSOR_ERROR",
                f"Number of matching groups doesn't match the number of "
                f"columns: regex has {groups} groups, table {table.name} has {ncols} columns",
            )
        layout = rx.space_layout(pattern)
        if layout is not None:
            parts = self._fetch_layout(table, planned, layout)
            new = [(f.path, f.key) for p in parts for f in p.files if f.new and f.key is not None]
            text_facts.learn_later(lambda paths: self._bad_lines_sql(layout, paths), new, self.tmpdir.parent)
        else:
            parts = self._fetch_text(table, planned, check_fast=False)
        selects = []
        if self.hive and layout is not None:
            every = [f for part in parts for f in part.files if f.fast]
            if every:
                option = hive_paths.reader_option(table, True)
                selects.extend(self._regex_fast(table, layout, every, hive_paths.columns(table), option))
        for part in parts:
            pcols = self._partition_cols(table, part.values)
            fast = [] if self.hive else [f for f in part.files if f.fast]
            slow = [f for f in part.files if not f.fast]
            for group, extra in self._by_file(fast, pcols, lambda f: f.uri):
                selects.extend(self._regex_fast(table, layout, group, extra))
            for group, extra in self._by_file(slow, pcols, lambda f: f.uri):
                selects.append(self._regex_exact(table, pattern, group, extra))
        return " UNION ALL ".join(selects) if selects else self._empty(table)

    @staticmethod
    def _layout_reader(
        layout: list[str], paths: list[str], gz: bool, extra: str = ", hive_partitioning=false"
    ) -> str:
        # One column more than the layout: shorter lines are padded with NULL, longer ones cut after it.
        columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(layout) + 1)) + "}"
        return (
            f"read_csv({literal_list(paths)}, delim=' ', quote='', escape='', header=false, "
            f"auto_detect=false, new_line='\\n', columns={columns}, null_padding=true, strict_mode=false, "
            f"compression='{'gzip' if gz else 'none'}'{extra})"
        )

    @staticmethod
    def _digits_ok(layout: list[str]) -> str:
        checks = [
            f"regexp_full_match(c{i}, '{rx.CHECKED[k]}')" for i, k in enumerate(layout) if k in rx.CHECKED
        ]
        return " AND ".join(checks) if checks else "true"

    def _regex_fast(
        self,
        table: Table,
        layout: list[str],
        files: list[LocalFile],
        pcols: list[str],
        option: str = ", hive_partitioning=false",
    ) -> list[str]:
        # Safe files hold single-space separated non-empty tokens and no other whitespace, so a line
        # matches the regex iff it has exactly len(layout) tokens and its typed tokens ([0-9]+,
        # -|[0-9]+) fit. The reader gives every line exactly one row (_layout_reader), so the lines that
        # do not match are the all-NULL rows RegexSerDe gives, with nothing counted beforehand: a first
        # query over new objects reads them once, as later queries do.
        checked = [
            f"CASE WHEN __ok THEN {self._convert(f'c{i}', c.type)} END AS {ident(c.name)}"
            for i, c in enumerate(table.columns)
        ]
        selects = []
        for gz in (True, False):
            for typed_ok in (True, False):
                group = [f.path for f in files if f.gzip == gz and f.typed_ok == typed_ok]
                if not group:
                    continue
                # the token count is checked on every row (free); the typed tokens' regexes (~40% of a
                # scan) only where the object is not known to need none
                ok = self._length_ok(layout) if typed_ok else self._line_ok(layout)
                reader = self._layout_reader(layout, group, gz, option)
                selects.append(
                    f"SELECT {', '.join(checked + pcols)} FROM (SELECT *, {ok} AS __ok FROM {reader})"
                )
        return selects

    @staticmethod
    def _length_ok(layout: list[str]) -> str:
        return f"c{len(layout)} IS NULL AND c{len(layout) - 1} IS NOT NULL"

    def _line_ok(self, layout: list[str]) -> str:
        return f"{self._length_ok(layout)} AND {self._digits_ok(layout)}"

    def _bad_lines_sql(self, layout: list[str], paths: list[str]) -> str:
        reader = self._layout_reader(layout, paths, False, ", filename=true, hive_partitioning=false")
        bad = f"{self._length_ok(layout)} AND NOT ({self._digits_ok(layout)})"
        return f"SELECT filename, count(*) FILTER (WHERE {bad}) FROM {reader} GROUP BY 1"

    def _regex_exact(self, table: Table, pattern: str, files: list[LocalFile], pcols: list[str]) -> str:
        re2 = java_re2_literal(pattern)
        names = [f"c{i}" for i in range(len(table.columns))]
        name_list = "[" + ", ".join(f"'{n}'" for n in names) + "]"
        extract = (
            f"CASE WHEN regexp_full_match(__line, {re2}) THEN "
            f"regexp_extract(__line, {java_re2_literal('^(?:' + pattern + ')$')}, {name_list}) END"
        )
        cols = [
            f"{self._convert(f'__m.{n}', c.type)} AS {ident(c.name)}"
            for n, c in zip(names, table.columns, strict=True)
        ]
        inner = f"SELECT {extract} AS __m FROM (SELECT coalesce(line, '') AS __line FROM {self._lines_reader([f.path for f in files])})"
        return f"SELECT {', '.join(cols + pcols)} FROM ({inner})"

    # ---- LazySimpleSerDe ------------------------------------------------------------------------
    def _delimited(self, table: Table, planned) -> str:
        params = table.serde_params
        delim = params.get("field.delim") or params.get("serialization.format") or "\x01"
        if delim.isdigit() and len(delim) > 0 and params.get("field.delim") is None:
            delim = chr(int(delim))  # serialization.format '1' means \x01, Hive's default
        null_format = params.get("serialization.null.format", "\\N")
        parts = self._fetch_text(table, planned, check_fast=False)
        selects = []
        for part in parts:
            if not part.files:
                continue
            pcols = self._partition_cols(table, part.values)
            cols = []
            for i, c in enumerate(table.columns, start=1):
                raw = f"__f[{i}]"
                cols.append(
                    f"{self._convert(f'CASE WHEN {raw} = {literal(null_format)} THEN NULL ELSE {raw} END', c.type)} "
                    f"AS {ident(c.name)}"
                )
            for group, extra in self._by_file(part.files, pcols, lambda f: f.uri):
                inner = (
                    f"SELECT string_split(coalesce(line, ''), {literal(delim)}) AS __f "
                    f"FROM {self._lines_reader([f.path for f in group])}"
                )
                selects.append(f"SELECT {', '.join(cols + extra)} FROM ({inner})")
        return " UNION ALL ".join(selects) if selects else self._empty(table)


def java_re2_literal(pattern: str) -> str:
    return literal(rx.java_to_re2(pattern))


def cleanup(tmpdir: Path) -> None:
    for p in tmpdir.glob("*"):
        try:
            os.unlink(p)
        except OSError:
            pass
