"""ALTER TABLE beyond partitions: SET TBLPROPERTIES and ADD COLUMNS, as Athena's Hive DDL runs them
(docs.aws.amazon.com/athena/latest/ug/alter-table-set-tblproperties.html, alter-table-add-columns.html).
Other ALTER TABLE forms are refused by name (NOT_SUPPORTED), never ignored."""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp

from localaws.athena.catalog import Catalog, Column
from localaws.athena.ddl import _QNAME, split_qname
from localaws.athena.errors import QueryFailed, ddl_failed
from localaws.athena.results import ResultSet
from localaws.athena.types import normalise_hive

_PROPS = re.compile(r"'((?:[^']|'')*)'\s*=\s*'((?:[^']|'')*)'")


def alter(catalog: Catalog, database: str, sql: str) -> ResultSet | None:
    """Runs SET TBLPROPERTIES / ADD COLUMNS; None when the statement is neither (the caller decides)."""
    m = re.match(
        rf"\s*ALTER\s+TABLE\s+{_QNAME}\s+(SET\s+TBLPROPERTIES|ADD\s+COLUMNS)\s*\((.*)\)\s*$", sql, re.I | re.S
    )
    if not m:
        return None
    db, name = split_qname(m.group(1), database)
    if not catalog.database_exists(db):
        raise ddl_failed(f"SemanticException [Error 10072]: Database does not exist: {db}")
    table = catalog.table_or_none(db, name)
    if table is None or table.is_view:
        raise ddl_failed(f"SemanticException [Error 10001]: Table not found {db}.{name}")
    body = m.group(3)
    if m.group(2).upper().startswith("SET"):
        pairs = _PROPS.findall(body)
        if not pairs:
            raise QueryFailed(
                "SYNTAX_ERROR", f"cannot read TBLPROPERTIES ({body.strip()[:60]})", error_type=1004
            )
        table.parameters.update({k.replace("''", "'"): v.replace("''", "'") for k, v in pairs})
    else:
        try:
            schema = sqlglot.parse_one(f"CREATE EXTERNAL TABLE x ({body})", read="athena").this
        except sqlglot.errors.ParseError as err:
            raise QueryFailed(
                "SYNTAX_ERROR", f"cannot read ADD COLUMNS ({body.strip()[:60]}): {err}", error_type=1004
            ) from err
        existing = {c.name.lower() for c in table.columns + table.partition_keys}
        for c in schema.expressions:
            if not isinstance(c, exp.ColumnDef) or c.args.get("kind") is None:
                continue
            if c.name.lower() in existing:
                raise ddl_failed(f"SemanticException [Error 10036]: Duplicate column name: {c.name.lower()}")
            table.columns.append(Column(c.name.lower(), normalise_hive(c.args["kind"].sql("hive"))))
            existing.add(c.name.lower())
    catalog.create_table(table, replace=True)
    return ResultSet.text("result", [])
