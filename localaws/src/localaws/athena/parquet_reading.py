"""Parquet objects as one query reads them: only the footer and the referenced columns' chunks are copied
out of S3 (the rest of each local file is a sparse hole DuckDB never touches), which is also what
DataScannedInBytes counts, as Athena counts the column chunks it reads.

A mixin of readers.TableReader (its temp files, connection, S3 and partition columns).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from localaws.athena import hive_paths
from localaws.athena.catalog import Table
from localaws.athena.errors import QueryFailed
from localaws.athena.s3 import ObjectRange
from localaws.athena.sqltext import ident, literal_list
from localaws.athena.types import hive_to_duckdb

_READ_THREADS = 2


def _map(fn, items: list) -> list:
    # a pool costs more than it saves for a few files (most tables have one per partition read)
    if len(items) <= 4:
        return [fn(item) for item in items]
    with ThreadPoolExecutor(_READ_THREADS) as pool:
        return list(pool.map(fn, items))


_INTEGERS = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "HUGEINT",
)


_ALIASES = {
    "INT": "INTEGER",
    "INT4": "INTEGER",
    "SIGNED": "INTEGER",
    "INT8": "BIGINT",
    "LONG": "BIGINT",
    "INT2": "SMALLINT",
    "SHORT": "SMALLINT",
    "INT1": "TINYINT",
    "TEXT": "VARCHAR",
    "STRING": "VARCHAR",
    "REAL": "FLOAT",
    "FLOAT4": "FLOAT",
    "FLOAT8": "DOUBLE",
    "BOOL": "BOOLEAN",
    "BYTEA": "BLOB",
}


def canonical(duck: str) -> str:
    """DuckDB's own name of a type ("INT" -> "INTEGER"), so equal types compare equal."""
    t = duck.strip().upper()
    return _ALIASES.get(t, t)


def _family(duck: str) -> str:
    t = canonical(duck)
    if t in _INTEGERS:
        return "integer"
    if t in ("FLOAT", "DOUBLE") or t.startswith("DECIMAL"):
        return "number"
    if t.startswith("TIMESTAMP"):
        return "timestamp"
    if t in ("VARCHAR", "BLOB"):
        return "text"
    if t.endswith("]") or t.startswith(("STRUCT", "MAP", "UNION")):
        return "nested"
    return t


def _readable_as(found: str, declared: str) -> bool:
    """Whether Trino's Parquet reader reads a column written as ``found`` for a table column declared
    ``declared`` (both DuckDB types): integers and decimals into any number, timestamps of any unit,
    binary as varchar. Anything else fails the query (HIVE_BAD_DATA) where DuckDB's TRY_CAST would
    have made every value NULL."""
    have, want = _family(found), _family(declared)
    if "nested" in (have, want):
        return True  # nested values keep DuckDB's cast; their element types are not checked here
    if have == want:
        return True
    return have == "integer" and want == "number"


class ParquetReading:
    def _parquet(self, table: Table, planned, needed: set[str] | None) -> tuple[str, int]:
        """Parquet objects become local files holding only what the query reads: the footer and the
        column chunks of referenced columns (the rest is a sparse hole DuckDB never touches), which
        is also what DataScannedInBytes counts, as Athena counts column chunks read."""
        jobs = [(i, obj) for i, (_, objs) in enumerate(planned) for obj in objs]
        keep = None if needed is None else {c.name.lower() for c in table.columns if c.name.lower() in needed}
        named = None if keep is None else set(keep)  # the columns the query reads, type-checked
        if keep == set() and table.columns:
            keep = {table.columns[0].name.lower()}  # DuckDB scans one column even for count(*)

        # Three steps so one parquet_metadata() call covers every file: footers (threads), chunk
        # offsets (one query), then the chunks the query reads (threads).
        def footer(job):
            i, obj = job
            path = self._tmp(".parquet", table, planned[i][0])
            source = self.s3.open(obj)
            return i, path, obj.uri, source, self._write_footer(path, source, keep is None)

        by_part: dict[int, list[str]] = {}
        uris: dict[str, str] = {}
        scanned = 0
        staged = []
        if jobs:
            staged = _map(footer, jobs)
        sparse = [(path, source, start) for _i, path, _u, source, start in staged if start is not None]
        chunks: dict[str, list[tuple[str, int, int]]] = {}
        if sparse and keep:
            rows = self.con.execute(
                "SELECT file_name, path_in_schema, least(coalesce(nullif(dictionary_page_offset, 0), "
                "data_page_offset), data_page_offset), total_compressed_size FROM parquet_metadata(?)",
                [[p for p, _, _ in sparse]],
            ).fetchall()
            for file_name, column, offset, length in rows:
                chunks.setdefault(file_name, []).append((column, offset, length))

        def fill(item):
            path, source, start = item
            return self._write_chunks(path, source, start, keep or set(), chunks.get(path, []))

        if sparse:
            scanned += sum(_map(fill, sparse))
        for i, path, uri, source, start in staged:
            by_part.setdefault(i, []).append(path)
            uris[path] = uri
            if start is None:
                scanned += source.size
        del staged, sparse
        selects = []
        every = [path for i in range(len(planned)) for path in by_part.get(i) or []]
        if self.hive and every:
            option = hive_paths.reader_option(table, True)
            selects.append(self._parquet_select(table, every, hive_paths.columns(table), option, named))
            planned = []
        for i, (values, _) in enumerate(planned):
            for files, extra in self._by_file(
                by_part.get(i) or [], self._partition_cols(table, values), uris.get
            ):
                selects.append(self._parquet_select(table, files, extra, checked=named))
        return (" UNION ALL ".join(selects) if selects else self._empty(table)), scanned

    def _parquet_select(
        self,
        table: Table,
        files: list[str],
        extra: list[str],
        option: str = ", hive_partitioning=false",
        checked: set[str] | None = None,
    ) -> str:
        """``checked``: the columns the query reads (None: all), whose Parquet types must fit the table's."""
        src = f"read_parquet({literal_list(files)}, union_by_name=true{option})"
        try:
            present = {
                row[0].lower(): (row[0], str(row[1]))
                for row in self.con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()
            }
        except Exception as err:
            raise QueryFailed(
                "HIVE_CANNOT_OPEN_SPLIT", f"Error opening Hive split of {table.name}: {err}"
            ) from err
        cols = []
        for c in table.columns:
            duck = hive_to_duckdb(c.type)
            if c.name.lower() in present:
                name, found = present[c.name.lower()]
                # a column already of the table's type is passed as is: a cast would stop DuckDB pushing
                # the query's filters into the Parquet scan
                same = canonical(found) == canonical(duck)
                read = checked is None or c.name.lower() in checked
                if read and not same and not _readable_as(found, duck):
                    raise QueryFailed(
                        "HIVE_BAD_DATA",
                        f"Field {name}'s type {found} in parquet is incompatible with type {c.type} "
                        f"defined in table schema (table {table.database}.{table.name})",
                    )
                value = ident(name) if same else f"TRY_CAST({ident(name)} AS {duck})"
                cols.append(f"{value} AS {ident(c.name)}")
            else:
                cols.append(f"CAST(NULL AS {duck}) AS {ident(c.name)}")
        return f"SELECT {', '.join(cols + extra)} FROM {src}"

    @staticmethod
    def _write_footer(path: str, source: ObjectRange, whole: bool) -> int | None:
        """Writes the whole object (returns None) or a sparse file with only the Parquet footer
        (returns the footer's offset); reads only what it writes."""
        size = source.size
        tail = source.read(size - 8, 8) if size >= 12 else b""
        footer = int.from_bytes(tail[:4], "little") if tail else -1
        if whole or tail[4:] != b"PAR1" or not 0 < footer <= size - 12 or source.read(0, 4) != b"PAR1":
            with open(path, "wb") as f:
                f.write(source.read(0, size))
            return None
        start = size - 8 - footer
        with open(path, "wb") as f:
            f.truncate(size)
            f.write(b"PAR1")
            f.seek(start)
            f.write(source.read(start, size - start))
        return start

    @staticmethod
    def _write_chunks(
        path: str, source: ObjectRange, start: int, keep: set[str], chunks: list[tuple[str, int, int]]
    ) -> int:
        """Fills in the kept columns' chunks; returns the bytes of the object read (footer included)."""
        written = 4 + (source.size - start)
        end = 4
        with open(path, "r+b") as f:
            for column, offset, length in chunks:
                end = max(end, (offset or 0) + (length or 0))
                top = str(column).split(",")[0].split(".")[0].strip().lower()
                if top in keep and offset is not None and length:
                    f.seek(offset)
                    f.write(source.read(offset, length))
                    written += length
            # bloom filters and page indexes sit between the last column chunk and the footer
            if chunks and end < start:
                f.seek(end)
                f.write(source.read(end, start - end))
                written += start - end
        return written
