"""Athena's errors: refused requests as its JSON API answers them, and how a query fails (Athena's error
names and messages), so clients and people see what AWS would show."""

from __future__ import annotations

from localaws.service import AWSError

# Athena's AthenaError.ErrorCategory: 1 system, 2 user, 3 other.
USER = 2
SYSTEM = 1


def invalid(message: str) -> AWSError:
    """A refused request: Athena answers InvalidRequestException for most of what it refuses."""
    return AWSError("InvalidRequestException", message)


def metadata_error(message: str) -> AWSError:
    """A catalog, database or table the catalog calls cannot find."""
    return AWSError("MetadataException", message)


class QueryFailed(Exception):
    """Ends a query FAILED. ``code`` prefixes the StateChangeReason as Athena does ("TABLE_NOT_FOUND: ...")."""

    def __init__(self, code: str | None, message: str, category: int = USER, error_type: int = 1006):
        self.code = code
        self.message = message
        self.category = category
        self.error_type = error_type
        super().__init__(self.reason)

    @property
    def reason(self) -> str:
        return f"{self.code}: {self.message}" if self.code else self.message


def position(node: object) -> str:
    """``line L:C`` of a sqlglot node (1-based, as Trino reports), or '' when the parser kept none."""
    meta = getattr(node, "meta", None) or {}
    this = getattr(node, "this", None)
    if not meta.get("line") and this is not None:
        meta = getattr(this, "meta", None) or {}
    line, col = meta.get("line"), meta.get("col")
    if not line or col is None:
        return ""
    name = getattr(node, "name", "") or ""
    # sqlglot's col is the last character of the token; Trino reports the first.
    start = max(1, col - len(name) + 1)
    return f"line {line}:{start}: "


def table_not_found(catalog: str, db: str, table: str, where: str = "") -> QueryFailed:
    return QueryFailed(
        "TABLE_NOT_FOUND", f"{where}Table '{catalog}.{db}.{table}' does not exist", error_type=1301
    )


def schema_not_found(catalog: str, db: str, where: str = "") -> QueryFailed:
    return QueryFailed("SCHEMA_NOT_FOUND", f"{where}Schema '{db}' does not exist", error_type=1301)


def syntax_error(message: str) -> QueryFailed:
    return QueryFailed("SYNTAX_ERROR", message, error_type=1004)


def ddl_failed(message: str) -> QueryFailed:
    """Hive DDL failures read "FAILED: SemanticException ..." on Athena, with no error-name prefix."""
    return QueryFailed(None, f"FAILED: {message}", error_type=1301)
