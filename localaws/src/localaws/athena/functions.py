"""Trino functions and types DuckDB lacks, rewritten into DuckDB SQL (plus the macros they call).

* ``format_datetime(ts, 'yyyy-MM-dd HH:mm')``: Joda-Time/Java patterns (trino.io/docs/current/
  functions/datetime.html, "Java date functions") become strftime patterns; a pattern letter with no
  strftime equivalent is refused with the letter named.
* ``to_iso8601(x)``: date ``2026-11-26``, timestamp ``2026-11-26T10:00:00.000``, timestamp with time
  zone ``...000Z`` in UTC (functions/datetime.html).
* ``IPADDRESS`` (trino.io/docs/current/language/types.html#ipaddress) and ``contains(network,
  address)`` for CIDR networks (functions/ipaddress.html), the usual way to filter flow logs by
  subnet. IPv4 is evaluated exactly; an IPv6 address or network raises NOT_SUPPORTED at run time.
"""

from __future__ import annotations

from sqlglot import exp

from localaws.athena.errors import QueryFailed

_JAVA = [
    ("yyyy", "%Y"),
    ("YYYY", "%Y"),
    ("yy", "%y"),
    ("MMMM", "%B"),
    ("MMM", "%b"),
    ("MM", "%m"),
    ("dd", "%d"),
    ("HH", "%H"),
    ("hh", "%I"),
    ("mm", "%M"),
    ("ss", "%S"),
    ("SSSSSS", "%f"),
    ("SSS", "%g"),
    ("EEEE", "%A"),
    ("EEE", "%a"),
    ("a", "%p"),
    ("DDD", "%j"),
    ("M", "%-m"),
    ("d", "%-d"),
    ("H", "%-H"),
]

# Per connection: IPv4 text to a number, and the checks that make an unsupported value fail loudly.
MACROS = [
    "CREATE OR REPLACE MACRO __ipv4(s) AS CASE "
    "WHEN NOT regexp_full_match(s, '(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}') "
    "THEN CAST(error('NOT_SUPPORTED: localaws reads IPv4 addresses only in IPADDRESS functions, not ' || s) AS UBIGINT) "
    "ELSE (split_part(s, '.', 1)::UBIGINT << 24) + (split_part(s, '.', 2)::UBIGINT << 16) "
    "+ (split_part(s, '.', 3)::UBIGINT << 8) + split_part(s, '.', 4)::UBIGINT END",
    "CREATE OR REPLACE MACRO __ipaddress(s) AS CASE "
    "WHEN s IS NULL THEN NULL "
    "WHEN regexp_full_match(s, '(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}') THEN s "
    "WHEN regexp_full_match(s, '[0-9A-Fa-f:.]+') AND strpos(s, ':') > 0 THEN lower(s) "
    "ELSE error('INVALID_CAST_ARGUMENT: Cannot cast value to IPADDRESS: ' || s) END",
    "CREATE OR REPLACE MACRO __cidr_contains(network, address) AS CASE "
    "WHEN network IS NULL OR address IS NULL THEN NULL "
    "WHEN NOT regexp_full_match(network, '[0-9.]+/([0-9]|[12][0-9]|3[0-2])') "
    "THEN error('INVALID_FUNCTION_ARGUMENT: Invalid CIDR (or not IPv4 in localaws): ' || network) "
    "ELSE (__ipv4(address) >> (32 - split_part(network, '/', 2)::INTEGER)) "
    "= (__ipv4(split_part(network, '/', 1)) >> (32 - split_part(network, '/', 2)::INTEGER)) END",
]


def java_to_strftime(pattern: str) -> str:
    """A Joda/Java DateTimeFormatter pattern as strftime; quoted text is kept; ValueError names a letter
    with no equivalent."""
    out, i = "", 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "'":
            end = pattern.find("'", i + 1)
            end = len(pattern) if end < 0 else end
            out += pattern[i + 1 : end].replace("%", "%%") or "'"
            i = end + 1
            continue
        for token, code in _JAVA:
            if pattern.startswith(token, i):
                out += code
                i += len(token)
                break
        else:
            if ch.isalpha():
                raise ValueError(f"pattern letter {ch!r} in {pattern!r}")
            out += "%%" if ch == "%" else ch
            i += 1
    return out


def _format_datetime(node: exp.Anonymous) -> exp.Expression:
    value, fmt = (node.expressions + [None, None])[:2]
    if not isinstance(fmt, exp.Literal) or not fmt.is_string:
        raise QueryFailed("NOT_SUPPORTED", "localaws runs format_datetime with a literal pattern only")
    try:
        pattern = java_to_strftime(fmt.this)
    except ValueError as err:
        raise QueryFailed("NOT_SUPPORTED", f"localaws format_datetime cannot format {err}") from err
    return exp.func("strftime", value, exp.Literal.string(pattern))


def _to_iso8601(node: exp.Anonymous) -> exp.Expression:
    value = node.expressions[0].sql("duckdb")
    return exp.maybe_parse(
        f"CASE typeof({value}) WHEN 'DATE' THEN strftime(CAST({value} AS DATE), '%Y-%m-%d') "
        f"WHEN 'TIMESTAMP WITH TIME ZONE' THEN strftime(CAST({value} AS TIMESTAMPTZ), '%Y-%m-%dT%H:%M:%S.%gZ') "
        f"ELSE strftime(CAST({value} AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%g') END",
        dialect="duckdb",
    )


def rewrite(node: exp.Expression) -> exp.Expression:
    """One sqlglot transform step (see select.transpile)."""
    if isinstance(node, exp.Anonymous):
        name = node.name.lower()
        if name == "format_datetime":
            return _format_datetime(node)
        if name == "to_iso8601" and node.expressions:
            return _to_iso8601(node)
    if isinstance(node, exp.AtTimeZone):
        # Trino: the same instant, shown in the zone (a TIMESTAMP is read in the session zone, UTC).
        # DuckDB's AT TIME ZONE reads a TIMESTAMP as local time *in* the zone; timezone() of the instant
        # gives the zone's wall-clock time, which render.py prints with the zone's name.
        return exp.func("timezone", node.args["zone"], exp.cast(node.this.transform(rewrite), "TIMESTAMPTZ"))
    if (
        isinstance(node, exp.Cast)
        and node.to.is_type(exp.DataType.Type.DECIMAL)
        and not node.to.expressions
        and isinstance(node.this, exp.Literal)
        and node.this.is_string
    ):
        # DECIMAL '1.50' is decimal(3,2) in Trino (a typed literal keeps its digits), not DECIMAL(18,3)
        digits = node.this.this.strip().lstrip("+-")
        whole, _, frac = digits.partition(".")
        precision = max(len(whole.lstrip("0")) + len(frac), 1)
        return exp.cast(node.this, exp.DataType.build(f"DECIMAL({precision}, {len(frac)})"))
    if isinstance(node, exp.Cast) and node.to.is_type(exp.DataType.Type.IPADDRESS):
        return exp.func("__ipaddress", exp.cast(node.this, "VARCHAR"))
    if isinstance(node, exp.ArrayContains) and (
        (isinstance(node.this, exp.Literal) and node.this.is_string)
        or (isinstance(node.expression, exp.Cast) and node.expression.to.is_type(exp.DataType.Type.IPADDRESS))
    ):
        return exp.func("__cidr_contains", node.this.transform(rewrite), node.expression.transform(rewrite))
    return node
