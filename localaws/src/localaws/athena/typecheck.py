"""Trino's analysis of a query, before anything runs: expression types and the errors Athena raises.

DuckDB coerces where Trino refuses (``action = 1`` compares a varchar with an integer by casting the
varchar at run time), so a query localaws answers could fail on Athena. This walks the sqlglot AST
with the tables' Glue types, infers each expression's Trino type (trino_types.py) and raises what
Athena engine v3 raises at analysis:

* ``TYPE_MISMATCH: line L:C: Cannot apply operator: varchar = integer`` for comparisons and arithmetic
  between types with no common super type (Trino's ExpressionAnalyzer; trinodb/trino#20845, #7334);
* ``FUNCTION_NOT_FOUND: line L:C: Unexpected parameters (varchar(3)) for function abs. Expected: ...``
  for the functions in ``SIGNATURES`` (trinodb/trino: FunctionResolver);
* ``NOT_SUPPORTED: Casting a Timestamp with Time Zone to Timestamp is not supported`` for any cast,
  explicit or implicit (INSERT into a TIMESTAMP column), from timestamp with time zone to timestamp:
  docs.aws.amazon.com/athena/latest/ug/engine-versions-reference-0003.html ("Casting from TimestampTZ
  to Timestamp is not supported").

What it cannot type is ``None`` and is not checked: localaws never refuses what it merely does not know.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlglot import exp

from localaws.athena import trino_types as tt
from localaws.athena.errors import QueryFailed
from localaws.athena.signatures import (
    BOOLEAN,
    CLASS_NAMES,
    SIGNATURES,
    builtin_result,
    fold,
    matches,
    ordered_args,
)

Type = str | None
Columns = list[tuple[str, Type]]
TSTZ_CAST = "Casting a Timestamp with Time Zone to Timestamp is not supported"


def mismatch(message: str) -> QueryFailed:
    return QueryFailed("TYPE_MISMATCH", message, error_type=1301)


@dataclass
class Source:
    name: str  # alias or table name, lower case
    columns: dict[str, Type] | None  # None: unknown source, any column may be in it
    order: list[str] = field(default_factory=list)


@dataclass
class Scope:
    sources: list[Source]
    outer: Scope | None = None
    outputs: dict[str, Type] = field(default_factory=dict)  # select aliases, for ORDER BY

    def column(self, name: str, qualifier: str) -> Type:
        name = name.lower()
        if qualifier:
            for s in self.sources:
                if s.name == qualifier:
                    return None if s.columns is None else s.columns.get(name)
            return self.outer.column(name, qualifier) if self.outer else None
        hits = [s for s in self.sources if s.columns is None or name in s.columns]
        if len(hits) == 1 and hits[0].columns is not None:
            return hits[0].columns[name]
        if not hits and self.outer is not None:
            return self.outer.column(name, qualifier)
        if not hits and name in self.outputs:
            return self.outputs[name]
        return None


_COMPARISONS = {exp.EQ: "=", exp.NEQ: "<>", exp.GT: ">", exp.GTE: ">=", exp.LT: "<", exp.LTE: "<="}
_ARITHMETIC = {exp.Add: "+", exp.Sub: "-", exp.Mul: "*", exp.Div: "/", exp.Mod: "%"}


class Checker:
    """One statement's analysis. ``table_columns(db, name)`` gives a table's (name, Trino type) list, or
    None when the table is unknown (resolution errors are the planner's to raise, with Athena's words)."""

    def __init__(self, sql: str, table_columns: Callable[[str, str], Columns | None]):
        self.sql = sql
        self.table_columns = table_columns

    # ---- positions ---------------------------------------------------------------------------------
    def _where(self, offset: int | None) -> str:
        if offset is None or offset < 0:
            return ""
        line = self.sql.count("\n", 0, offset) + 1
        col = offset - (self.sql.rfind("\n", 0, offset) + 1) + 1
        return f"line {line}:{col}: "

    @staticmethod
    def _span(node: exp.Expression) -> tuple[int | None, int | None]:
        starts, ends = [], []
        for n in node.walk():
            meta = n._meta  # the attribute, not the property: reading must not create a dict per node
            if meta and "start" in meta:
                starts.append(meta["start"])
                ends.append(meta["end"])
        return (min(starts) if starts else None, max(ends) if ends else None)

    def _at_start(self, node: exp.Expression) -> str:
        return self._where(self._span(node)[0])

    def _at_keyword(self, node: exp.Expression, word: str) -> str:
        """Where the keyword opening ``node`` is (sqlglot keeps no position for keywords)."""
        start, _ = self._span(node)
        if start is None:
            return ""
        pos = self.sql.upper().rfind(word, 0, start)
        return self._where(pos if pos >= 0 else start)

    def _at_operator(self, node: exp.Expression, symbol: str) -> str:
        """Trino places a binary operator's error at the operator itself."""
        _, end = self._span(node.this)
        if end is None:
            return self._at_start(node)
        pos = self.sql.find(symbol, end + 1)
        return self._where(pos if pos >= 0 else None)

    # ---- queries -----------------------------------------------------------------------------------
    def query(self, node: exp.Expression, outer: Scope | None = None, ctes: dict | None = None) -> Columns:
        """Checks a query and returns its output columns and types."""
        ctes = dict(ctes or {})
        with_ = node.args.get("with_") or node.args.get("with")
        if with_ is not None:
            for cte in with_.expressions:
                cols = self.query(cte.this, outer, ctes)
                names = [
                    c.name.lower() for c in (cte.args.get("alias").columns if cte.args.get("alias") else [])
                ]
                if names and len(names) == len(cols):
                    cols = [(n, t) for n, (_, t) in zip(names, cols, strict=True)]
                ctes[cte.alias_or_name.lower()] = cols
        if isinstance(node, exp.Subquery):
            return self.query(node.this, outer, ctes)
        if isinstance(node, exp.SetOperation):
            left = self.query(node.this, outer, ctes)
            right = self.query(node.expression, outer, ctes)
            return [
                (n, tt.common(a, b) if a and b else None) for (n, a), (_, b) in zip(left, right, strict=False)
            ]
        if isinstance(node, exp.Values):
            return self._values(node, outer)
        if not isinstance(node, exp.Select):
            return []
        scope = Scope(self._sources(node, outer, ctes), outer)
        for join in node.args.get("joins") or []:
            if join.args.get("on") is not None:
                self.expr(join.args["on"], scope, ctes)
        where = node.args.get("where")
        if where is not None:
            t = self.expr(where.this, scope, ctes)
            if t is not None and t not in ("boolean", tt.UNKNOWN):
                raise mismatch(
                    f"{self._at_start(where.this)}WHERE clause must evaluate to a boolean: actual type {t}"
                )
        out: Columns = []
        for i, proj in enumerate(node.expressions):
            if isinstance(proj, exp.Star) or (
                isinstance(proj, exp.Column) and isinstance(proj.this, exp.Star)
            ):
                qual = proj.table.lower() if isinstance(proj, exp.Column) else ""
                for s in scope.sources:
                    if qual and s.name != qual:
                        continue
                    if s.columns is None:
                        out.append(("*", None))
                    else:
                        out.extend((c, s.columns[c]) for c in s.order)
                continue
            t = self.expr(proj, scope, ctes)
            name = proj.alias_or_name.lower() if isinstance(proj, (exp.Alias, exp.Column)) else f"_col{i}"
            out.append((name, t))
            scope.outputs[name] = t
        for key in ("group", "having", "order", "qualify"):
            part = node.args.get(key)
            if part is not None:
                for e in part.expressions if key in ("group", "order") else [part.this]:
                    self.expr(e, scope, ctes)
        return out

    def _values(self, node: exp.Values, outer: Scope | None) -> Columns:
        rows = [r.expressions if isinstance(r, exp.Tuple) else [r] for r in node.expressions]
        scope = Scope([], outer)
        types: list[Type] = []
        for row in rows:
            ts = [self.expr(e, scope, {}) for e in row]
            types = (
                ts
                if not types
                else [tt.common(a, b) if a and b else None for a, b in zip(types, ts, strict=False)]
            )
        alias = node.args.get("alias")
        names = [c.name.lower() for c in alias.columns] if alias is not None and alias.columns else []
        return [(names[i] if i < len(names) else f"_col{i}", t) for i, t in enumerate(types)]

    def _sources(self, select: exp.Select, outer: Scope | None, ctes: dict) -> list[Source]:
        nodes = []
        frm = select.args.get("from_") or select.args.get("from")
        if frm is not None:
            nodes.append(frm.this)
        nodes += [j.this for j in select.args.get("joins") or []]
        return [self._source(n, outer, ctes) for n in nodes]

    def _source(self, node: exp.Expression, outer: Scope | None, ctes: dict) -> Source:
        alias = node.args.get("alias")
        alias_name = alias.name.lower() if isinstance(alias, exp.TableAlias) and alias.name else ""
        renames = [c.name.lower() for c in alias.columns] if isinstance(alias, exp.TableAlias) else []
        cols: Columns | None = None
        if isinstance(node, exp.Table) and isinstance(node.this, exp.Identifier):
            name = node.name.lower()
            if not node.args.get("db") and name in ctes:
                cols = ctes[name]
            else:
                cols = self.table_columns((node.db or "").lower(), name)
            alias_name = alias_name or name
        elif isinstance(node, exp.Subquery):
            cols = self.query(node.this, outer, ctes)
        elif isinstance(node, exp.Values):
            cols = self._values(node, outer)
        elif isinstance(node, exp.Unnest):
            cols = []
            scope = Scope([], outer)
            for e in node.expressions:
                t = self.expr(e, scope, ctes)
                if t is not None and tt.base(t) == "array":
                    el = tt.inner(t)[0]
                    if tt.base(el) == "row":
                        cols += [(f.split(" ", 1)[0], f.split(" ", 1)[1]) for f in tt.inner(el)]
                    else:
                        cols.append((f"_col{len(cols)}", el))
                elif t is not None and tt.base(t) == "map":
                    k, v = tt.inner(t)
                    cols += [(f"_col{len(cols)}", k), (f"_col{len(cols) + 1}", v)]
                else:
                    cols.append((f"_col{len(cols)}", None))
            if node.args.get("offset"):
                cols.append((f"_col{len(cols)}", "bigint"))
        if cols is None or any(n == "*" for n, _ in cols):
            return Source(alias_name, None)
        if renames and len(renames) == len(cols):
            cols = [(n, t) for n, (_, t) in zip(renames, cols, strict=True)]
        # hidden columns ("$path") resolve by name but are not part of SELECT *
        return Source(alias_name, {n: t for n, t in cols}, [n for n, _ in cols if not n.startswith("$")])

    # ---- expressions -------------------------------------------------------------------------------
    def expr(self, node: exp.Expression, scope: Scope, ctes: dict) -> Type:
        if isinstance(node, (exp.Alias, exp.Paren, exp.Ordered)):
            return self.expr(node.this, scope, ctes)
        if isinstance(node, exp.Literal):
            return _literal(node)
        if isinstance(node, exp.Boolean):
            return "boolean"
        if isinstance(node, exp.Null):
            return tt.UNKNOWN
        if isinstance(node, exp.Column):
            if isinstance(node.this, exp.Star):
                return None
            return scope.column(node.name, node.table.lower())
        if isinstance(node, (exp.Subquery, exp.Select)) and not isinstance(node.parent, exp.In):
            cols = self.query(node, scope, ctes)
            return cols[0][1] if len(cols) == 1 else None
        if isinstance(node, (exp.Cast, exp.TryCast)):
            return self._cast(node, scope, ctes)
        kids = {k: v for k, v in node.args.items() if isinstance(v, exp.Expression)}
        if type(node) in _COMPARISONS:
            a, b = self.expr(node.this, scope, ctes), self.expr(node.expression, scope, ctes)
            if not tt.comparable(a, b):
                op = _COMPARISONS[type(node)]
                raise mismatch(f"{self._at_operator(node, op)}Cannot apply operator: {a} {op} {b}")
            return "boolean"
        if type(node) in _ARITHMETIC:
            return self._arithmetic(node, scope, ctes)
        if isinstance(node, exp.Between):
            a = self.expr(node.this, scope, ctes)
            for side in ("low", "high"):
                b = self.expr(node.args[side], scope, ctes)
                if not tt.comparable(a, b):
                    raise mismatch(f"{self._at_start(node)}Cannot check if {a} is BETWEEN {b} and {b}")
            return "boolean"
        if isinstance(node, exp.In):
            a = self.expr(node.this, scope, ctes)
            query = node.args.get("query")
            if query is not None:
                self.query(query.this if isinstance(query, exp.Subquery) else query, scope, ctes)
            for e in node.expressions:
                b = self.expr(e, scope, ctes)
                if not tt.comparable(a, b):
                    raise mismatch(
                        f"{self._at_start(e)}IN value and list items must be the same type: {tt.base(a) if a else a}"
                    )
            return "boolean"
        if isinstance(node, (exp.Like, exp.ILike)):
            a = self.expr(node.this, scope, ctes)
            self.expr(node.expression, scope, ctes)
            if a is not None and tt.family(a) != "text" and a != tt.UNKNOWN:
                raise mismatch(
                    f"{self._at_start(node)}Left side of LIKE expression must evaluate to a varchar (actual: {a})"
                )
            return "boolean"
        if isinstance(node, (exp.And, exp.Or)):
            for side in (node.this, node.expression):
                t = self.expr(side, scope, ctes)
                if t is not None and t not in ("boolean", tt.UNKNOWN):
                    which = "Left" if side is node.this else "Right"
                    raise mismatch(
                        f"{self._at_start(side)}{which} side of logical expression must evaluate to a boolean "
                        f"(actual: {t})"
                    )
            return "boolean"
        if isinstance(node, exp.Not):
            t = self.expr(node.this, scope, ctes)
            if t is not None and t not in ("boolean", tt.UNKNOWN):
                raise mismatch(
                    f"{self._at_start(node)}Value of logical NOT expression must evaluate to a boolean (actual: {t})"
                )
            return "boolean"
        if isinstance(node, exp.Case):  # a Func to sqlglot: before the function rules
            for v in kids.values():
                self.expr(v, scope, ctes)
            results = [self.expr(i.args["true"], scope, ctes) for i in node.args.get("ifs") or []]
            for i in node.args.get("ifs") or []:
                self.expr(i.this, scope, ctes)
            if node.args.get("default") is not None:
                results.append(self.expr(node.args["default"], scope, ctes))
            out = fold(results)
            if out is None and results and all(t is not None for t in results):
                shown = list(dict.fromkeys(t for t in results if t != tt.UNKNOWN))
                raise mismatch(
                    f"{self._at_keyword(node, 'CASE')}All CASE results must be the same type or coercible to a common "
                    f"type. Cannot find common type between {shown[0]} and {shown[1]}, all types (without "
                    f"duplicates): [{', '.join(shown)}]"
                )
            return out
        if isinstance(node, exp.Func):
            return self._function(node, scope, ctes)
        if isinstance(node, exp.Neg):
            return self.expr(node.this, scope, ctes)
        if isinstance(node, exp.Interval):
            unit = (node.text("unit") or "").lower()
            return (
                "interval year to month" if unit.startswith(("year", "month")) else "interval day to second"
            )
        if isinstance(node, exp.AtTimeZone):
            self.expr(node.this, scope, ctes)
            return tt.TSTZ
        for v in node.iter_expressions():
            self.expr(v, scope, ctes)
        if isinstance(node, BOOLEAN):
            return "boolean"
        return None

    def _cast(self, node: exp.Cast, scope: Scope, ctes: dict) -> Type:
        src = self.expr(node.this, scope, ctes)
        dst = tt.from_datatype(node.to) if isinstance(node.to, exp.DataType) else None
        if src is not None and dst is not None and tt.base(src) == "timestamp with time zone":
            if tt.base(dst) == "timestamp":
                raise QueryFailed("NOT_SUPPORTED", TSTZ_CAST)
        return dst

    def _arithmetic(self, node: exp.Expression, scope: Scope, ctes: dict) -> Type:
        a, b = self.expr(node.this, scope, ctes), self.expr(node.expression, scope, ctes)
        op = _ARITHMETIC[type(node)]
        if a is None or b is None:
            return None
        if tt.UNKNOWN in (a, b):
            return b if a == tt.UNKNOWN else a
        fa, fb = tt.family(a), tt.family(b)
        if fa == fb == "number":
            return _numeric_result(a, b, op)
        if fa == "datetime" and tt.base(b).startswith("interval") and op in "+-":
            return a
        if fb == "datetime" and tt.base(a).startswith("interval") and op == "+":
            return b
        if fa == fb and tt.base(a).startswith("interval") and tt.base(b) == tt.base(a) and op in "+-":
            return a
        if tt.base(a).startswith("interval") and fb == "number" and op in "*/":
            return a
        if fa == fb == "datetime" and op == "-" and tt.base(a) == tt.base(b) != "date":
            return "interval day to second"
        raise mismatch(f"{self._at_operator(node, op)}Cannot apply operator: {a} {op} {b}")

    def _function(self, node: exp.Func, scope: Scope, ctes: dict) -> Type:
        if isinstance(node, exp.Anonymous):
            name = node.name.lower()
            args = node.expressions
        else:
            name = CLASS_NAMES.get(type(node), "")
            args = [v for v in node.args.values() if isinstance(v, exp.Expression)]
            args += [
                e
                for v in node.args.values()
                if isinstance(v, list)
                for e in v
                if isinstance(e, exp.Expression)
            ]
            if name:
                args = [a for a in ordered_args(node) if a is not None]
        types = [self.expr(a, scope, ctes) for a in args]
        if name in SIGNATURES:
            overloads, result, expected = SIGNATURES[name]
            if all(t is not None for t in types):
                if not any(matches(types, o) for o in overloads):
                    shown = ", ".join(str(t) for t in types)
                    raise QueryFailed(
                        "FUNCTION_NOT_FOUND",
                        f"{self._at_start(node)}Unexpected parameters ({shown}) for function {name}. "
                        f"Expected: {expected}",
                    )
                return result(types)
            return result(types) if name not in ("abs",) else None
        this = node.args.get("this")
        typed_this = self.expr(this, scope, ctes) if isinstance(this, exp.Expression) else None
        return builtin_result(node, name, types, typed_this)


def _numeric_result(a: str, b: str, op: str) -> str:
    da, db = tt.decimal_of(a), tt.decimal_of(b)
    if tt.base(a) in tt.INTEGERS and tt.base(b) in tt.INTEGERS:
        return tt.common(a, b) or "bigint"
    if "double" in (tt.base(a), tt.base(b)) or "real" in (tt.base(a), tt.base(b)):
        return tt.common(a, b) or "double"
    if da and db:
        (p1, s1), (p2, s2) = da, db
        if op in "+-":
            s = max(s1, s2)
            return f"decimal({min(38, max(p1 - s1, p2 - s2) + s + 1)},{s})"
        if op == "*":
            return f"decimal({min(38, p1 + p2)},{s1 + s2})"
        s = max(s1, s2)
        return f"decimal({min(38, p1 - s1 + s2 + s)},{s})"
    return "double"


def _literal(node: exp.Literal) -> str:
    if node.is_string:
        return f"varchar({len(node.this)})"
    text = node.this
    if re.fullmatch(r"\d+", text):
        value = int(text)
        return "integer" if value <= 2**31 - 1 else "bigint" if value <= 2**63 - 1 else "decimal(38,0)"
    if "e" in text.lower():
        return "double"
    whole, _, frac = text.partition(".")
    digits = len(whole.lstrip("0")) + len(frac)
    return f"decimal({max(digits, 1)},{len(frac)})"


def check_insert(target: list[tuple[str, Type]], query: list[Type], where: str = "") -> None:
    """Trino's INSERT: each query column must coerce to its target column's type."""
    for (_name, dst), src in zip(target, query, strict=False):
        if src is not None and dst is not None and tt.base(src) == "timestamp with time zone":
            if tt.base(dst) == "timestamp":
                raise QueryFailed("NOT_SUPPORTED", TSTZ_CAST)
    if any(not tt.can_coerce(src, dst) for (_n, dst), src in zip(target, query, strict=False)):
        table = ", ".join(str(t) for _, t in target)
        shown = ", ".join(str(t) for t in query)
        raise mismatch(f"{where}Insert query has mismatched column types: Table: [{table}], Query: [{shown}]")
