"""Hive RegexSerDe patterns: Java regex -> RE2 (DuckDB), and recognising space-separated layouts.

A RegexSerDe row is the regex's groups when the whole line matches (Java ``Matcher.matches()``), else a
row of NULLs. DuckDB's regex engine is RE2; the differences that matter for SerDe patterns are ``\\s``
and ``\\S`` (Java's include \\x0B, RE2's do not), so those are rewritten.
"""

from __future__ import annotations

import re

_JAVA_SPACE = r"\t\n\x0B\f\r "

# A layout the fast reader can prove equivalent to: anchored tokens of "no space", "digits" or "an integer
# or '-'", separated by \s+. The blog's VPC flow log regex is exactly this shape with 14 tokens, and
# vpcflow's typed tables (integers or AWS's '-') too.
_TOKEN = {"([^ ]+)": "any", "([0-9]+)": "digits", "(-|[0-9]+)": "integer"}
# The RE2 pattern each checked kind's token must fully match ("any" takes every token of the reader).
CHECKED = {"digits": "[0-9]+", "integer": "-|[0-9]+"}


def java_to_re2(pattern: str) -> str:
    out = []
    i = 0
    in_class = False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            if nxt == "s":
                out.append(_JAVA_SPACE if in_class else f"[{_JAVA_SPACE}]")
            elif nxt == "S" and not in_class:
                out.append(f"[^{_JAVA_SPACE}]")
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if ch == "[" and not in_class:
            in_class = True
            out.append(ch)
            # a ']' right after '[' or '[^' is a literal in both engines
            if pattern[i + 1 : i + 2] == "^":
                out.append("^")
                i += 1
            if pattern[i + 1 : i + 2] == "]":
                out.append("]")
                i += 1
        elif ch == "]" and in_class:
            in_class = False
            out.append(ch)
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def group_count(pattern: str) -> int:
    """Capturing groups of a Java pattern (Python's re counts them the same way for SerDe patterns)."""
    try:
        return re.compile(pattern).groups
    except re.error:
        # RE2-only syntax: count '(' that open capturing groups
        return len(re.findall(r"(?<!\\)\((?!\?)", pattern))


def space_layout(pattern: str) -> list[str] | None:
    """["any"|"digits"|"integer", ...] when the pattern is ``^TOK(\\s+TOK)*$``, else None."""
    if not (pattern.startswith("^") and pattern.endswith("$")):
        return None
    body = pattern[1:-1]
    parts = body.split(r"\s+")
    kinds = [_TOKEN.get(p) for p in parts]
    if not kinds or any(k is None for k in kinds):
        return None
    return kinds  # type: ignore[return-value]
