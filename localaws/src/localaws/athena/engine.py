"""Runs one statement: parse, dispatch (DDL, utility, SELECT, CTAS/INSERT), return its ResultSet."""

from __future__ import annotations

import re
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from localaws.athena import alter_table, text_facts
from localaws.athena.catalog import Catalog
from localaws.athena.ddl import DDL
from localaws.athena.errors import QueryFailed, syntax_error
from localaws.athena.results import ResultSet
from localaws.athena.s3 import S3
from localaws.athena.select import Session, execute_select, explain
from localaws.athena.show import Show
from localaws.athena.sqltext import literal
from localaws.athena.statements import kind, strip_comments
from localaws.athena.unload import is_unload, unload
from localaws.athena.writes import Writer

# Per-query DuckDB limits: two threads (the machine has two cores) and a memory cap, spilling beyond it.
DUCKDB_THREADS = 2
DUCKDB_MEMORY = "1GB"


_STARTERS = {
    "SELECT",
    "WITH",
    "VALUES",
    "CREATE",
    "DROP",
    "ALTER",
    "SHOW",
    "DESCRIBE",
    "DESC",
    "INSERT",
    "MSCK",
    "EXPLAIN",
    "TABLE",
    "UNLOAD",
    "USE",
    "DELETE",
    "UPDATE",
    "MERGE",
    "PREPARE",
    "EXECUTE",
    "DEALLOCATE",
    "GRANT",
    "REVOKE",
    "CALL",
    "SET",
    "RESET",
    "START",
    "COMMIT",
    "ROLLBACK",
    "ANALYZE",
    "REFRESH",
    "(",
}
_EXPECTING = (
    "Expecting: 'ALTER', 'ANALYZE', 'CALL', 'COMMIT', 'CREATE', 'DEALLOCATE', 'DELETE', 'DESC', "
    "'DESCRIBE', 'DROP', 'EXECUTE', 'EXPLAIN', 'GRANT', 'INSERT', 'MERGE', 'PREPARE', 'REFRESH', 'RESET', "
    "'REVOKE', 'ROLLBACK', 'SET', 'SHOW', 'START', 'UNLOAD', 'UPDATE', 'USE', 'VALUES', 'WITH', <query>"
)


def parse(sql: str) -> exp.Expression:
    first = re.match(r"\s*(\(|[^\s(;]+)", sql)
    if first and first.group(1).upper() not in _STARTERS:
        raise syntax_error(f"line 1:1: mismatched input '{first.group(1)}'. {_EXPECTING}")
    try:
        statements = [s for s in sqlglot.parse(sql, read="athena") if s is not None]
    except ParseError as err:
        first = err.errors[0] if err.errors else {}
        line, col = first.get("line") or 1, first.get("col") or 1
        desc = first.get("description") or str(err).split("\n")[0]
        desc = re.sub(r"<Token token_type: [^>]*>", "end of input", desc)
        near = first.get("highlight") or ""
        detail = f"mismatched input '{near}'. {desc}" if near else desc
        raise syntax_error(f"line {line}:{col}: {detail}") from err
    if len(statements) != 1:
        raise syntax_error("line 1:1: Only one sql statement is allowed. Got: " + str(len(statements)))
    ast = statements[0]
    if isinstance(ast, exp.Command):
        word = (ast.this or "").split()[0] if ast.this else sql.split()[0]
        raise QueryFailed(
            "NOT_SUPPORTED",
            f"line 1:1: localaws cannot run this {word.upper()} statement: {sql.strip()[:100]}",
        )
    return ast


class Engine:
    def __init__(self, account_id: str, region: str, tmp_root: Path):
        self.catalog = Catalog(account_id, region)
        self.s3 = S3(account_id)
        self.tmp_root = tmp_root
        self._spare: Any = None
        self._spare_lock = threading.Lock()

    def connect(self, tmpdir: Path) -> Any:
        """A fresh DuckDB for one query. One is kept made in advance: making it costs ~9 ms, a sizable
        part of a small query (a Parquet scan of a few files takes ~50 ms in all)."""
        with self._spare_lock:
            con, self._spare = self._spare, None
        if con is None:
            con = self._new_connection()
        con.execute(f"SET temp_directory={literal(str(tmpdir / 'spill'))}")
        threading.Thread(target=self._make_spare, name="localaws-athena-spare", daemon=True).start()
        return con

    def _make_spare(self) -> None:
        con = self._new_connection()
        with self._spare_lock:
            if self._spare is None:
                self._spare, con = con, None
        if con is not None:
            con.close()

    @staticmethod
    def _new_connection() -> Any:
        con = duckdb.connect(config={"threads": DUCKDB_THREADS, "memory_limit": DUCKDB_MEMORY})
        con.execute("SET TimeZone='UTC'")
        # Trino divides integers as integers (7/2 = 3); DuckDB's '/' would give 3.5.
        con.execute("SET integer_division=true")
        # Parquet files are written sparse after their footer was read: no cached (stale) file blocks.
        con.execute("SET enable_external_file_cache=false")
        # DuckDB pushes TRY_CAST into read_csv as a typed column, and with ignore_errors a value that does
        # not convert then drops its whole line; RegexSerDe makes just that value NULL.
        con.execute("SET disabled_optimizers='type_pushdown'")
        return con

    def run(
        self,
        query_id: str,
        sql: str,
        database: str,
        output_dir: str | None,
        cutoff: int | None,
        on_connect: Any = None,
    ) -> tuple[ResultSet, int]:
        """(result, bytes scanned). Raises QueryFailed. ``on_connect(con)`` lets the caller cancel."""
        self.tmp_root.mkdir(parents=True, exist_ok=True)
        tmpdir = Path(tempfile.mkdtemp(prefix=f"{query_id}-", dir=self.tmp_root))
        con = self.connect(tmpdir)
        if on_connect:
            on_connect(con)
        session = Session(self.catalog, self.s3, con, tmpdir, database.lower(), cutoff)
        session.sql = strip_comments(sql).rstrip().rstrip(";")
        try:
            con.execute("BEGIN TRANSACTION")  # one current_timestamp for pruning and the query
            with text_facts.query_running():
                result = self._dispatch(query_id, sql, session, output_dir)
            con.execute("COMMIT")
            return result, session.bytes_scanned
        except QueryFailed as err:
            err.bytes_scanned = session.bytes_scanned  # type: ignore[attr-defined]
            raise
        finally:
            con.close()
            shutil.rmtree(tmpdir, ignore_errors=True)

    def _dispatch(self, query_id: str, sql: str, session: Session, output_dir: str | None) -> ResultSet:
        label = kind(sql)
        text = strip_comments(sql).rstrip().rstrip(";")
        ddl = DDL(self.catalog, self.s3, session.database)
        if label == "alter":
            done = alter_table.alter(self.catalog, session.database, text)
            if done is not None:
                return done
            if re.search(r"\bPARTITION\b", text, re.I):
                return ddl.alter(text)
        if label == "msck":
            return ddl.msck(text)
        if label == "show":
            return Show(self.catalog, session.database).show(text)
        if label == "describe":
            return Show(self.catalog, session.database).describe(text)
        if label == "create_database":
            return ddl.create_database(text, parse(text))  # type: ignore[arg-type]
        if text.upper() in ("PREPARE", "DEALLOCATE"):  # done by the API (api/prepared_statements.py)
            return ResultSet.text("result", [])
        if label == "explain":
            return explain(session, text)
        if is_unload(text):
            return unload(Writer(session, query_id, output_dir), text)
        ast = parse(text)
        writer = Writer(session, query_id, output_dir)
        if label == "create_table":
            return ddl.create_table(ast)  # type: ignore[arg-type]
        if label == "ctas":
            return writer.ctas(ast)  # type: ignore[arg-type]
        if label == "create_view":
            return writer.create_view(ast, text)  # type: ignore[arg-type]
        if label == "drop":
            return ddl.drop(ast)  # type: ignore[arg-type]
        if label == "insert":
            return writer.insert(ast)  # type: ignore[arg-type]
        if label == "alter":
            raise QueryFailed("NOT_SUPPORTED", f"localaws does not support this statement: {text[:80]}")
        if not isinstance(ast, (exp.Query, exp.Values)):
            raise QueryFailed("NOT_SUPPORTED", f"localaws does not support this statement: {text[:80]}")
        return execute_select(session, ast)
