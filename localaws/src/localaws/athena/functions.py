"""Trino functions and types DuckDB lacks, rewritten into DuckDB SQL (plus the macros they call).

* ``format_datetime(ts, 'yyyy-MM-dd HH:mm')``: Joda-Time/Java patterns (trino.io/docs/current/
  functions/datetime.html, "Java date functions") become strftime patterns; a pattern letter with no
  strftime equivalent is refused with the letter named.
* ``to_iso8601(x)``: date ``2026-11-26``, timestamp ``2026-11-26T10:00:00.000``, timestamp with time
  zone ``...000Z`` in UTC (functions/datetime.html).
* ``IPADDRESS`` (trino.io/docs/current/language/types.html#ipaddress) and ``contains(network,
  address)`` for CIDR networks (functions/ipaddress.html), the usual way to filter flow logs by
  subnet. IPv4 is evaluated exactly; an IPv6 address or network raises NOT_SUPPORTED at run time.
  ``TRY_CAST(x AS IPADDRESS)`` is NULL where the text is no address, and ``CAST(ip AS VARBINARY)`` is
  Trino's 16 bytes (IPv4 as ``::ffff:a.b.c.d``), exact for IPv4 and IPv6 (Python's ipaddress, per row).
* ``sha1(varbinary)`` returns varbinary, as in Trino (DuckDB's returns the digest as hex text), and
  ``to_base(x, radix)`` writes lower-case digits, as Trino does (functions/binary.html,
  functions/conversion.html): community IDs are built from both.
"""

from __future__ import annotations

import ipaddress
from typing import Any

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


def _ip_bytes(text: str | None) -> bytes | None:
    if text is None:
        return None
    # Trino's IPADDRESS is 16 bytes; an IPv4 address is stored IPv4-mapped. Invalid text raises (a CAST).
    ip = ipaddress.ip_address(text)
    return ip.packed if ip.version == 6 else b"\x00" * 10 + b"\xff\xff" + ip.packed


def _try_ipaddress(text: str | None) -> str | None:
    # As __ipaddress, but NULL where Trino's TRY_CAST gives NULL (text that is no address).
    if text is None:
        return None
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    return text if ip.version == 4 else text.lower()


def prepare(con: Any) -> None:
    """The macros and Python functions the rewritten IPADDRESS calls need, once per connection."""
    for macro in MACROS:
        con.execute(macro)
    udfs = (("__ip_bytes", _ip_bytes, "BLOB"), ("__try_ipaddress", _try_ipaddress, "VARCHAR"))
    for name, function, result in udfs:
        try:
            # SPECIAL: the function sees NULL (and returns it); a text that is no address may give NULL.
            con.create_function(
                name, function, ["VARCHAR"], result, null_handling="special", side_effects=False
            )
        except Exception as err:  # duckdb.NotImplementedException: registered on this connection already
            if "already created" not in str(err):
                raise


def _is_ipaddress_cast(node: exp.Expression) -> bool:
    return isinstance(node, exp.Cast) and node.to.is_type(exp.DataType.Type.IPADDRESS)


def _ipaddress_text(node: exp.Cast) -> exp.Expression:
    # TryCast is a Cast in sqlglot: check it first.
    name = "__try_ipaddress" if isinstance(node, exp.TryCast) else "__ipaddress"
    return exp.func(name, exp.cast(node.this.transform(rewrite), "VARCHAR"))


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
        if name == "to_base":
            return exp.func("lower", node.copy())
    if isinstance(node, exp.SHA):
        return exp.Unhex(this=exp.SHA(this=node.this.transform(rewrite)))
    if (
        isinstance(node, exp.Cast)
        and node.to.is_type(exp.DataType.Type.VARBINARY, exp.DataType.Type.BINARY)
        and _is_ipaddress_cast(node.this)
    ):
        return exp.func("__ip_bytes", _ipaddress_text(node.this))
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
    if _is_ipaddress_cast(node):
        return _ipaddress_text(node)
    if isinstance(node, exp.ArrayContains) and (
        (isinstance(node.this, exp.Literal) and node.this.is_string)
        or (isinstance(node.expression, exp.Cast) and node.expression.to.is_type(exp.DataType.Type.IPADDRESS))
    ):
        return exp.func("__cidr_contains", node.this.transform(rewrite), node.expression.transform(rewrite))
    return node
