"""What localaws Athena keeps: query executions, workgroups and named queries, and a region's view of them.

They are kept for the account as a whole, not per region, as localaws always has (on AWS each region has
its own); a ``Region`` adds what does depend on the region: the Glue catalog queries read and write.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from localaws.athena.catalog import Catalog
from localaws.athena.executions import Executions
from localaws.athena.s3 import S3
from localaws.athena.workgroups import WorkGroups


@dataclass
class NamedQueries:
    """Saved queries by id, and the ClientRequestTokens that created them (CreateNamedQuery is idempotent)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    queries: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)


@dataclass
class PreparedStatements:
    """Prepared statements by (workgroup, name), as PREPARE and CreatePreparedStatement make them."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    statements: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)


@dataclass
class Region:
    account_id: str
    name: str
    executions: Executions
    workgroups: WorkGroups
    named_queries: NamedQueries
    s3: S3
    prepared: PreparedStatements = field(default_factory=PreparedStatements)

    def catalog(self) -> Catalog:
        return Catalog(self.account_id, self.name)


class Store:
    def __init__(self, account_id: str, tmp_root: Path):
        self.account_id = account_id
        self.executions = Executions(account_id, tmp_root)
        self.workgroups = WorkGroups()
        self.named_queries = NamedQueries()
        self.prepared = PreparedStatements()
        self.s3 = S3(account_id)

    def region(self, name: str) -> Region:
        return Region(
            self.account_id,
            name,
            self.executions,
            self.workgroups,
            self.named_queries,
            self.s3,
            self.prepared,
        )
