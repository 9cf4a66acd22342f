"""QuickSight calculated-field expressions -> DuckDB SQL, for the subset dashboards as code commonly use.

Supported: ``{column}`` references, ``${parameter}`` references, string and number literals, comparison and
arithmetic operators, ``and``/``or``/``not``, parentheses, and the functions in FUNCTIONS (the date ones
also evaluate RollingDate expressions of parameter defaults and filters). Anything else raises
UnsupportedExpression naming the expression and the part localaws cannot compute.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_TOKEN = re.compile(
    r"\s*(?:(?P<param>\$\{[^}]+\})|(?P<field>\{[^}]+\})|(?P<string>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")|(?P<number>\d+(?:\.\d+)?)"
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


# QuickSight's date parts (truncDate, addDateTime) -> DuckDB's.
_PERIODS = {"YYYY": "year", "Q": "quarter", "MM": "month", "WK": "week", "DD": "day", "HH": "hour",
            "MI": "minute", "SS": "second"}  # fmt: skip
# Java date patterns (parseDate, formatDate) -> strftime, longest first.
_JAVA_DATE = [("yyyy", "%Y"), ("MM", "%m"), ("dd", "%d"), ("HH", "%H"), ("mm", "%M"), ("ss", "%S"),
              ("SSS", "%g")]  # fmt: skip


def java_date_format(pattern: str) -> str:
    """A Java date pattern of the parts QuickSight's date formats use, as strftime; others are refused."""
    out, i = "", 0
    while i < len(pattern):
        for java, strf in _JAVA_DATE:
            if pattern.startswith(java, i):
                out, i = out + strf, i + len(java)
                break
        else:
            if pattern[i].isalpha():
                raise UnsupportedExpression(
                    f"date pattern {pattern!r}: {pattern[i]!r} is not supported by localaws"
                )
            out, i = out + pattern[i].replace("%", "%%"), i + 1
    return out


def _period(arg: str) -> str:
    name = arg.strip("'")
    if name not in _PERIODS:
        raise UnsupportedExpression(f"date period {arg} (one of {', '.join(_PERIODS)})")
    return _PERIODS[name]


def _parse_date(args: list[str]) -> str:
    pattern = args[1] if len(args) > 1 else "'yyyy-MM-dd'"
    if not (pattern.startswith("'") and pattern.endswith("'")):
        raise UnsupportedExpression(f"parseDate with a computed format {pattern}")
    return f"try_strptime({args[0]}, '{java_date_format(pattern[1:-1])}')"


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
    "parsedate": _parse_date,
    "now": lambda a: "CAST(now() AS TIMESTAMP)",
    "truncdate": lambda a: f"date_trunc('{_period(a[0])}', CAST({a[1]} AS TIMESTAMP))",
    "adddatetime": lambda a: f"(CAST({a[2]} AS TIMESTAMP) + ({a[0]}) * INTERVAL 1 {_period(a[1])})",
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


def _no_parameters(name: str) -> str:
    raise UnsupportedExpression(f"parameter ${{{name}}} outside a dashboard")


def to_sql(
    expression: str, column: Callable[[str], str] = _quote, parameter: Callable[[str], str] = _no_parameters
) -> str:
    """The expression as DuckDB SQL; ``column(name)`` gives the SQL of a ``{name}`` reference,
    ``parameter(name)`` the literal of a ``${name}`` one."""
    tokens = tokenize(expression)
    sql, pos = _sequence(tokens, 0, expression, _Refs(column, parameter), stop=())
    if pos != len(tokens):
        raise UnsupportedExpression(f"unexpected {tokens[pos][1]!r} in {expression!r}")
    return sql


@dataclass(frozen=True)
class _Refs:
    column: Callable[[str], str]
    parameter: Callable[[str], str]


def _sequence(
    tokens: list[tuple[str, str]], pos: int, expression: str, refs: _Refs, stop: tuple[str, ...]
) -> tuple[str, int]:
    """SQL of tokens from ``pos`` up to (not including) a top-level token in ``stop``."""
    parts: list[str] = []
    while pos < len(tokens) and not (tokens[pos][0] == "punct" and tokens[pos][1] in stop):
        kind, value = tokens[pos]
        if kind == "field":
            parts.append(refs.column(value[1:-1]))
        elif kind == "param":
            parts.append(refs.parameter(value[2:-1]))
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
            args, pos = _arguments(tokens, pos + 2, expression, refs)
            parts.append(FUNCTIONS[name](args))
            continue
        elif kind == "name" and value.lower() in _WORDS:
            parts.append(_WORDS[value.lower()])
        elif (kind, value) == ("punct", "("):
            inner, pos = _sequence(tokens, pos + 1, expression, refs, stop=(")",))
            parts.append(f"({inner})")
        else:
            raise UnsupportedExpression(f"unexpected {value!r} in {expression!r}")
        pos += 1
    return " ".join(parts), pos


def _arguments(
    tokens: list[tuple[str, str]], pos: int, expression: str, refs: _Refs
) -> tuple[list[str], int]:
    args: list[str] = []
    if pos < len(tokens) and tokens[pos] == ("punct", ")"):
        return args, pos + 1  # now()
    while True:
        arg, pos = _sequence(tokens, pos, expression, refs, stop=(",", ")"))
        if pos >= len(tokens):
            raise UnsupportedExpression(f"unclosed function call in {expression!r}")
        args.append(arg)
        if tokens[pos][1] == ")":
            return args, pos + 1
        pos += 1
