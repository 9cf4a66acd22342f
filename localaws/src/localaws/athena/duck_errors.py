"""DuckDB's errors as Athena names them (COLUMN_NOT_FOUND, FUNCTION_NOT_FOUND, DIVISION_BY_ZERO, ...), and
the ``error('CODE: message')`` raised by localaws's own SQL (functions.py) with the code it carries."""

from __future__ import annotations

import re

from localaws.athena.errors import QueryFailed

_DUCK_ERRORS = [
    (
        re.compile(r'Referenced column "?([^"\s]+)"? not found'),
        "COLUMN_NOT_FOUND",
        "Column '{0}' cannot be resolved or requester is not authorized to access requested resources",
    ),
    (
        re.compile(r"Scalar Function with name (\S+) does not exist"),
        "FUNCTION_NOT_FOUND",
        "Function '{0}' not registered",
    ),
    (
        re.compile(r"Table Function with name (\S+) does not exist"),
        "FUNCTION_NOT_FOUND",
        "Function '{0}' not registered",
    ),
    (re.compile(r"Parser Error: (.*)", re.S), "SYNTAX_ERROR", "{0}"),
    # Trino: DIVISION_BY_ZERO "Division by zero" (integer and decimal division and modulus)
    (re.compile(r"Division by zero"), "DIVISION_BY_ZERO", "Division by zero"),
    (re.compile(r"Conversion Error: (.*)", re.S), "INVALID_CAST_ARGUMENT", "{0}"),
    (
        re.compile(r"No function matches the given name and argument types '([^']*)'"),
        "TYPE_MISMATCH",
        "Unexpected parameters for function {0}",
    ),
    (re.compile(r"Binder Error: (.*)", re.S), "SEMANTIC_ERROR", "{0}"),
    (re.compile(r"Out of Memory Error: (.*)", re.S), "EXCEEDED_LOCAL_MEMORY_LIMIT", "{0}"),
]


def duckdb_error(err: Exception) -> QueryFailed:
    text = str(err).split("\n\nLINE")[0].strip()
    raised = re.match(r"Invalid Input Error: ([A-Z][A-Z_]+): (.*)", text, re.S)
    if raised:  # error('CODE: message') from localaws's own SQL (functions.py): Athena's name as given
        return QueryFailed(raised.group(1), raised.group(2).strip())
    for pattern, code, template in _DUCK_ERRORS:
        m = pattern.search(text)
        if m:
            return QueryFailed(code, template.format(*(g.strip() for g in m.groups())))
    return QueryFailed("GENERIC_INTERNAL_ERROR", text, category=1)
