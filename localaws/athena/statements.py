"""What kind of statement a query string is (Athena's StatementType), decided before it runs."""

from __future__ import annotations

import re

# Athena: DDL = catalog changes; DML = SELECT, CTAS, INSERT; UTILITY = SHOW, DESCRIBE, EXPLAIN.
_DDL = re.compile(r"^(CREATE\s+(EXTERNAL\s+)?TABLE|CREATE\s+(DATABASE|SCHEMA)|CREATE\s+(OR\s+REPLACE\s+)?VIEW|"
                  r"DROP\s|ALTER\s|MSCK\s)", re.I)
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
    for word, label in (("DROP", "drop"), ("ALTER", "alter"), ("MSCK", "msck"), ("SHOW", "show"),
                        ("DESCRIBE", "describe"), ("DESC ", "describe"), ("EXPLAIN", "explain"),
                        ("INSERT", "insert")):
        if up.startswith(word):
            return label
    return "select"
