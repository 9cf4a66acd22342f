"""GetDatabase, ListDatabases, GetTableMetadata, ListTableMetadata, GetDataCatalog, ListDataCatalogs.

The one data catalog is AwsDataCatalog: the Glue catalog of the region (moto's backend).
"""

from __future__ import annotations

import fnmatch
import time
import uuid
from typing import Any

from localaws.athena.api.paging import next_token, window
from localaws.athena.catalog import Catalog
from localaws.athena.errors import metadata_error
from localaws.athena.store import Region


def entity_not_found() -> Exception:
    """Athena passes Glue's EntityNotFoundException on inside a MetadataException, in the AWS SDK for
    Java's words; PyAthena's SQLAlchemy dialect (has_table) and pandas to_sql look for that code there."""
    return metadata_error(
        "Entity Not Found (Service: AmazonDataCatalog; Status Code: 400; Error Code: "
        f"EntityNotFoundException; Request ID: {uuid.uuid4()}; Proxy: null)"
    )


def _catalog(region: Region, name: str | None) -> Catalog:
    name = name or ""
    if name.lower() != "awsdatacatalog":
        raise metadata_error(f"Catalog {name} not found.")
    return region.catalog()


def GetDatabase(region: Region, body: dict[str, Any]) -> dict[str, Any]:
    name = body.get("DatabaseName") or ""
    db = _catalog(region, body.get("CatalogName")).database(name)
    if db is None:
        raise metadata_error(f"Database {name} not found.")
    return {"Database": _database(db)}


def ListDatabases(region: Region, body: dict[str, Any]) -> dict[str, Any]:
    start, limit = window(body)
    dbs = sorted(_catalog(region, body.get("CatalogName")).databases(), key=lambda d: d["Name"])
    return {
        "DatabaseList": [_database(d) for d in dbs[start : start + limit]],
        **next_token(start, limit, len(dbs)),
    }


def GetTableMetadata(region: Region, body: dict[str, Any]) -> dict[str, Any]:
    catalog = _catalog(region, body.get("CatalogName"))
    db, name = body.get("DatabaseName") or "", body.get("TableName") or ""
    if not catalog.database_exists(db):
        raise metadata_error(f"Database {db} not found.")
    table = catalog.table_or_none(db, name)
    if table is None:
        raise entity_not_found()
    return {"TableMetadata": _table_metadata(catalog, db, name)}


def ListTableMetadata(region: Region, body: dict[str, Any]) -> dict[str, Any]:
    catalog = _catalog(region, body.get("CatalogName"))
    db = body.get("DatabaseName") or ""
    if not catalog.database_exists(db):
        raise metadata_error(f"Database {db} not found.")
    start, limit = window(body)
    names = sorted(t["Name"] for t in catalog.tables(db))
    expression = body.get("Expression")
    if expression:
        pattern = expression.lower().replace(".*", "*")
        names = [n for n in names if fnmatch.fnmatchcase(n.lower(), pattern)]
    return {
        "TableMetadataList": [_table_metadata(catalog, db, n) for n in names[start : start + limit]],
        **next_token(start, limit, len(names)),
    }


def GetDataCatalog(region: Region, body: dict[str, Any]) -> dict[str, Any]:
    _catalog(region, body.get("Name"))
    return {
        "DataCatalog": {
            "Name": "AwsDataCatalog",
            "Type": "GLUE",
            "Description": "",
            "Parameters": {"catalog-id": region.account_id},
        }
    }


def ListDataCatalogs(region: Region, body: dict[str, Any]) -> dict[str, Any]:
    return {"DataCatalogsSummary": [{"CatalogName": "AwsDataCatalog", "Type": "GLUE"}]}


ACTIONS = {
    "GetDatabase": GetDatabase,
    "ListDatabases": ListDatabases,
    "GetTableMetadata": GetTableMetadata,
    "ListTableMetadata": ListTableMetadata,
    "GetDataCatalog": GetDataCatalog,
    "ListDataCatalogs": ListDataCatalogs,
}


def _epoch(value: Any) -> Any:
    return value.timestamp() if hasattr(value, "timestamp") else (value if value is not None else time.time())


def _database(db: dict[str, Any]) -> dict[str, Any]:
    out = {"Name": db["Name"], "Parameters": db.get("Parameters") or {}}
    if db.get("Description"):
        out["Description"] = db["Description"]
    return out


def _table_metadata(catalog: Catalog, db: str, name: str) -> dict[str, Any]:
    table = catalog.table(db, name)
    raw = next((t for t in catalog.tables(db) if t["Name"].lower() == name.lower()), {})
    params = dict(table.parameters)
    if not table.is_view:
        params.update(
            {
                "inputformat": table.input_format,
                "outputformat": table.output_format,
                "location": table.location,
                "serde.serialization.lib": table.serde,
            }
        )
        params.update({f"serde.param.{k}": v for k, v in table.serde_params.items()})
    return {
        "Name": table.name,
        "CreateTime": _epoch(raw.get("CreateTime")),
        "LastAccessTime": _epoch(raw.get("UpdateTime") or raw.get("CreateTime")),
        "TableType": table.table_type,
        "Columns": [c.glue() for c in table.columns],
        "PartitionKeys": [c.glue() for c in table.partition_keys],
        "Parameters": params,
    }
