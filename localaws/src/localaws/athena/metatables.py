"""Tables that hold the catalogue itself: ``information_schema`` and a table's ``"t$partitions"``.

Trino answers both from the metastore (trino.io/docs/current/connector/hive.html, "Table properties
... $partitions"; trino.io/docs/current/language/sql-support.html, information_schema; Athena lists
the same in docs.aws.amazon.com/athena/latest/ug/querying-glue-catalog.html). Here they become DuckDB
relations built from the Glue catalog when a query names them, so they filter, join and aggregate like
any table.
"""

from __future__ import annotations

from localaws.athena.catalog import CATALOG, Catalog, Table
from localaws.athena.sqltext import literal
from localaws.athena.trino_types import from_hive
from localaws.athena.types import hive_to_duckdb
from localaws.athena.views import view_sql

SCHEMA = "information_schema"
PARTITIONS = "$partitions"

# name -> [(column, Trino type)]: what the type layer and SELECT * see.
COLUMNS: dict[str, list[tuple[str, str]]] = {
    "schemata": [("catalog_name", "varchar"), ("schema_name", "varchar")],
    "tables": [
        ("table_catalog", "varchar"),
        ("table_schema", "varchar"),
        ("table_name", "varchar"),
        ("table_type", "varchar"),
    ],
    "columns": [
        ("table_catalog", "varchar"),
        ("table_schema", "varchar"),
        ("table_name", "varchar"),
        ("column_name", "varchar"),
        ("ordinal_position", "bigint"),
        ("column_default", "varchar"),
        ("is_nullable", "varchar"),
        ("data_type", "varchar"),
        ("comment", "varchar"),
        ("extra_info", "varchar"),
    ],
    "views": [
        ("table_catalog", "varchar"),
        ("table_schema", "varchar"),
        ("table_name", "varchar"),
        ("view_definition", "varchar"),
    ],
}
_DUCK = {"varchar": "VARCHAR", "bigint": "BIGINT"}


def _relation(name: str, rows: list[tuple]) -> str:
    cols = COLUMNS[name]
    typed = ", ".join(f'CAST(NULL AS {_DUCK[t]}) AS "{c}"' for c, t in cols)
    if not rows:
        return f"SELECT {typed} WHERE false"
    values = ", ".join(
        "("
        + ", ".join("NULL" if v is None else str(v) if isinstance(v, int) else literal(v) for v in row)
        + ")"
        for row in rows
    )
    names = ", ".join(f'"{c}"' for c, _ in cols)
    casts = ", ".join(f'CAST("{c}" AS {_DUCK[t]}) AS "{c}"' for c, t in cols)
    return f"SELECT {casts} FROM (VALUES {values}) AS v({names})"


def _tables(catalog: Catalog) -> list[Table]:
    out = []
    for db in sorted(d["Name"].lower() for d in catalog.databases()):
        for raw in sorted(catalog.tables(db), key=lambda t: t["Name"].lower()):
            table = catalog.table_or_none(db, raw["Name"])
            if table is not None:
                out.append(table)
    return out


def information_schema_sql(catalog: Catalog, name: str) -> str | None:
    """The DuckDB SELECT of one information_schema table, or None when Trino has no such table."""
    if name not in COLUMNS:
        return None
    if name == "schemata":
        dbs = sorted({d["Name"].lower() for d in catalog.databases()} | {SCHEMA})
        return _relation(name, [(CATALOG, db) for db in dbs])
    tables = _tables(catalog)
    if name == "tables":
        rows = [(CATALOG, t.database, t.name, "VIEW" if t.is_view else "BASE TABLE") for t in tables] + [
            (CATALOG, SCHEMA, n, "BASE TABLE") for n in sorted(COLUMNS)
        ]
        return _relation(name, rows)
    if name == "views":
        return _relation(name, [(CATALOG, t.database, t.name, view_sql(t)[0]) for t in tables if t.is_view])
    rows = []
    for t in tables:
        for i, c in enumerate(t.columns + t.partition_keys, start=1):
            extra = "partition key" if c in t.partition_keys else None
            rows.append(
                (
                    CATALOG,
                    t.database,
                    t.name,
                    c.name,
                    i,
                    None,
                    "YES",
                    from_hive(c.type) or c.type,
                    c.comment,
                    extra,
                )
            )
    return _relation(name, rows)


def partitions_columns(table: Table) -> list[tuple[str, str | None]]:
    return [(k.name.lower(), from_hive(k.type)) for k in table.partition_keys]


def partitions_sql(catalog: Catalog, table: Table) -> str:
    """``"t$partitions"``: one row per partition, one column per partition key, in the keys' types."""
    keys = table.partition_keys
    typed = ", ".join(f'CAST(NULL AS {hive_to_duckdb(k.type)}) AS "{k.name.lower()}"' for k in keys)
    parts = sorted(catalog.partitions(table), key=lambda p: p.values)
    if not parts:
        return f"SELECT {typed} WHERE false"
    values = ", ".join("(" + ", ".join(literal(v) for v in p.values) + ")" for p in parts)
    names = ", ".join(f'"__k{i}"' for i in range(len(keys)))
    casts = ", ".join(
        f'CAST(NULLIF("__k{i}", \'__HIVE_DEFAULT_PARTITION__\') AS {hive_to_duckdb(k.type)}) AS "{k.name.lower()}"'
        for i, k in enumerate(keys)
    )
    return f"SELECT {casts} FROM (VALUES {values}) AS v({names})"
