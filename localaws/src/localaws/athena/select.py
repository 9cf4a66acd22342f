"""SELECT in Athena's (Trino) dialect, on DuckDB.

Each query gets its own in-memory DuckDB. Every table the query names is resolved in Glue, its
partitions are pruned with the WHERE clause (by running the partition-only conjuncts in DuckDB over
the list of partition values, so any expression DuckDB can evaluate prunes, including the blog's
``date_parse(...) >= date_trunc('hour', current_timestamp - interval '2' hour)``), only those
partitions' objects are read, and the table becomes a DuckDB view named ``"db"."table"``. The query
is then transpiled with sqlglot (read="athena", write="duckdb") and run.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlglot
from sqlglot import exp

from localaws.athena import functions, metatables, projection, render
from localaws.athena.catalog import CATALOG, Catalog, Partition, Table
from localaws.athena.duck_errors import duckdb_error
from localaws.athena.errors import QueryFailed, position, table_not_found
from localaws.athena.pruning import equalities, evaluate, partition_predicates
from localaws.athena.readers import TableReader
from localaws.athena.results import ResultSet
from localaws.athena.s3 import S3
from localaws.athena.sqltext import ident
from localaws.athena.trino_types import from_hive
from localaws.athena.typecheck import Checker, Columns
from localaws.athena.types import hive_to_duckdb
from localaws.athena.views import view_sql

MAX_VIEW_DEPTH = 10


@dataclass
class Session:
    """What one query execution runs with."""

    catalog: Catalog
    s3: S3
    con: Any  # duckdb connection
    tmpdir: Path
    database: str
    cutoff_bytes: int | None = None
    bytes_scanned: int = 0
    created_views: set[tuple[str, str]] = field(default_factory=set)
    schema_only: bool = False  # views: resolve types without reading data
    sql: str = ""  # the statement's text, for the line:column of analysis errors


def _cte_names(ast: exp.Expression) -> set[str]:
    return {cte.alias_or_name.lower() for cte in ast.find_all(exp.CTE)}


def _table_refs(ast: exp.Expression) -> list[exp.Table]:
    ctes = _cte_names(ast)
    refs = []
    for t in ast.find_all(exp.Table):
        if not isinstance(t.this, exp.Identifier):
            continue
        if not t.args.get("db") and t.name.lower() in ctes:
            continue
        refs.append(t)
    return refs


def referenced_columns(ast: exp.Expression) -> set[str] | None:
    """Column names a query may read (lower case), or None when it selects ``*`` (every column)."""
    for star in ast.find_all(exp.Star):
        if isinstance(star.parent, (exp.Select, exp.Column)):
            return None
    return {c.name.lower() for c in ast.find_all(exp.Column)}


def _duck_schema(db: str) -> str:
    # DuckDB keeps its own information_schema in a system catalog; ours lives beside it.
    return "__information_schema" if db == metatables.SCHEMA else db


class Planner:
    def __init__(self, session: Session):
        self.s = session
        self.reader = TableReader(session.s3, session.tmpdir, session.con)

    # ---- resolving ------------------------------------------------------------------------------
    def _resolve(self, t: exp.Table) -> tuple[str, str]:
        cat = t.catalog.lower() if t.catalog else CATALOG
        db = (t.db or self.s.database).lower()
        first = t.args.get("catalog") or t.args.get("db") or t.this
        where = position(first)
        if cat != CATALOG:
            raise QueryFailed("CATALOG_NOT_FOUND", f"{where}Catalog '{cat}' does not exist", error_type=1301)
        name = t.name.lower()
        if db == metatables.SCHEMA:
            if name not in metatables.COLUMNS:
                raise table_not_found(CATALOG, db, name, where)
            return db, name
        if name.endswith(metatables.PARTITIONS):
            base = self.s.catalog.table(db, name[: -len(metatables.PARTITIONS)], where)
            if not base.partition_keys or base.is_view:
                raise table_not_found(CATALOG, db, name, where)
            return db, name
        self.s.catalog.table(db, t.name, where)  # raises TABLE_NOT_FOUND / SCHEMA_NOT_FOUND
        return db, name

    def prepare(self, ast: exp.Expression, depth: int = 0) -> exp.Expression:
        """Creates DuckDB views for every table the query names; returns the AST pointing at them."""
        if depth > MAX_VIEW_DEPTH:
            raise QueryFailed("NOT_SUPPORTED", "Views nested too deeply (a view refers to itself?)")
        refs = _table_refs(ast)
        wanted: dict[tuple[str, str], list[exp.Table]] = {}
        for t in refs:
            wanted.setdefault(self._resolve(t), []).append(t)
        for key in [k for k in wanted if k not in self.s.created_views]:
            meta_sql = self._metatable(*key)
            if meta_sql is not None:
                self._create(key, meta_sql)
                del wanted[key]
        tables = {key: self.s.catalog.table(*key) for key in wanted}
        plans = {}
        for key, table in tables.items():
            if key in self.s.created_views:
                continue
            if table.is_view:
                self._create_view(table, depth)
                continue
            parts = self._prune(table, wanted[key]) if table.partition_keys else None
            plans[key] = (table, [] if self.s.schema_only else self.reader.plan(table, parts))
        needed = referenced_columns(ast)
        planned_bytes = sum(o.size for _, plan in plans.values() for _, objs in plan for o in objs)
        if self.s.cutoff_bytes is not None and self.s.bytes_scanned + planned_bytes > self.s.cutoff_bytes:
            self.s.bytes_scanned += planned_bytes
            raise QueryFailed(None, "Query cancelled! : Bytes scanned limit was exceeded", error_type=1003)
        for key, (table, plan) in plans.items():
            scan = self.reader.scan(table, plan, needed)
            self.s.bytes_scanned += scan.bytes_scanned
            self._create(key, scan.sql)
        for t in refs:
            db, name = self._resolve(t)
            t.set("catalog", None)
            t.set("db", exp.to_identifier(_duck_schema(db), quoted=True))
            t.set("this", exp.to_identifier(name, quoted=True))
        return ast

    def _metatable(self, db: str, name: str) -> str | None:
        if db == metatables.SCHEMA:
            return metatables.information_schema_sql(self.s.catalog, name)
        if name.endswith(metatables.PARTITIONS):
            base = self.s.catalog.table(db, name[: -len(metatables.PARTITIONS)])
            return metatables.partitions_sql(self.s.catalog, base)
        return None

    def _create(self, key: tuple[str, str], sql: str) -> None:
        db, name = key[0] and _duck_schema(key[0]), key[1]
        self.s.con.execute(f"CREATE SCHEMA IF NOT EXISTS {ident(db)}")
        self.s.con.execute(f"CREATE OR REPLACE VIEW {ident(db)}.{ident(name)} AS {sql}")
        self.s.created_views.add(key)

    def _create_view(self, view: Table, depth: int) -> None:
        text, view_db = view_sql(view)
        inner = Session(
            self.s.catalog,
            self.s.s3,
            self.s.con,
            self.s.tmpdir,
            view_db or view.database,
            self.s.cutoff_bytes,
            self.s.bytes_scanned,
            self.s.created_views,
            self.s.schema_only,
        )
        try:
            ast = sqlglot.parse_one(text, read="athena")
        except sqlglot.errors.ParseError as err:
            raise QueryFailed(
                "HIVE_VIEW_INVALID", f"View {view.database}.{view.name} is invalid: {err}"
            ) from err
        planner = Planner(inner)
        ast = planner.prepare(ast, depth + 1)
        self.s.bytes_scanned = inner.bytes_scanned
        self._create((view.database, view.name), transpile(ast, self.s.con))

    # ---- pruning --------------------------------------------------------------------------------
    def _prune(self, table: Table, refs: list[exp.Table]) -> list[Partition]:
        if self.s.schema_only:
            return []
        keys = {k.name.lower() for k in table.partition_keys}
        if projection.enabled(table):
            now = self.s.con.execute("SELECT current_timestamp").fetchall()[0][0]
            parts = projection.partitions(
                table, equalities(refs, keys, self.s.database), now.astimezone(dt.UTC).replace(tzinfo=None)
            )
        else:
            parts = self.s.catalog.partitions(table)
        if not parts:
            return parts
        keep: set[int] = set()
        for ref in refs:
            preds = partition_predicates(ref, keys, self.s.database)
            if preds is None:
                return parts
            chosen = evaluate(self.s.con, table, parts, preds)
            if chosen is None:
                return parts
            keep |= chosen
        return [p for i, p in enumerate(parts) if i in keep]


# ---- output naming --------------------------------------------------------------------------------
def name_outputs(ast: exp.Expression) -> exp.Expression:
    """Trino's result column names: a column's name, an alias, else ``_colN`` (0-based position)."""
    select = ast
    while isinstance(select, exp.SetOperation):
        select = select.this
    if isinstance(select, exp.Subquery):
        select = select.unnest()
    if not isinstance(select, exp.Select):
        return ast
    new = []
    for i, proj in enumerate(select.expressions):
        if isinstance(proj, (exp.Alias, exp.Column, exp.Star)) or (
            isinstance(proj, exp.Column) and isinstance(proj.this, exp.Star)
        ):
            new.append(proj)
        else:
            new.append(exp.alias_(proj, f"_col{i}"))
    select.set("expressions", new)
    return ast


def _count_if_as_count(node: exp.Expression) -> exp.Expression:
    # Trino's count_if over no rows is 0; DuckDB's is NULL. count() keeps Trino's answer.
    if isinstance(node, exp.CountIf):
        return exp.Count(this=exp.Case(ifs=[exp.If(this=node.this.copy(), true=exp.Literal.number(1))]))
    return node


def transpile(ast: exp.Expression, con: Any = None) -> str:
    sql = ast.transform(_count_if_as_count).transform(functions.rewrite).sql("duckdb")
    if con is not None and ("__ip" in sql.lower() or "__cidr" in sql.lower() or "__try_ip" in sql.lower()):
        functions.prepare(con)  # only the queries that need them pay for them
    return sql


def analyse(session: Session, ast: exp.Expression) -> Columns:
    """Trino's analysis (typecheck.py) before any object is read: its output columns' Trino types."""

    def table_columns(db: str, name: str) -> Columns | None:
        db = db or session.database
        if db == metatables.SCHEMA:
            return list(metatables.COLUMNS.get(name, [])) or None
        if name.endswith(metatables.PARTITIONS):
            base = session.catalog.table_or_none(db, name[: -len(metatables.PARTITIONS)])
            return metatables.partitions_columns(base) if base is not None else None
        table = session.catalog.table_or_none(db, name)
        if table is None:
            return None
        cols = [(c.name.lower(), from_hive(c.type)) for c in table.columns + table.partition_keys]
        return cols if table.is_view else cols + [("$path", "varchar")]

    return Checker(session.sql, table_columns).query(ast)


def _zones(ast: exp.Expression) -> list[str | None]:
    """Per output column, the zone of a top-level ``x AT TIME ZONE 'Zone/Name'`` (Trino prints it)."""
    select = ast
    while isinstance(select, exp.SetOperation):
        select = select.this
    if isinstance(select, exp.Subquery):
        select = select.unnest()
    if not isinstance(select, exp.Select):
        return []
    out: list[str | None] = []
    for proj in select.expressions:
        node = proj.this if isinstance(proj, exp.Alias) else proj
        zone = node.args.get("zone") if isinstance(node, exp.AtTimeZone) else None
        out.append(zone.this if isinstance(zone, exp.Literal) and zone.is_string else None)
    return out


def execute_select(session: Session, ast: exp.Expression) -> ResultSet:
    trino = [t for _, t in analyse(session, ast)]
    planner = Planner(session)
    ast = planner.prepare(name_outputs(ast))
    zones = _zones(ast)
    sql = transpile(ast, session.con)
    con = session.con
    try:
        rel = con.sql(sql)
        names = [c.lower() for c in rel.columns]
        dtypes = list(rel.types)
        if len(trino) != len(names):
            trino = [None] * len(names)
        zones = zones if len(zones) == len(names) else [None] * len(names)
        aliases = ", ".join(f"__c{i}" for i in range(len(names)))
        shown = ", ".join(render.column_sql(f"__c{i}", t, trino[i], zones[i]) for i, t in enumerate(dtypes))
        rows = con.execute(f"SELECT {shown} FROM ({sql}) AS __q({aliases})").fetchall()
    except QueryFailed:
        raise
    except Exception as err:
        if type(err).__name__ == "InterruptException":
            raise
        raise duckdb_error(err) from err
    meta = [render.column_meta(t, trino[i], zones[i]) for i, t in enumerate(dtypes)]
    return ResultSet(names, [m[0] for m in meta], rows, True, [m[1] for m in meta], [m[2] for m in meta])


def explain(session: Session, text: str) -> ResultSet:
    """EXPLAIN [ANALYZE] [(options)] <query>: DuckDB's plan of the query, tables resolved but no object read
    (a plausible plan: Trino's own fragments and costs are not reproduced). Column "Query Plan" as Trino."""
    body = re.sub(r"^\s*EXPLAIN\s+(ANALYZE\s+)?(VERBOSE\s+)?(\([^)]*\)\s*)?", "", text, flags=re.I)
    try:
        ast = sqlglot.parse_one(body, read="athena")
    except sqlglot.errors.ParseError as err:
        raise QueryFailed("SYNTAX_ERROR", f"line 1:1: {str(err).splitlines()[0]}", error_type=1004) from err
    if not isinstance(ast, (exp.Query, exp.Values)):
        raise QueryFailed("NOT_SUPPORTED", f"localaws explains queries only, not: {body[:80]}")
    session.schema_only = True
    try:
        analyse(session, ast)
        sql = transpile(Planner(session).prepare(name_outputs(ast)), session.con)
        rows = session.con.execute(f"EXPLAIN {sql}").fetchall()
    except QueryFailed:
        raise
    except Exception as err:
        raise duckdb_error(err) from err
    finally:
        session.schema_only = False
    return ResultSet.text("Query Plan", [line for r in rows for line in str(r[-1]).splitlines()])


def result_relation(
    session: Session, ast: exp.Expression
) -> tuple[str, list[str], list[str], list[str | None]]:
    """For CTAS/INSERT/views: the query's DuckDB SQL, output names, DuckDB types and Trino types (None
    where localaws cannot infer one); not executed."""
    trino = [t for _, t in analyse(session, ast)]
    planner = Planner(session)
    ast = planner.prepare(name_outputs(ast))
    sql = transpile(ast, session.con)
    try:
        rel = session.con.sql(sql)
        names, types = [c.lower() for c in rel.columns], [str(t) for t in rel.types]
    except Exception as err:
        raise duckdb_error(err) from err
    if len(trino) != len(names):
        trino = [None] * len(names)
    return sql, names, types, trino


def column_types_sql(names: list[str], hive_types: list[str]) -> str:
    return ", ".join(f"{ident(n)} {hive_to_duckdb(t)}" for n, t in zip(names, hive_types, strict=True))
