"""The Glue Data Catalog as Athena uses it: moto's glue backend in this process.

Writing through the backend (not HTTP) means ``boto3.client("glue").get_partitions`` sees exactly
what Athena DDL created, with no second copy of the catalog to drift.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from localaws.athena.errors import QueryFailed, schema_not_found, table_not_found

CATALOG = "awsdatacatalog"

REGEX_SERDE = "org.apache.hadoop.hive.serde2.RegexSerDe"
LAZY_SIMPLE_SERDE = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
TEXT_INPUT = "org.apache.hadoop.mapred.TextInputFormat"
TEXT_OUTPUT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
PARQUET_INPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
PARQUET_OUTPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"


@dataclass
class Column:
    name: str
    type: str  # Hive spelling, as Glue stores it
    comment: str | None = None

    def glue(self) -> dict[str, Any]:
        out = {"Name": self.name, "Type": self.type}
        if self.comment:
            out["Comment"] = self.comment
        return out


@dataclass
class Table:
    database: str
    name: str
    columns: list[Column]
    partition_keys: list[Column] = field(default_factory=list)
    location: str = ""
    serde: str = LAZY_SIMPLE_SERDE
    serde_params: dict[str, str] = field(default_factory=dict)
    input_format: str = TEXT_INPUT
    output_format: str = TEXT_OUTPUT
    parameters: dict[str, str] = field(default_factory=dict)
    table_type: str = "EXTERNAL_TABLE"
    view_sql: str | None = None  # for VIRTUAL_VIEW

    @property
    def is_view(self) -> bool:
        return self.table_type == "VIRTUAL_VIEW"

    @property
    def is_parquet(self) -> bool:
        return "parquet" in self.serde.lower() or "parquet" in self.input_format.lower()

    def glue_input(self) -> dict[str, Any]:
        table_input: dict[str, Any] = {
            "Name": self.name,
            "TableType": self.table_type,
            "Parameters": dict(self.parameters),
            "PartitionKeys": [c.glue() for c in self.partition_keys],
            "StorageDescriptor": {
                "Columns": [c.glue() for c in self.columns],
                "Location": self.location,
                "InputFormat": self.input_format,
                "OutputFormat": self.output_format,
                "Compressed": False,
                "NumberOfBuckets": -1,
                "SerdeInfo": {"SerializationLibrary": self.serde, "Parameters": dict(self.serde_params)},
                "BucketColumns": [],
                "SortColumns": [],
                "StoredAsSubDirectories": False,
            },
        }
        if self.is_view:
            table_input["ViewOriginalText"] = self.view_sql or ""
            table_input["ViewExpandedText"] = "/* Presto View */"
            table_input["StorageDescriptor"]["SerdeInfo"] = {}
        return table_input

    @classmethod
    def from_glue(cls, database: str, data: dict[str, Any]) -> Table:
        sd = data.get("StorageDescriptor") or {}
        serde = sd.get("SerdeInfo") or {}
        return cls(
            database=database,
            name=data["Name"],
            columns=[
                Column(c["Name"], c.get("Type", "string"), c.get("Comment")) for c in sd.get("Columns", [])
            ],
            partition_keys=[
                Column(c["Name"], c.get("Type", "string"), c.get("Comment"))
                for c in data.get("PartitionKeys") or []
            ],
            location=sd.get("Location", ""),
            serde=serde.get("SerializationLibrary", LAZY_SIMPLE_SERDE) or LAZY_SIMPLE_SERDE,
            serde_params=dict(serde.get("Parameters") or {}),
            input_format=sd.get("InputFormat", TEXT_INPUT) or TEXT_INPUT,
            output_format=sd.get("OutputFormat", TEXT_OUTPUT) or TEXT_OUTPUT,
            parameters=dict(data.get("Parameters") or {}),
            table_type=data.get("TableType") or "EXTERNAL_TABLE",
            view_sql=data.get("ViewOriginalText"),
        )


@dataclass
class Partition:
    values: list[str]
    location: str
    created: Any = None


class Catalog:
    """Databases, tables and partitions of one account and region, in moto's Glue."""

    # moto's glue backend is not thread-safe and queries run on a worker pool.
    _lock = threading.RLock()

    def __init__(self, account_id: str, region: str):
        self.account_id = account_id
        self.region = region

    @property
    def glue(self) -> Any:
        from moto.glue.models import glue_backends

        return glue_backends[self.account_id][self.region]

    # Glue names are case-insensitive for Athena; moto keeps whatever case a boto3 caller used.
    def _db(self, name: str) -> Any:
        dbs = self.glue.databases
        found = dbs.get(name.lower()) or dbs.get(name)
        if found is None:
            found = next((d for n, d in dbs.items() if n.lower() == name.lower()), None)
        return found

    def _tbl(self, db: str, name: str) -> Any:
        database = self._db(db)
        if database is None:
            return None
        tables = database.tables
        found = tables.get(name.lower()) or tables.get(name)
        if found is None:
            found = next((t for n, t in tables.items() if n.lower() == name.lower()), None)
        return found

    # --- databases -------------------------------------------------------------------------------
    def database_exists(self, name: str) -> bool:
        self.ensure_default_database()
        with self._lock:
            return self._db(name) is not None

    def ensure_default_database(self) -> None:
        """Athena always has a ``default`` database."""
        with self._lock:
            if "default" not in self.glue.databases:
                self.glue.create_database(
                    "default", {"Name": "default", "Description": "Default Hive database"}
                )

    def databases(self) -> list[dict[str, Any]]:
        self.ensure_default_database()
        with self._lock:
            return [db.as_dict() for db in self.glue.get_databases()]

    def database(self, name: str) -> dict[str, Any] | None:
        self.ensure_default_database()
        with self._lock:
            db = self._db(name)
            return db.as_dict() if db is not None else None

    def create_database(
        self,
        name: str,
        if_not_exists: bool,
        description: str = "",
        location: str = "",
        properties: dict[str, str] | None = None,
    ) -> None:
        name = name.lower()
        with self._lock:
            if name in self.glue.databases:
                if if_not_exists:
                    return
                raise QueryFailed(None, f"FAILED: AlreadyExistsException Database {name} already exists")
            db_input: dict[str, Any] = {"Name": name, "Parameters": dict(properties or {})}
            if description:
                db_input["Description"] = description
            if location:
                db_input["LocationUri"] = location
            self.glue.create_database(name, db_input)

    def drop_database(self, name: str, if_exists: bool, cascade: bool) -> None:
        name = name.lower()
        with self._lock:
            db = self._db(name)
            if db is None:
                if if_exists:
                    return
                raise QueryFailed(
                    None, f"FAILED: SemanticException [Error 10072]: Database does not exist: {name}"
                )
            if db.tables and not cascade:
                raise QueryFailed(
                    None,
                    f"FAILED: InvalidOperationException Database {name} is not empty. "
                    "One or more tables exist.",
                )
            self.glue.delete_database(db.name)

    # --- tables ----------------------------------------------------------------------------------
    def require_database(self, db: str, where: str = "") -> None:
        self.ensure_default_database()
        if not self.database_exists(db):
            raise schema_not_found(CATALOG, db, where)

    def table(self, db: str, name: str, where: str = "") -> Table:
        self.require_database(db, where)
        with self._lock:
            found = self._tbl(db, name)
            if found is None:
                raise table_not_found(CATALOG, db.lower(), name.lower(), where)
            return Table.from_glue(found.database_name, found.as_dict())

    def table_or_none(self, db: str, name: str) -> Table | None:
        with self._lock:
            found = self._tbl(db, name)
            return Table.from_glue(found.database_name, found.as_dict()) if found is not None else None

    def tables(self, db: str) -> list[dict[str, Any]]:
        self.require_database(db)
        with self._lock:
            return [t.as_dict() for t in self._db(db).tables.values()]

    def create_table(self, table: Table, replace: bool = False) -> None:
        with self._lock:
            self.require_database(table.database)
            existing = self._tbl(table.database, table.name)
            if existing is not None and replace:
                self.glue.update_table(table.database, table.name, table.glue_input())
                return
            self.glue.create_table(table.database, table.name, table.glue_input())

    def drop_table(self, db: str, name: str) -> None:
        with self._lock:
            found = self._tbl(db, name)
            if found is not None:
                self.glue.delete_table(found.database_name, found.name)

    # --- partitions ------------------------------------------------------------------------------
    def partitions(self, table: Table) -> list[Partition]:
        with self._lock:
            raw = self._tbl(table.database, table.name).partitions.values()
            return [
                Partition(
                    list(p.values),
                    (p.partition_input.get("StorageDescriptor") or {}).get("Location", ""),
                    p.creation_time,
                )
                for p in raw
            ]

    def has_partition(self, table: Table, values: list[str]) -> bool:
        with self._lock:
            return str(values) in self._tbl(table.database, table.name).partitions

    def add_partition(self, table: Table, values: list[str], location: str) -> bool:
        """Registers one partition; False when it already exists."""
        part_input = {
            "Values": values,
            "StorageDescriptor": {
                "Columns": [c.glue() for c in table.columns],
                "Location": location,
                "InputFormat": table.input_format,
                "OutputFormat": table.output_format,
                "SerdeInfo": {"SerializationLibrary": table.serde, "Parameters": dict(table.serde_params)},
                "Compressed": False,
                "NumberOfBuckets": -1,
            },
            "Parameters": {},
        }
        with self._lock:
            glue_table = self._tbl(table.database, table.name)
            if str(values) in glue_table.partitions:
                return False
            glue_table.create_partition(part_input)
            return True

    def drop_partition(self, table: Table, values: list[str]) -> bool:
        with self._lock:
            glue_table = self._tbl(table.database, table.name)
            if str(values) not in glue_table.partitions:
                return False
            glue_table.delete_partition(values)
            return True
