"""Statements that write: CTAS and INSERT INTO (Parquet files to S3, partitions to Glue), and views."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote

from sqlglot import exp

from localaws.athena import catalog as cat
from localaws.athena import views
from localaws.athena.catalog import Column, Table
from localaws.athena.ddl import partition_path
from localaws.athena.errors import QueryFailed, ddl_failed
from localaws.athena.results import ResultSet
from localaws.athena.s3 import as_dir, split_uri
from localaws.athena.select import Session, duckdb_error, result_relation
from localaws.athena.sqltext import ident, literal
from localaws.athena.trino_types import from_hive
from localaws.athena.typecheck import TSTZ_CAST, check_insert
from localaws.athena.types import duckdb_to_hive, hive_to_duckdb

MAX_WRITTEN_PARTITIONS = 100
_COMPRESSION = {
    "SNAPPY": "snappy",
    "GZIP": "gzip",
    "ZSTD": "zstd",
    "NONE": "uncompressed",
    "UNCOMPRESSED": "uncompressed",
}
# "GZIP is the default write compression format for files in the Parquet and text file storage formats"
# of Hive tables, and Athena writes no LZ4/LZO Parquet (docs.aws.amazon.com/athena/latest/ug/
# compression-formats.html).
DEFAULT_COMPRESSION = "GZIP"


def codec(name: str) -> str:
    codec = _COMPRESSION.get(name.strip().upper())
    if codec is None:
        raise QueryFailed(
            "NOT_SUPPORTED", f"Unsupported Parquet write compression {name!r} (SNAPPY, GZIP, ZSTD or NONE)"
        )
    return codec


def rows_result(n: int, written: list[str] | None = None) -> ResultSet:
    return ResultSet(
        ["rows"], ["bigint"], [(str(n),)], header=True, precision=[19], scale=[0], written=list(written or [])
    )


class Writer:
    def __init__(self, session: Session, query_id: str, output_dir: str | None):
        self.s = session
        self.query_id = query_id
        self.output_dir = output_dir
        self.written: list[str] = []  # every object put, in order: Athena's data manifest lists them

    # ---- helpers --------------------------------------------------------------------------------
    def copy_out(self, select_sql: str, partition_cols: list[str], compression: str) -> Path:
        out = self.s.tmpdir / f"write-{self.query_id}"
        opts = ["FORMAT parquet", f"COMPRESSION {compression}"]
        if partition_cols:
            opts.append(f"PARTITION_BY ({', '.join(ident(c) for c in partition_cols)})")
            opts.append("OVERWRITE_OR_IGNORE true")
            target = str(out)
        else:
            out.mkdir(parents=True, exist_ok=True)
            target = str(out / "data.parquet")
        try:
            self.s.con.execute(f"COPY ({select_sql}) TO {literal(target)} ({', '.join(opts)})")
        except Exception as err:
            raise duckdb_error(err) from err
        return out

    def _upload(self, out: Path, location: str, table: Table | None, register: bool) -> None:
        """Uploads every file under ``out`` below ``location``; partition dirs become Glue partitions."""
        n = 0
        for root, _dirs, files in os.walk(out):
            rel = os.path.relpath(root, out)
            segs = [] if rel == "." else rel.split(os.sep)
            if table is not None and table.partition_keys and len(segs) != len(table.partition_keys):
                continue
            values = [unquote(s.partition("=")[2]) for s in segs]
            values = ["__HIVE_DEFAULT_PARTITION__" if v == "NULL" else v for v in values]
            if table is not None and table.partition_keys:
                existing = {tuple(p.values): p.location for p in self.s.catalog.partitions(table)}
                prefix = existing.get(tuple(values)) or (as_dir(location) + partition_path(table, values))
                if register and tuple(values) not in existing:
                    self.s.catalog.add_partition(table, values, prefix)
            else:
                prefix = as_dir(location)
            for name in sorted(files):
                uri = f"{as_dir(prefix)}{self.query_id}_{n:05d}.parquet"
                with open(os.path.join(root, name), "rb") as f:
                    self.s.s3.put(uri, f.read())
                self.written.append(uri)
                n += 1

    def check_partitions(self, partition_cols: list[str]) -> None:
        """Athena writes at most 100 partitions per CTAS or INSERT INTO
        (docs.aws.amazon.com/athena/latest/ug/ctas-insert-into.html)."""
        if not partition_cols:
            return
        cols = ", ".join(ident(c) for c in partition_cols)
        n = self.s.con.execute(f"SELECT count(*) FROM (SELECT DISTINCT {cols} FROM __write)").fetchall()[0][0]
        if n > MAX_WRITTEN_PARTITIONS:
            raise QueryFailed(
                "HIVE_TOO_MANY_OPEN_PARTITIONS",
                f"Exceeded limit of {MAX_WRITTEN_PARTITIONS} open writers for partitions/buckets",
            )

    # ---- CTAS -----------------------------------------------------------------------------------
    def ctas(self, ast: exp.Create) -> ResultSet:
        tref = ast.this if isinstance(ast.this, exp.Table) else ast.this.this
        db = (tref.db or self.s.database).lower()
        name = tref.name.lower()
        props: dict[str, object] = {}
        no_data = False
        for p in ast.args.get("properties").expressions if ast.args.get("properties") else []:
            if isinstance(p, exp.FileFormatProperty):
                props["format"] = p.this.name.upper()
            elif isinstance(p, exp.PartitionedByProperty):
                arr = p.this
                props["partitioned_by"] = [
                    e.name.lower() for e in (arr.expressions if hasattr(arr, "expressions") else [])
                ]
            elif isinstance(p, exp.WithDataProperty):
                no_data = bool(p.args.get("no"))
            elif isinstance(p, exp.LocationProperty):
                props["external_location"] = p.this.name
            elif isinstance(p, exp.Property):
                props[p.name.lower()] = p.args["value"].name
        fmt = str(props.get("format", "PARQUET")).upper()
        if fmt != "PARQUET":
            raise QueryFailed("NOT_SUPPORTED", f"localaws CTAS writes PARQUET only, not format='{fmt}'")
        codec(str(props.get("write_compression", DEFAULT_COMPRESSION)))  # refused before anything is created
        if not self.s.catalog.database_exists(db):
            raise QueryFailed("SCHEMA_NOT_FOUND", f"line 1:1: Schema '{db}' does not exist", error_type=1301)
        if self.s.catalog.table_or_none(db, name) is not None:
            if ast.args.get("exists"):
                return rows_result(0)
            raise QueryFailed(
                "TABLE_ALREADY_EXISTS",
                f"line 1:1: Table '{cat.CATALOG}.{db}.{name}' already exists",
                error_type=1301,
            )
        location = str(props.get("external_location") or "")
        if location:
            if self.s.s3.list(location):
                raise QueryFailed(
                    "HIVE_PATH_ALREADY_EXISTS",
                    f"Target directory for table '{db}.{name}' already "
                    f"exists: {location}. You may need to manually clean the data at location "
                    f"'{self.output_dir}tables/{self.query_id}' before retrying.",
                )
        else:
            if not self.output_dir:
                raise QueryFailed(None, "No output location provided for the table data.")
            location = f"{as_dir(self.output_dir)}tables/{self.query_id}/"
        split_uri(location)
        sql, names, types, trino = result_relation(self.s, ast.expression)
        if any(
            t.upper().startswith("TIMESTAMP WITH TIME ZONE") or (tz or "").endswith("with time zone")
            for t, tz in zip(types, trino, strict=True)
        ):
            # Hive tables have no timestamp with time zone: Athena casts to timestamp, which v3 refuses.
            raise QueryFailed(
                "NOT_SUPPORTED",
                f"{TSTZ_CAST}. You may need to manually clean the data at location "
                f"'{location}' before retrying. Athena will not delete data in your account.",
            )
        pcols = list(props.get("partitioned_by") or [])
        if pcols and names[-len(pcols) :] != pcols:
            raise QueryFailed(
                "HIVE_COLUMN_ORDER_MISMATCH",
                "Partition keys must be the last columns in the table "
                f"and in the same order as the table properties: {pcols}",
            )
        hive_types = [duckdb_to_hive(t) for t in types]
        ncols = len(names) - len(pcols)
        table = Table(
            database=db,
            name=name,
            columns=[Column(n, t) for n, t in zip(names[:ncols], hive_types[:ncols], strict=True)],
            partition_keys=[Column(n, t) for n, t in zip(names[ncols:], hive_types[ncols:], strict=True)],
            location=as_dir(location),
            serde=cat.PARQUET_SERDE,
            input_format=cat.PARQUET_INPUT,
            output_format=cat.PARQUET_OUTPUT,
            parameters={
                "has_encrypted_data": "false",
                "parquet.compression": str(props.get("write_compression", DEFAULT_COMPRESSION)).upper(),
                "classification": "parquet",
            },
        )
        self.s.catalog.create_table(table)
        if no_data:
            return rows_result(0, [])
        typed = ", ".join(
            f"CAST({ident(f'__c{i}')} AS {hive_to_duckdb(t)}) AS {ident(n)}"
            for i, (n, t) in enumerate(zip(names, hive_types, strict=True))
        )
        aliases = ", ".join(f"__c{i}" for i in range(len(names)))
        self.s.con.execute(
            f"CREATE OR REPLACE TEMP TABLE __write AS SELECT {typed} FROM ({sql}) AS __q({aliases})"
        )
        try:
            self.check_partitions(pcols)
        except QueryFailed:
            self.s.catalog.drop_table(db, name)  # a failed CTAS leaves no table behind
            raise
        count = self.s.con.execute("SELECT count(*) FROM __write").fetchall()[0][0]
        compression = codec(str(props.get("write_compression", DEFAULT_COMPRESSION)))
        if count:
            out = self.copy_out("SELECT * FROM __write", pcols, compression)
            self._upload(out, location, table, register=True)
        return rows_result(count, self.written)

    # ---- INSERT INTO ----------------------------------------------------------------------------
    def insert(self, ast: exp.Insert) -> ResultSet:
        target = ast.this
        cols_given = None
        if isinstance(target, exp.Schema):
            cols_given = [c.name.lower() for c in target.expressions]
            target = target.this
        db = (target.db or self.s.database).lower()
        name = target.name.lower()
        table = self.s.catalog.table(db, name)
        if table.is_view:
            raise QueryFailed("NOT_SUPPORTED", f"Inserting into views is not supported: {db}.{name}")
        if not table.is_parquet:
            raise QueryFailed(
                "NOT_SUPPORTED",
                f"localaws INSERT INTO writes Parquet tables only; {db}.{name} uses {table.serde}",
            )
        all_cols = table.columns + table.partition_keys
        query = ast.expression
        sql, names, types, trino = result_relation(self.s, query)
        targets = cols_given or [c.name for c in all_cols]
        if len(names) != len(targets):
            raise QueryFailed(
                "SYNTAX_ERROR",
                f"line 1:1: Insert query has mismatched column types: table has "
                f"{len(targets)} columns, query has {len(names)}",
                error_type=1004,
            )
        unknown = [c for c in targets if c not in {x.name for x in all_cols}]
        if unknown:
            raise QueryFailed(
                "COLUMN_NOT_FOUND",
                f"line 1:1: Insert column name does not exist in target table: {unknown[0]}",
            )
        by_name = {c.name: c for c in all_cols}
        target_types = [(c, from_hive(by_name[c].type)) for c in targets]
        for (_c, dst), duck in zip(target_types, types, strict=True):
            if duck.upper().startswith("TIMESTAMP WITH TIME ZONE") and dst and dst.startswith("timestamp("):
                raise QueryFailed("NOT_SUPPORTED", TSTZ_CAST)
        check_insert(target_types, trino)
        pos = {c: i for i, c in enumerate(targets)}
        aliases = ", ".join(f"__c{i}" for i in range(len(names)))
        select = ", ".join(
            (
                f"CAST(__c{pos[c.name]} AS {hive_to_duckdb(c.type)})"
                if c.name in pos
                else f"CAST(NULL AS {hive_to_duckdb(c.type)})"
            )
            + f" AS {ident(c.name)}"
            for c in all_cols
        )
        self.s.con.execute(
            f"CREATE OR REPLACE TEMP TABLE __write AS SELECT {select} FROM ({sql}) AS __q({aliases})"
        )
        self.check_partitions([c.name for c in table.partition_keys])
        count = self.s.con.execute("SELECT count(*) FROM __write").fetchall()[0][0]
        if count:
            compression = codec(table.parameters.get("parquet.compression", DEFAULT_COMPRESSION))
            out = self.copy_out("SELECT * FROM __write", [c.name for c in table.partition_keys], compression)
            self._upload(out, table.location, table, register=True)
        return rows_result(count, self.written)

    # ---- CREATE VIEW ----------------------------------------------------------------------------
    def create_view(self, ast: exp.Create, original_sql: str) -> ResultSet:
        tref = ast.this
        db = (tref.db or self.s.database).lower()
        name = tref.name.lower()
        existing = self.s.catalog.table_or_none(db, name)
        if existing is not None and not ast.args.get("replace"):
            raise QueryFailed(
                None, f"line 1:1: View '{cat.CATALOG}.{db}.{name}' already exists", error_type=1301
            )
        if existing is not None and not existing.is_view:
            raise QueryFailed(
                None, f"line 1:1: Table '{cat.CATALOG}.{db}.{name}' already exists", error_type=1301
            )
        body = ast.expression
        body_sql = body.sql("athena")
        self.s.schema_only = True
        try:
            _sql, names, types, _trino = result_relation(self.s, body.copy())
        finally:
            self.s.schema_only = False
        hive_types = [duckdb_to_hive(t) for t in types]
        # Presto view columns use Presto type names
        presto = [
            t.replace("string", "varchar").replace("int", "integer") if t in ("string", "int") else t
            for t in hive_types
        ]
        view = Table(
            database=db,
            name=name,
            columns=[Column(n, t) for n, t in zip(names, hive_types, strict=True)],
            table_type="VIRTUAL_VIEW",
            serde="",
            input_format="",
            output_format="",
            parameters={"presto_view": "true", "comment": "Presto View"},
            view_sql=views.encode(body_sql, db, list(zip(names, presto, strict=True))),
        )
        self.s.catalog.create_table(view, replace=existing is not None)
        return ResultSet.text("result", [])


__all__ = ["Writer", "ddl_failed"]
