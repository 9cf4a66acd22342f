"""What kind of statement a query string is (Athena's StatementType), decided before it runs."""

from __future__ import annotations

import re

# Athena: DDL = catalog changes; DML = SELECT, CTAS, INSERT; UTILITY = SHOW, DESCRIBE, EXPLAIN.
_DDL = re.compile(
    r"^(CREATE\s+(EXTERNAL\s+)?TABLE|CREATE\s+(DATABASE|SCHEMA)|CREATE\s+(OR\s+REPLACE\s+)?VIEW|"
    r"DROP\s|ALTER\s|MSCK\s)",
    re.I,
)
_CTAS = re.compile(r"^CREATE\s+TABLE\b.*?\bAS\s*\(?\s*(SELECT|WITH|VALUES)\b", re.I | re.S)
_UTILITY = re.compile(r"^(SHOW|DESCRIBE|DESC|EXPLAIN)\b", re.I)


def strip_comments(sql: str) -> str:
    out = re.sub(r"/\*.*?\*/", " ", sql, flags=re.S)
    out = re.sub(r"--[^\n]*", " ", out)
    return out.strip()


def statement_type(sql: str) -> str:
    text = strip_comments(sql)
    if _CTAS.match(text):
        return "DML"
    if _DDL.match(text):
        return "DDL"
    if _UTILITY.match(text):
        return "UTILITY"
    return "DML"


def kind(sql: str) -> str:
    """A finer label used to route: ctas, create_table, create_database, create_view, drop, alter, msck,
    show, describe, explain, insert, select."""
    text = strip_comments(sql)
    up = text[:80].upper()
    if _CTAS.match(text):
        return "ctas"
    if re.match(r"CREATE\s+(EXTERNAL\s+)?TABLE", up):
        return "create_table"
    if re.match(r"CREATE\s+(DATABASE|SCHEMA)", up):
        return "create_database"
    if re.match(r"CREATE\s+(OR\s+REPLACE\s+)?VIEW", up):
        return "create_view"
    for word, label in (
        ("DROP", "drop"),
        ("ALTER", "alter"),
        ("MSCK", "msck"),
        ("SHOW", "show"),
        ("DESCRIBE", "describe"),
        ("DESC ", "describe"),
        ("EXPLAIN", "explain"),
        ("INSERT", "insert"),
    ):
        if up.startswith(word):
            return label
    return "select"


def bind_parameters(sql: str, parameters: list[str]) -> str:
    """Athena's ExecutionParameters: each ``?`` outside quotes and comments takes the next value, which
    is already SQL (``'text'``, ``1``, ``DATE '2026-11-26'``). Raises ValueError on a count mismatch."""
    out, values = [], list(parameters)
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in "'\"":
            end = i + 1
            while end < n:
                if sql[end] == ch:
                    if end + 1 < n and sql[end + 1] == ch:
                        end += 2
                        continue
                    break
                end += 1
            out.append(sql[i : end + 1])
            i = end + 1
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end < 0 else end
            out.append(sql[i:end])
            i = end
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append(sql[i:end])
            i = end
        elif ch == "?":
            if not values:
                raise ValueError(f"Incorrect number of parameters: expected more than {len(parameters)}")
            out.append(values.pop(0))
            i += 1
        else:
            out.append(ch)
            i += 1
    if values:
        raise ValueError(
            f"Incorrect number of parameters: expected {len(parameters) - len(values)} "
            f"but found {len(parameters)}"
        )
    return "".join(out)
