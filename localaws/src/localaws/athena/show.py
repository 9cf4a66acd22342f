"""SHOW and DESCRIBE: the catalogue as Athena's utility statements print it (one varchar column).

Hive's SHOW TABLES/PARTITIONS/COLUMNS/CREATE TABLE and DESCRIBE, and Trino's SHOW VIEWS and SHOW CREATE
VIEW (docs.aws.amazon.com/athena/latest/ug/show-views.html, show-create-view.html); sqlglot reads
none of them into a usable AST, so the regexes below do.
"""

from __future__ import annotations

import fnmatch
import re

from localaws.athena import catalog as cat
from localaws.athena.catalog import Catalog, Column, Table
from localaws.athena.ddl import _NAME, _QNAME, _unquote_name, split_qname, table_for_ddl
from localaws.athena.errors import QueryFailed, ddl_failed
from localaws.athena.results import ResultSet
from localaws.athena.views import view_sql


class Show:
    def __init__(self, catalog: Catalog, database: str):
        self.catalog = catalog
        self.database = database

    def show(self, sql: str) -> ResultSet:
        text = sql.strip().rstrip(";").strip()
        m = re.match(rf"SHOW\s+PARTITIONS\s+{_QNAME}$", text, re.I)
        if m:
            table = table_for_ddl(self.catalog, *split_qname(m.group(1), self.database))
            if not table.partition_keys:
                raise ddl_failed(
                    f"SemanticException [Error 10241]: Table {table.name} is not a partitioned table"
                )
            keys = [k.name for k in table.partition_keys]
            lines = sorted(
                "/".join(f"{k}={v}" for k, v in zip(keys, p.values, strict=True))
                for p in self.catalog.partitions(table)
            )
            return ResultSet.text("partition", lines)
        m = re.match(
            rf"SHOW\s+TABLES(?:\s+(?:IN|FROM)\s+({_NAME}))?(?:\s+(?:LIKE\s+)?'([^']*)')?$", text, re.I
        )
        if m:
            db = _unquote_name(m.group(1)) if m.group(1) else self.database
            if not self.catalog.database_exists(db):
                raise ddl_failed(f"SemanticException [Error 10072]: Database does not exist: {db}")
            names = sorted(t["Name"].lower() for t in self.catalog.tables(db))
            return ResultSet.text("tab_name", _like(names, m.group(2)))
        m = re.match(r"SHOW\s+(?:DATABASES|SCHEMAS)(?:\s+(?:LIKE\s+)?'([^']*)')?$", text, re.I)
        if m:
            names = sorted(d["Name"].lower() for d in self.catalog.databases())
            return ResultSet.text("database_name", _like(names, m.group(1)))
        m = re.match(rf"SHOW\s+COLUMNS\s+(?:IN|FROM)\s+{_QNAME}(?:\s+(?:IN|FROM)\s+({_NAME}))?$", text, re.I)
        if m:
            db, name = split_qname(m.group(1), self.database)
            if m.group(2):
                db = _unquote_name(m.group(2))
            table = table_for_ddl(self.catalog, db, name)
            return ResultSet.text("field", [c.name for c in table.columns + table.partition_keys])
        m = re.match(rf"SHOW\s+CREATE\s+TABLE\s+{_QNAME}$", text, re.I)
        if m:
            table = table_for_ddl(self.catalog, *split_qname(m.group(1), self.database))
            return ResultSet.text("createtab_stmt", show_create(table).split("\n"))
        m = re.match(
            rf"SHOW\s+VIEWS(?:\s+(?:IN|FROM)\s+({_NAME}))?(?:\s+(?:LIKE\s+)?'([^']*)')?$", text, re.I
        )
        if m:
            db = _unquote_name(m.group(1)) if m.group(1) else self.database
            if not self.catalog.database_exists(db):
                raise ddl_failed(f"SemanticException [Error 10072]: Database does not exist: {db}")
            names = sorted(
                t["Name"].lower() for t in self.catalog.tables(db) if t.get("TableType") == "VIRTUAL_VIEW"
            )
            return ResultSet.text("views", _like(names, m.group(2)))
        m = re.match(rf"SHOW\s+CREATE\s+VIEW\s+{_QNAME}$", text, re.I)
        if m:
            db, name = split_qname(m.group(1), self.database)
            view = self.catalog.table_or_none(db, name)
            if view is None:
                raise QueryFailed(
                    "TABLE_NOT_FOUND",
                    f"line 1:1: View '{cat.CATALOG}.{db}.{name}' does not exist",
                    error_type=1301,
                )
            if not view.is_view:
                raise QueryFailed(
                    "NOT_SUPPORTED",
                    f"line 1:1: Relation '{cat.CATALOG}.{db}.{name}' is a table, not a view",
                )
            body = view_sql(view)[0]
            return ResultSet.text(
                "Create View", f"CREATE VIEW {cat.CATALOG}.{db}.{name} AS\n{body}".split("\n")
            )
        raise QueryFailed("NOT_SUPPORTED", f"localaws does not support this SHOW statement: {text[:80]}")

    def describe(self, sql: str) -> ResultSet:
        m = re.match(
            rf"\s*(?:DESCRIBE|DESC)\s+(?:EXTENDED\s+|FORMATTED\s+)?{_QNAME}(?:\s+({_NAME}))?\s*;?\s*$",
            sql,
            re.I,
        )
        if not m:
            raise QueryFailed("SYNTAX_ERROR", f"expected DESCRIBE table: {sql.strip()[:80]}", error_type=1004)
        table = table_for_ddl(self.catalog, *split_qname(m.group(1), self.database))

        def row(c: Column) -> str:
            return (
                f"{c.name:<20} \t{c.type:<20} \t{c.comment or ''}".rstrip(" ")
                if c.comment
                else f"{c.name:<20} \t{c.type:<20} \t"
            )

        if m.group(2):
            wanted = _unquote_name(m.group(2))
            cols = [c for c in table.columns + table.partition_keys if c.name.lower() == wanted]
            if not cols:
                raise ddl_failed(f"SemanticException [Error 10002]: Invalid column reference {wanted}")
            return ResultSet.text("col_name", [row(cols[0])])
        lines = [row(c) for c in table.columns + table.partition_keys]
        if table.partition_keys:
            lines += ["", "# Partition Information", f"{'# col_name':<20} \t{'data_type':<20} \tcomment", ""]
            lines += [row(c) for c in table.partition_keys]
        return ResultSet.text("col_name", lines)


def _like(names: list[str], pattern: str | None) -> list[str]:
    """Hive SHOW patterns: '*' wildcard, '|' alternatives, case-insensitive."""
    if not pattern:
        return names
    alts = [p.strip().lower() for p in pattern.split("|")]
    return [n for n in names if any(fnmatch.fnmatchcase(n, a) for a in alts)]


def show_create(table: Table) -> str:
    cols = ",\n".join(f"  `{c.name}` {c.type}" for c in table.columns)
    out = [f"CREATE EXTERNAL TABLE `{table.database}`.`{table.name}`(", cols, ")"]
    if table.partition_keys:
        out.append(
            "PARTITIONED BY ( \n" + ",\n".join(f"  `{c.name}` {c.type}" for c in table.partition_keys) + ")"
        )
    out.append("ROW FORMAT SERDE ")
    out.append(f"  '{table.serde}' ")
    if table.serde_params:
        out.append("WITH SERDEPROPERTIES ( ")
        out.append(",\n".join(f"  '{k}'='{v}'" for k, v in table.serde_params.items()) + ") ")
    out += [
        "STORED AS INPUTFORMAT ",
        f"  '{table.input_format}' ",
        "OUTPUTFORMAT ",
        f"  '{table.output_format}'",
        "LOCATION",
        f"  '{table.location}'",
    ]
    if table.parameters:
        out.append("TBLPROPERTIES (")
        out.append(",\n".join(f"  '{k}'='{v}'" for k, v in table.parameters.items()) + ")")
    return "\n".join(out)
