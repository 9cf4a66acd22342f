"""Hive DDL and utility statements, applied to the Glue Data Catalog.

sqlglot's athena dialect parses CREATE [EXTERNAL] TABLE, CREATE DATABASE, DROP and DESCRIBE into
usable ASTs; ALTER TABLE ... PARTITION with several partitions, SHOW and MSCK fall back to its
generic Command, so those few are read with the regexes below.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from sqlglot import exp

from localaws.athena import catalog as cat
from localaws.athena.catalog import Catalog, Column, Table
from localaws.athena.errors import QueryFailed, ddl_failed
from localaws.athena.results import ResultSet
from localaws.athena.s3 import S3, as_dir
from localaws.athena.types import normalise_hive

_NAME = r"(?:`[^`]+`|\"[^\"]+\"|[\w]+)"
_QNAME = rf"({_NAME}(?:\s*\.\s*{_NAME})?)"
_PARTITION_SPEC = re.compile(
    r"PARTITION\s*\((?P<spec>(?:[^()']|'(?:[^']|'')*')*)\)"
    r"(?:\s*LOCATION\s*'(?P<loc>(?:[^']|'')*)')?",
    re.I,
)
_KV = re.compile(r"\s*(" + _NAME + r")\s*=\s*('(?:[^']|'')*'|\"[^\"]*\"|[^,\s]+)\s*(?:,|$)")


def _unquote_name(name: str) -> str:
    name = name.strip()
    if name[:1] in '`"' and name[-1:] == name[:1]:
        name = name[1:-1]
    return name.lower()


def split_qname(qname: str, default_db: str) -> tuple[str, str]:
    parts = [_unquote_name(p) for p in re.split(r"\s*\.\s*", qname.strip())]
    if len(parts) == 3 and parts[0] == cat.CATALOG:
        parts = parts[1:]
    return (parts[0], parts[1]) if len(parts) == 2 else (default_db, parts[0])


def _spec_values(spec: str) -> list[tuple[str, str]]:
    out = []
    pos = 0
    spec = spec.strip()
    while pos < len(spec):
        m = _KV.match(spec, pos)
        if not m:
            raise QueryFailed("SYNTAX_ERROR", f"cannot read partition spec ({spec})", error_type=1004)
        key, raw = _unquote_name(m.group(1)), m.group(2)
        if raw[:1] in "'\"":
            raw = raw[1:-1].replace("''", "'")
        out.append((key, raw))
        pos = m.end()
    return out


def partition_path(table: Table, values: list[str]) -> str:
    return "/".join(f"{k.name}={v}" for k, v in zip(table.partition_keys, values, strict=True)) + "/"


def _values_for(
    table: Table, spec: list[tuple[str, str]], partial: bool = False
) -> list[str] | dict[str, str]:
    keys = [k.name.lower() for k in table.partition_keys]
    given = dict(spec)
    unknown = [k for k in given if k not in keys]
    if unknown:
        raise ddl_failed(
            f"SemanticException [Error 10006]: Partition not found {unknown[0]}: partition column "
            f"{unknown[0]} is not a partition key of {table.database}.{table.name} (keys: {keys})"
        )
    if partial:
        return given
    missing = [k for k in keys if k not in given]
    if missing:
        raise ddl_failed(
            f"SemanticException [Error 10098]: Non-Partition column appears in the partition "
            f"specification: partition spec of {table.name} lacks {missing}"
        )
    return [given[k] for k in keys]


def table_for_ddl(catalog: Catalog, db: str, name: str) -> Table:
    """The table a DDL or SHOW statement names, or Hive's error for a missing database or table."""
    if not catalog.database_exists(db):
        raise ddl_failed(f"SemanticException [Error 10072]: Database does not exist: {db}")
    table = catalog.table_or_none(db, name)
    if table is None:
        raise ddl_failed(f"SemanticException [Error 10001]: Table not found {db}.{name}")
    return table


class DDL:
    def __init__(self, catalog: Catalog, s3: S3, database: str):
        self.catalog = catalog
        self.s3 = s3
        self.database = database

    # ---- CREATE DATABASE ------------------------------------------------------------------------
    def create_database(self, sql: str, ast: exp.Create) -> ResultSet:
        table = ast.this
        name = (table.db or table.name) if isinstance(table, exp.Table) else table.name
        comment = re.search(r"\bCOMMENT\s+'((?:[^']|'')*)'", sql, re.I)
        location = re.search(r"\bLOCATION\s+'((?:[^']|'')*)'", sql, re.I)
        props = (
            dict(re.findall(r"'([^']*)'\s*=\s*'([^']*)'", sql.split("DBPROPERTIES", 1)[1]))
            if re.search(r"DBPROPERTIES", sql, re.I)
            else {}
        )
        self.catalog.create_database(
            name,
            bool(ast.args.get("exists")),
            comment.group(1) if comment else "",
            location.group(1) if location else "",
            props,
        )
        return ResultSet.text("result", [])

    # ---- CREATE EXTERNAL TABLE ------------------------------------------------------------------
    def create_table(self, ast: exp.Create) -> ResultSet:
        schema = ast.this
        if not isinstance(schema, exp.Schema):
            raise QueryFailed(
                "SYNTAX_ERROR", "CREATE TABLE needs a column list or AS SELECT", error_type=1004
            )
        tref = schema.this
        db = (tref.db or self.database).lower()
        name = tref.name.lower()
        columns = [self._column(c) for c in schema.expressions if isinstance(c, exp.ColumnDef)]
        table = Table(database=db, name=name, columns=columns)
        props = ast.args.get("properties")
        external = False
        serde_props: dict[str, str] = {}
        for p in props.expressions if props else []:
            if isinstance(p, exp.ExternalProperty):
                external = True
            elif isinstance(p, exp.PartitionedByProperty):
                inner = p.this
                table.partition_keys = [
                    self._column(c) for c in inner.expressions if isinstance(c, exp.ColumnDef)
                ]
            elif isinstance(p, exp.RowFormatSerdeProperty):
                table.serde = p.this.name
                for q in p.args.get("serde_properties").expressions if p.args.get("serde_properties") else []:
                    serde_props[q.name] = q.args["value"].name
            elif isinstance(p, exp.RowFormatDelimitedProperty):
                table.serde = cat.LAZY_SIMPLE_SERDE
                fields = p.args.get("fields")
                if fields is not None:
                    serde_props["field.delim"] = fields.name
                    serde_props["serialization.format"] = fields.name
                for arg, key in (
                    ("escaped", "escape.delim"),
                    ("collection_items", "collection.delim"),
                    ("map_keys", "mapkey.delim"),
                    ("lines", "line.delim"),
                    ("null", "serialization.null.format"),
                ):
                    if p.args.get(arg) is not None:
                        serde_props[key] = p.args[arg].name
            elif isinstance(p, exp.SerdeProperties):
                for q in p.expressions:
                    serde_props[q.name] = q.args["value"].name
            elif isinstance(p, exp.FileFormatProperty):
                fmt = p.this.name.upper()
                if fmt == "PARQUET":
                    table.serde, table.input_format, table.output_format = (
                        cat.PARQUET_SERDE,
                        cat.PARQUET_INPUT,
                        cat.PARQUET_OUTPUT,
                    )
                elif fmt not in ("TEXTFILE", ""):
                    raise QueryFailed(
                        "NOT_SUPPORTED",
                        f"STORED AS {fmt} is not supported by localaws (TEXTFILE and PARQUET are)",
                    )
            elif isinstance(p, exp.LocationProperty):
                table.location = p.this.name
            elif isinstance(p, exp.Property):
                table.parameters[p.name] = p.args["value"].name
        if not external:
            raise ddl_failed(
                "SemanticException Only external table creation is supported in Athena "
                f"(CREATE EXTERNAL TABLE {name} ...)"
            )
        if table.serde == cat.REGEX_SERDE and "input.regex" not in serde_props:
            raise ddl_failed(
                f"SemanticException org.apache.hadoop.hive.serde2.SerDeException This table does "
                f'not have serde property "input.regex"! (table {name})'
            )
        table.serde_params = serde_props
        table.parameters.setdefault("EXTERNAL", "TRUE")
        if table.is_parquet:
            table.parameters.setdefault("classification", "parquet")
        if not self.catalog.database_exists(db):
            raise ddl_failed(f"SemanticException [Error 10072]: Database does not exist: {db}")
        if self.catalog.table_or_none(db, name) is not None:
            if ast.args.get("exists"):
                return ResultSet.text("result", [])
            raise ddl_failed(f"AlreadyExistsException Table {name} already exists")
        self.catalog.create_table(table)
        return ResultSet.text("result", [])

    @staticmethod
    def _column(c: exp.ColumnDef) -> Column:
        comment = None
        for constraint in c.args.get("constraints") or []:
            if isinstance(constraint.args.get("kind"), exp.CommentColumnConstraint):
                comment = constraint.args["kind"].this.name
        kind = c.args.get("kind")
        if kind is None:
            raise QueryFailed("SYNTAX_ERROR", f"column {c.name} has no type", error_type=1004)
        return Column(c.name.lower(), normalise_hive(kind.sql("hive")), comment)

    # ---- DROP -----------------------------------------------------------------------------------
    def drop(self, ast: exp.Drop) -> ResultSet:
        kind = (ast.args.get("kind") or "").upper()
        exists = bool(ast.args.get("exists"))
        target = ast.this if ast.this is not None else (ast.args.get("tables") or [None])[0]
        if kind in ("DATABASE", "SCHEMA"):
            name = (target.db or target.name) if isinstance(target, exp.Table) else target.name
            self.catalog.drop_database(name, exists, bool(ast.args.get("cascade")))
            return ResultSet.text("result", [])
        db = (target.db or self.database).lower()
        name = target.name.lower()
        existing = self.catalog.table_or_none(db, name)
        if existing is None or (kind == "VIEW") != existing.is_view:
            if exists:
                return ResultSet.text("result", [])
            if kind == "VIEW":
                raise QueryFailed(
                    None, f"line 1:1: View '{cat.CATALOG}.{db}.{name}' does not exist", error_type=1301
                )
            raise ddl_failed(f"SemanticException [Error 10001]: Table not found {db}.{name}")
        self.catalog.drop_table(db, name)
        return ResultSet.text("result", [])

    # ---- ALTER TABLE ... PARTITION ---------------------------------------------------------------
    def alter(self, sql: str) -> ResultSet:
        m = re.match(
            rf"\s*ALTER\s+TABLE\s+{_QNAME}\s+(ADD|DROP)\s+(IF\s+(?:NOT\s+)?EXISTS\s+)?(.*)$", sql, re.I | re.S
        )
        if not m:
            raise QueryFailed(
                "NOT_SUPPORTED",
                f"localaws supports ALTER TABLE ... ADD/DROP PARTITION only: {sql.strip()[:100]}",
            )
        db, name = split_qname(m.group(1), self.database)
        table = table_for_ddl(self.catalog, db, name)
        action, guard, rest = m.group(2).upper(), bool(m.group(3)), m.group(4)
        specs = list(_PARTITION_SPEC.finditer(rest))
        leftover = _PARTITION_SPEC.sub("", rest).replace(",", "").strip().rstrip(";").strip()
        if not specs or leftover:
            raise QueryFailed(
                "SYNTAX_ERROR",
                f"cannot read ALTER TABLE {action} PARTITION clause near '{(leftover or rest)[:60]}'",
                error_type=1004,
            )
        if not table.partition_keys:
            raise ddl_failed(
                f"SemanticException table is not partitioned but partition spec exists: {db}.{name}"
            )
        if action == "ADD":
            todo = []
            for spec in specs:
                values = _values_for(table, _spec_values(spec.group("spec")))
                loc = spec.group("loc")
                loc = (
                    loc.replace("''", "'") if loc else as_dir(table.location) + partition_path(table, values)
                )
                todo.append((values, loc))
            if not guard:
                for values, _ in todo:
                    if self.catalog.has_partition(table, values):
                        raise ddl_failed(
                            "AlreadyExistsException Partition already exists: "
                            f"{partition_path(table, values).rstrip('/')}"
                        )
            for values, loc in todo:
                self.catalog.add_partition(table, values, loc)
            return ResultSet.text("result", [])
        # DROP: a spec may name a prefix of the keys (Hive drops every matching partition)
        matched = []
        for spec in specs:
            given = _values_for(table, _spec_values(spec.group("spec")), partial=True)
            keys = [k.name.lower() for k in table.partition_keys]
            hits = [
                p
                for p in self.catalog.partitions(table)
                if all(p.values[keys.index(k)] == v for k, v in given.items())
            ]
            if not hits and not guard:
                raise ddl_failed(
                    "SemanticException [Error 10006]: Partition not found "
                    + ", ".join(f"{k}={v}" for k, v in given.items())
                )
            matched.extend(hits)
        for p in matched:
            self.catalog.drop_partition(table, p.values)
        return ResultSet.text("result", [])

    # ---- MSCK REPAIR TABLE ----------------------------------------------------------------------
    def msck(self, sql: str) -> ResultSet:
        m = re.match(rf"\s*MSCK\s+REPAIR\s+TABLE\s+{_QNAME}\s*;?\s*$", sql, re.I)
        if not m:
            raise QueryFailed(
                "SYNTAX_ERROR", f"expected MSCK REPAIR TABLE name: {sql.strip()[:80]}", error_type=1004
            )
        db, name = split_qname(m.group(1), self.database)
        table = table_for_ddl(self.catalog, db, name)
        if not table.partition_keys:
            return ResultSet.text("result", [])
        keys = [k.name.lower() for k in table.partition_keys]
        base = as_dir(table.location)
        _, prefix = base[5:].split("/", 1) if "/" in base[5:] else ("", "")
        found: dict[tuple[str, ...], str] = {}
        for obj in self.s3.list(base):
            rel = obj.key[len(prefix) :]
            segs = rel.split("/")[:-1]
            if len(segs) < len(keys):
                continue
            values = []
            for key, seg in zip(keys, segs, strict=False):
                k, eq, v = seg.partition("=")
                if not eq or k.lower() != key:
                    break
                values.append(unquote(v))
            if len(values) == len(keys):
                found.setdefault(tuple(values), base + "/".join(segs[: len(keys)]) + "/")
        missing = [
            (v, loc) for v, loc in sorted(found.items()) if not self.catalog.has_partition(table, list(v))
        ]
        lines = []
        if missing:
            names = "\t".join(
                f"{name}:" + "/".join(f"{k}={x}" for k, x in zip(keys, v, strict=True)) for v, _ in missing
            )
            lines.append(f"Partitions not in metastore:\t{names}")
            for values, loc in missing:
                self.catalog.add_partition(table, list(values), loc)
                lines.append(
                    "Repair: Added partition to metastore "
                    + f"{name}:"
                    + "/".join(f"{k}={x}" for k, x in zip(keys, values, strict=True))
                )
        return ResultSet.text("result", lines)
