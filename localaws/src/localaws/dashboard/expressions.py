"""QuickSight calculated-field expressions -> DuckDB SQL, for the subset dashboards as code commonly use.

Supported: ``{column}`` references, string and number literals, comparison and arithmetic operators,
``and``/``or``/``not``, parentheses, and the functions in FUNCTIONS. Anything else raises
UnsupportedExpression naming the expression and the part localaws cannot compute.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_TOKEN = re.compile(
    r"\s*(?:(?P<field>\{[^}]+\})|(?P<string>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")|(?P<number>\d+(?:\.\d+)?)"
    r"|(?P<op><>|!=|<=|>=|=|<|>|\+|-|\*|/)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<punct>[(),]))"
)
_WORDS = {"and": "AND", "or": "OR", "not": "NOT", "null": "NULL"}


class UnsupportedExpression(ValueError):
    pass


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _sql_string(text: str) -> str:
    body = text[1:-1].replace("\\'", "'").replace('\\"', '"')
    return "'" + body.replace("'", "''") + "'"


def _ifelse(args: list[str]) -> str:
    if len(args) < 3 or len(args) % 2 == 0:
        raise UnsupportedExpression(
            f"ifelse takes condition/value pairs and an else value, got {len(args)} arguments"
        )
    pairs = " ".join(f"WHEN {args[i]} THEN {args[i + 1]}" for i in range(0, len(args) - 1, 2))
    return f"(CASE {pairs} ELSE {args[-1]} END)"


FUNCTIONS: dict[str, Callable[[list[str]], str]] = {
    "concat": lambda a: f"concat({', '.join(a)})",
    "ifelse": _ifelse,
    "tostring": lambda a: f"CAST({a[0]} AS VARCHAR)",
    "toupper": lambda a: f"upper({a[0]})",
    "tolower": lambda a: f"lower({a[0]})",
    "strlen": lambda a: f"length({a[0]})",
    "isnull": lambda a: f"({a[0]} IS NULL)",
    "isnotnull": lambda a: f"({a[0]} IS NOT NULL)",
    "coalesce": lambda a: f"coalesce({', '.join(a)})",
    "abs": lambda a: f"abs({a[0]})",
    "round": lambda a: f"round({', '.join(a)})",
    "locate": lambda a: f"strpos({a[0]}, {a[1]})",
    "substring": lambda a: f"substr({a[0]}, {a[1]}, {a[2]})",
}


def tokenize(expression: str) -> list[tuple[str, str]]:
    tokens, pos = [], 0
    text = expression.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise UnsupportedExpression(f"cannot read {expression!r} at {text[pos : pos + 20]!r}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


def to_sql(expression: str, column: Callable[[str], str] = _quote) -> str:
    """The expression as DuckDB SQL; ``column(name)`` gives the SQL of a ``{name}`` reference."""
    tokens = tokenize(expression)
    sql, pos = _sequence(tokens, 0, expression, column, stop=())
    if pos != len(tokens):
        raise UnsupportedExpression(f"unexpected {tokens[pos][1]!r} in {expression!r}")
    return sql


def _sequence(
    tokens: list[tuple[str, str]],
    pos: int,
    expression: str,
    column: Callable[[str], str],
    stop: tuple[str, ...],
) -> tuple[str, int]:
    """SQL of tokens from ``pos`` up to (not including) a top-level token in ``stop``."""
    parts: list[str] = []
    while pos < len(tokens) and not (tokens[pos][0] == "punct" and tokens[pos][1] in stop):
        kind, value = tokens[pos]
        if kind == "field":
            parts.append(column(value[1:-1]))
        elif kind == "string":
            parts.append(_sql_string(value))
        elif kind in ("number", "op"):
            parts.append("<>" if value == "!=" else value)
        elif kind == "name" and pos + 1 < len(tokens) and tokens[pos + 1] == ("punct", "("):
            name = value.lower()
            if name not in FUNCTIONS:
                raise UnsupportedExpression(
                    f"function {value}() in {expression!r} is not supported by localaws"
                )
            args, pos = _arguments(tokens, pos + 2, expression, column)
            parts.append(FUNCTIONS[name](args))
            continue
        elif kind == "name" and value.lower() in _WORDS:
            parts.append(_WORDS[value.lower()])
        elif (kind, value) == ("punct", "("):
            inner, pos = _sequence(tokens, pos + 1, expression, column, stop=(")",))
            parts.append(f"({inner})")
        else:
            raise UnsupportedExpression(f"unexpected {value!r} in {expression!r}")
        pos += 1
    return " ".join(parts), pos


def _arguments(
    tokens: list[tuple[str, str]], pos: int, expression: str, column: Callable[[str], str]
) -> tuple[list[str], int]:
    args: list[str] = []
    while True:
        arg, pos = _sequence(tokens, pos, expression, column, stop=(",", ")"))
        if pos >= len(tokens):
            raise UnsupportedExpression(f"unclosed function call in {expression!r}")
        args.append(arg)
        if tokens[pos][1] == ")":
            return args, pos + 1
        pos += 1
