"""The enrichment's slowly changing dimension tables, written by vpcflow_enrichment (daily, and cheap when
nothing changed): IANA's protocol and service names and the optional geo ranges. Each object carries a fingerprint of what it was
built from (S3 object metadata), so a run writes nothing unless the source changed."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from vpcflow.enrichment import geo, names, tables
from vpcflow.model.config import StackConfig
from vpcflow.provision.common import Result, get_or_none

# Bump when the rows built from the same source change shape (buckets, columns): forces a rewrite.
ROWS_VERSION = "1"


def _fingerprint(*parts: bytes | str) -> str:
    digest = hashlib.sha256(ROWS_VERSION.encode())
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
    return digest.hexdigest()


def _file_bytes(path: Any) -> bytes:
    return path.read_bytes() if path.is_file() else b"absent"


def ensure_dimension(
    s3: Any,
    config: StackConfig,
    table: tables.DimensionTable,
    fingerprint: str,
    rows: Callable[[], Iterable[Mapping[str, Any]]],
) -> Result:
    """The table's object, rewritten only when ``fingerprint`` differs from the stored one."""
    bucket, _, prefix = table.location(config).removeprefix("s3://").partition("/")
    key = f"{prefix}{tables.DATA_KEY}"
    head = get_or_none(lambda: s3.head_object(Bucket=bucket, Key=key))
    uri = f"s3://{bucket}/{key}"
    if head is not None and head.get("Metadata", {}).get("fingerprint") == fingerprint:
        return Result("unchanged", uri)
    key = (table.name, fingerprint)
    if key not in _BUILT:  # the same source builds the same bytes: built once per process (geo takes ~10 s)
        _BUILT[key] = tables.parquet_bytes(table, rows())
    tables.write_object(s3, config, table, _BUILT[key], Metadata={"fingerprint": fingerprint})
    return Result("created" if head is None else "updated", uri)


_BUILT: dict[tuple[str, str], bytes] = {}


def load_static_tables(s3: Any, config: StackConfig) -> dict[str, Result]:
    """IANA's protocol and service names, and the geo ranges when on and installed."""
    results = {
        "enrichment:protocols": ensure_dimension(
            s3, config, tables.PROTOCOLS, _fingerprint(_file_bytes(names.PROTOCOLS_FILE)), names.protocols
        ),
        "enrichment:services": ensure_dimension(
            s3, config, tables.SERVICES, _fingerprint(_file_bytes(names.SERVICES_FILE)), names.services
        ),
    }
    path = geo.data_file() if config.geo else None
    if path is None:
        results["enrichment:geo"] = Result("skipped", None)  # off, or the optional package is absent
    else:
        stat = path.stat()
        results["enrichment:geo"] = ensure_dimension(
            s3,
            config,
            tables.GEO,
            _fingerprint(path.name, str(stat.st_size), str(geo.version())),
            lambda: geo.rows(path),
        )
    return results
