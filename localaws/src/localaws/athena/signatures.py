"""The functions whose signatures the type layer (typecheck.py) checks, and the result types of the
functions it knows: Trino's names and "Expected:" lists (trino.io/docs/current/functions.html), keyed
by the names sqlglot gives them.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from localaws.athena import trino_types as tt

Type = str | None

# ---- functions whose signatures are checked ---------------------------------------------------------
# name -> (argument families per overload, result from the argument types, Trino's "Expected:" text)
Sig = tuple[list[tuple[str, ...]], Callable[[list[Type]], Type], str]
_ANY_TIME = ("datetime",)
SIGNATURES: dict[str, Sig] = {
    "abs": (
        [("number",)],
        lambda a: a[0],
        "abs(tinyint), abs(smallint), abs(integer), abs(bigint), abs(decimal(p,s)), abs(real), abs(double)",
    ),
    "length": (
        [("text",), ("varbinary",)],
        lambda a: "bigint",
        "length(char(x)), length(varchar(x)), length(varbinary)",
    ),
    "lower": ([("text",)], lambda a: "varchar", "lower(char(x)), lower(varchar(x))"),
    "upper": ([("text",)], lambda a: "varchar", "upper(char(x)), upper(varchar(x))"),
    "date_parse": ([("text", "text")], lambda a: tt.TIMESTAMP, "date_parse(varchar(x), varchar(y))"),
    "date_format": (
        [("datetime", "text")],
        lambda a: "varchar",
        "date_format(timestamp(p), varchar(x)), date_format(timestamp(p) with time zone, varchar(x))",
    ),
    "format_datetime": (
        [("datetime", "text")],
        lambda a: "varchar",
        "format_datetime(timestamp(p), varchar(x)), format_datetime(timestamp(p) with time zone, varchar(x))",
    ),
    "from_unixtime": (
        [("number",), ("number", "text"), ("number", "number", "number")],
        lambda a: tt.TSTZ,
        "from_unixtime(double), from_unixtime(double, varchar(x)), from_unixtime(double, bigint, bigint)",
    ),
    "to_unixtime": (
        [_ANY_TIME],
        lambda a: "double",
        "to_unixtime(timestamp(p)), to_unixtime(timestamp(p) with time zone)",
    ),
    "to_iso8601": (
        [_ANY_TIME],
        lambda a: "varchar",
        "to_iso8601(date), to_iso8601(timestamp(p)), to_iso8601(timestamp(p) with time zone)",
    ),
    "from_iso8601_timestamp": ([("text",)], lambda a: tt.TSTZ, "from_iso8601_timestamp(varchar(x))"),
    "from_iso8601_date": ([("text",)], lambda a: "date", "from_iso8601_date(varchar(x))"),
    "strpos": ([("text", "text")], lambda a: "bigint", "strpos(varchar(x), varchar(y))"),
    "regexp_like": ([("text", "text")], lambda a: "boolean", "regexp_like(varchar(x), JoniRegExp)"),
    "split": (
        [("text", "text"), ("text", "text", "number")],
        lambda a: "array(varchar)",
        "split(varchar(x), varchar(y))",
    ),
    "url_extract_host": ([("text",)], lambda a: "varchar", "url_extract_host(varchar(x))"),
}

# sqlglot parses many Trino functions into classes of its own; their Trino names, for the table above.
CLASS_NAMES = {
    exp.Abs: "abs",
    exp.Length: "length",
    exp.Lower: "lower",
    exp.Upper: "upper",
    exp.StrToTime: "date_parse",
    exp.TimeToStr: "date_format",
    exp.UnixToTime: "from_unixtime",
    exp.TimeToUnix: "to_unixtime",
    exp.StrPosition: "strpos",
    exp.RegexpLike: "regexp_like",
    exp.Split: "split",
}

_RESULT_FROM_FIRST = (exp.Min, exp.Max, exp.AnyValue, exp.Abs, exp.Floor, exp.Ceil, exp.Round, exp.ArraySort)
_BIGINT = (exp.Count, exp.CountIf, exp.ApproxDistinct, exp.ArraySize, exp.DateDiff, exp.StrPosition)
_DOUBLE = (
    exp.Stddev,
    exp.StddevPop,
    exp.StddevSamp,
    exp.Variance,
    exp.VariancePop,
    exp.Ln,
    exp.Log,
    exp.Sqrt,
    exp.Pow,
)
_VARCHAR = (
    exp.Concat,
    exp.DPipe,
    exp.ArrayToString,
    exp.Substring,
    exp.Trim,
    exp.RegexpExtract,
    exp.Initcap,
    exp.Replace,
)
BOOLEAN = (
    exp.Is,
    exp.Exists,
    exp.Like,
    exp.ILike,
    exp.RegexpLike,
    exp.Not,
    exp.And,
    exp.Or,
    exp.In,
    exp.Between,
)


def ordered_args(node: exp.Func) -> list[exp.Expression | None]:
    """A sqlglot function's arguments in Trino's order, for the classes named in CLASS_NAMES."""
    if isinstance(node, exp.StrPosition):
        return [node.this, node.args.get("substr")]
    if isinstance(node, (exp.StrToTime, exp.TimeToStr)):
        return [node.this, node.args.get("format")]
    if isinstance(node, exp.UnixToTime):
        return [node.this] + [
            node.args.get(k) for k in ("zone", "hours", "minutes") if node.args.get(k) is not None
        ]
    if isinstance(node, exp.Split):
        return [node.this, node.expression, node.args.get("limit")]
    if isinstance(node, exp.RegexpLike):
        return [node.this, node.expression]
    return [node.this] + [e for e in node.expressions]


def matches(types: list[Type], overload: tuple[str, ...]) -> bool:
    if len(types) != len(overload):
        return False
    for t, fam in zip(types, overload, strict=True):
        if t is None or t == tt.UNKNOWN:
            continue
        if tt.family(t) != fam and not (fam == "number" and tt.is_numeric(t)):
            return False
    return True


def builtin_result(node: exp.Func, name: str, types: list[Type], typed_this: Type) -> Type:
    first = types[0] if types else None
    if isinstance(node, exp.Sum):
        if first is None:
            return None
        b = tt.base(first)
        return "bigint" if b in tt.INTEGERS else "double" if b in ("real", "double") else first
    if isinstance(node, exp.Avg):
        return None if first is None else first if tt.base(first) == "decimal" else "double"
    if isinstance(node, _RESULT_FROM_FIRST):
        return first
    if isinstance(node, _BIGINT):
        return "bigint"
    if isinstance(node, _DOUBLE):
        return "double"
    if isinstance(node, _VARCHAR):
        return "varchar"
    if isinstance(node, BOOLEAN):
        return "boolean"
    if isinstance(node, exp.CurrentTimestamp):
        return tt.TSTZ
    if isinstance(node, exp.CurrentDate):
        return "date"
    if isinstance(node, exp.Localtimestamp):
        return tt.TIMESTAMP
    if isinstance(node, (exp.DateTrunc, exp.TimestampTrunc, exp.DateAdd)):
        return typed_this
    if isinstance(node, (exp.Coalesce, exp.If, exp.Nullif)):
        vals = types[1:] if isinstance(node, exp.If) else types
        return fold(vals) if not isinstance(node, exp.Nullif) else first
    if isinstance(node, exp.ArrayAgg):
        return f"array({first})" if first else None
    if isinstance(node, exp.GenerateSeries):
        return (
            "array(bigint)"
            if first and tt.base(first) in tt.INTEGERS
            else f"array({first})"
            if first
            else None
        )
    if name in ("to_iso8601", "format_datetime", "date_format", "array_join"):
        return "varchar"
    if name == "contains":
        return "boolean"
    return None


def fold(types: list[Type]) -> Type:
    out: Type = tt.UNKNOWN
    for t in types:
        if t is None:
            return None
        out = tt.common(out, t)
        if out is None:
            return None
    return out
