"""Partition pruning: which of a table's partitions a query's WHERE clause can need.

The WHERE conjuncts that use only a table's partition keys are evaluated by DuckDB over the list of
partition values (so any expression DuckDB can evaluate prunes, including the blog's
``date_parse(...) >= date_trunc('hour', current_timestamp - interval '2' hour)``); a predicate it cannot
evaluate alone keeps every partition, and never disturbs the query itself.
"""

from __future__ import annotations

from typing import Any

import sqlglot
from sqlglot import exp

from localaws.athena.catalog import Partition, Table
from localaws.athena.sqltext import ident, literal
from localaws.athena.types import hive_to_duckdb


def _conjuncts(where: exp.Expression | None) -> list[exp.Expression]:
    if where is None:
        return []
    node = where.this if isinstance(where, exp.Where) else where
    return list(node.flatten()) if isinstance(node, exp.And) else [node]


def _enclosing_select(table: exp.Table) -> exp.Select | None:
    parent = table.parent
    if isinstance(parent, (exp.From, exp.Join)) and isinstance(parent.parent, exp.Select):
        return parent.parent
    return None


def _sources(select: exp.Select) -> list[exp.Expression]:
    out = []
    if select.args.get("from_") is not None or select.args.get("from") is not None:
        frm = select.args.get("from_") or select.args.get("from")
        out.append(frm.this)
    for j in select.args.get("joins") or []:
        out.append(j.this)
    return out


def partition_predicates(table: exp.Table, keys: set[str], database: str) -> list[exp.Expression] | None:
    """Conjuncts of the enclosing WHERE that only use this table's partition keys; None = no pruning."""
    select = _enclosing_select(table)
    if select is None:
        return None
    sources = _sources(select)
    names = {table.alias_or_name.lower(), table.name.lower()}
    usable = []
    for conj in _conjuncts(select.args.get("where")):
        if conj.find(exp.Select, exp.Subquery, exp.AggFunc, exp.Window):
            continue
        cols = list(conj.find_all(exp.Column))
        if not cols:
            continue
        ok = True
        for c in cols:
            qual = c.table.lower()
            schema = c.args.get("db")
            if (
                c.name.lower() not in keys
                or (qual and qual not in names)
                or (not qual and len(sources) > 1)
                # SQLAlchemy qualifies columns with the schema too: db.table.col prunes like table.col
                or (schema is not None and schema.name.lower() != (table.db or database).lower())
            ):
                ok = False
                break
        if ok:
            usable.append(conj)
    return usable or None


def equalities(refs: list[exp.Table], keys: set[str], database: str) -> dict[str, list[str]]:
    """Literal values the WHERE clause gives each partition key (``k = 'v'``, ``k IN ('a', 'b')``):
    an injected projection's partitions."""
    out: dict[str, list[str]] = {}
    for ref in refs:
        for conj in partition_predicates(ref, keys, database) or []:
            if isinstance(conj, exp.EQ):
                col, val = (conj.this, conj.expression)
                if isinstance(val, exp.Column):
                    col, val = val, col
                values = [val]
            elif isinstance(conj, exp.In) and not conj.args.get("query"):
                col, values = conj.this, conj.expressions
            else:
                continue
            if isinstance(col, exp.Column) and all(isinstance(v, exp.Literal) for v in values):
                out.setdefault(col.name.lower(), []).extend(v.this for v in values)
    return out


def evaluate(con: Any, table: Table, parts: list[Partition], preds: list[exp.Expression]) -> set[int] | None:
    """Indexes of the partitions the predicates keep, or None when DuckDB cannot evaluate them alone.

    Runs on a cursor of its own: a failing statement on the query's connection would abort its
    transaction ("Current transaction is aborted"). The transaction's clock is handed over as
    literals, so pruning and the query agree on current_timestamp."""
    cond = exp.and_(*[p.copy() for p in preds])
    for c in list(cond.find_all(exp.Column)):
        c.replace(exp.column(c.name.lower(), quoted=True))
    now = con.execute("SELECT current_timestamp::VARCHAR").fetchall()[0][0]
    clock = {
        exp.CurrentTimestamp: f"CAST('{now}' AS TIMESTAMPTZ)",
        exp.Localtimestamp: f"CAST(CAST('{now}' AS TIMESTAMPTZ) AS TIMESTAMP)",
        exp.CurrentDate: f"CAST(CAST('{now}' AS TIMESTAMPTZ) AS DATE)",
        exp.CurrentTime: f"CAST(CAST('{now}' AS TIMESTAMPTZ) AS TIME)",
    }
    cond = cond.transform(
        lambda n: sqlglot.parse_one(clock[type(n)], read="duckdb") if type(n) in clock else n
    )
    sql = cond.sql("duckdb")
    cols = ", ".join(f"{ident(k.name.lower())} {hive_to_duckdb(k.type)}" for k in table.partition_keys)
    rows = []
    for i, p in enumerate(parts):
        vals = [
            "NULL"
            if v == "__HIVE_DEFAULT_PARTITION__"
            else f"TRY_CAST({literal(v)} AS {hive_to_duckdb(k.type)})"
            for k, v in zip(table.partition_keys, p.values, strict=False)
        ]
        rows.append(f"({i}, {', '.join(vals)})")
    cursor = con.cursor()
    try:
        cursor.execute("SET TimeZone='UTC'")
        cursor.execute("SET integer_division=true")
        cursor.execute(f"CREATE TEMP TABLE __partitions (__idx INTEGER, {cols})")
        for start in range(0, len(rows), 1000):
            cursor.execute(f"INSERT INTO __partitions VALUES {', '.join(rows[start : start + 1000])}")
        return {r[0] for r in cursor.execute(f"SELECT __idx FROM __partitions WHERE {sql}").fetchall()}
    except Exception:
        return None  # a predicate DuckDB cannot evaluate alone: read every partition, stay correct
    finally:
        cursor.close()
