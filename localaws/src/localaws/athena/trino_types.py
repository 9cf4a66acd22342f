"""Trino's types as Athena engine v3 names them, and Trino's implicit coercions between them.

A type is its display string (``varchar(3)``, ``decimal(5,2)``, ``timestamp(3) with time zone``,
``array(integer)``): that is what Athena's messages print ("Cannot apply operator: varchar = integer").
``None`` stands for a type localaws could not infer; checks are skipped for it, never guessed.

Coercions follow Trino's TypeCoercion (trino.io/docs/current/language/types.html, "Implicit
coercion"): integers widen to larger integers, decimal, real and double; varchar(n) to wider varchar;
date to timestamp; timestamp to timestamp with time zone; unknown (NULL) to anything. There is none
between character and numeric or date/time types: ``'1' = 1`` fails analysis (trinodb/trino#20845).
"""

from __future__ import annotations

import re

from sqlglot import exp

INTEGERS = ("tinyint", "smallint", "integer", "bigint")
_INT_RANK = {t: i for i, t in enumerate(INTEGERS)}
_INT_DECIMAL = {"tinyint": (3, 0), "smallint": (5, 0), "integer": (10, 0), "bigint": (19, 0)}
UNKNOWN = "unknown"
TSTZ = "timestamp(3) with time zone"
TIMESTAMP = "timestamp(3)"


def base(t: str) -> str:
    """``varchar(3)`` -> ``varchar``; ``timestamp(3) with time zone`` -> ``timestamp with time zone``."""
    return re.sub(r"\(.*\)", "", t).strip() if not t.startswith(("array", "map", "row")) else t.split("(")[0]


def family(t: str) -> str:
    b = base(t)
    if b in INTEGERS or b in ("real", "double", "decimal"):
        return "number"
    if b in ("varchar", "char"):
        return "text"
    if b in ("date", "timestamp", "timestamp with time zone"):
        return "datetime"
    return b


def is_numeric(t: str | None) -> bool:
    return t is not None and family(t) == "number"


def inner(t: str) -> list[str]:
    """The parameter types of array(T), map(K,V) (row fields keep their names: ``a integer``)."""
    body = t[t.index("(") + 1 : -1]
    parts, depth, cur = [], 0, ""
    for ch in body:
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
            continue
        depth += ch == "("
        depth -= ch == ")"
        cur += ch
    return parts + [cur.strip()] if cur.strip() else parts


def decimal_of(t: str) -> tuple[int, int] | None:
    b = base(t)
    if b in _INT_DECIMAL:
        return _INT_DECIMAL[b]
    m = re.fullmatch(r"decimal\((\d+),\s*(\d+)\)", t)
    return (int(m.group(1)), int(m.group(2))) if m else None


def can_coerce(src: str | None, dst: str | None) -> bool:
    """Trino's implicit coercion from ``src`` to ``dst`` (None: unknown to localaws, assumed fine)."""
    if src is None or dst is None or src == dst or src == UNKNOWN:
        return True
    bs, bd = base(src), base(dst)
    if bs in INTEGERS:
        return (bd in INTEGERS and _INT_RANK[bd] >= _INT_RANK[bs]) or bd in ("real", "double", "decimal")
    if bs == "decimal":
        return bd in ("real", "double", "decimal")
    if bs == "real":
        return bd == "double"
    if bs == "varchar":
        return bd == "varchar" or bd == "char"  # Trino compares char with varchar literals
    if bs == "char":
        return bd in ("char", "varchar")
    if bs == "date":
        return bd in ("timestamp", "timestamp with time zone")
    if bs == "timestamp":
        return bd in ("timestamp", "timestamp with time zone")
    if bs == "timestamp with time zone":
        return bd == "timestamp with time zone"
    if bs in ("array", "map") and bs == bd:
        return all(can_coerce(a, b) for a, b in zip(inner(src), inner(dst), strict=False))
    return bs == bd


def common(a: str | None, b: str | None) -> str | None:
    """Trino's common super type of two types, or None when there is none (or one is unknown)."""
    if a is None or b is None:
        return None
    if a == b or b == UNKNOWN:
        return a
    if a == UNKNOWN:
        return b
    ba, bb = base(a), base(b)
    if family(a) == "number" and family(b) == "number":
        if "double" in (ba, bb) or "real" in (ba, bb):
            return "double" if "double" in (ba, bb) or ("decimal" in (ba, bb)) else "real"
        if ba in INTEGERS and bb in INTEGERS:
            return a if _INT_RANK[ba] >= _INT_RANK[bb] else b
        da, db = decimal_of(a), decimal_of(b)
        if da and db:
            scale = max(da[1], db[1])
            return f"decimal({min(38, max(da[0] - da[1], db[0] - db[1]) + scale)},{scale})"
    if can_coerce(a, b):
        return b if not (ba == bb == "varchar") else "varchar"
    if can_coerce(b, a):
        return a if not (ba == bb == "varchar") else "varchar"
    return None


def comparable(a: str | None, b: str | None) -> bool:
    if a is None or b is None or UNKNOWN in (a, b):
        return True
    if family(a) == family(b) and family(a) in ("number", "text", "datetime", "boolean"):
        return True
    return common(a, b) is not None


# ---- Glue (Hive) column types as Trino sees them ---------------------------------------------------
def from_hive(hive: str) -> str | None:
    """``string`` -> ``varchar``, ``struct<a:int>`` -> ``row(a integer)``; None if localaws cannot say."""
    try:
        dt = exp.DataType.build(hive, dialect="hive")
    except Exception:
        return None
    return from_datatype(dt)


_SIMPLE = {
    exp.DataType.Type.BOOLEAN: "boolean",
    exp.DataType.Type.TINYINT: "tinyint",
    exp.DataType.Type.SMALLINT: "smallint",
    exp.DataType.Type.INT: "integer",
    exp.DataType.Type.BIGINT: "bigint",
    exp.DataType.Type.FLOAT: "real",
    exp.DataType.Type.DOUBLE: "double",
    exp.DataType.Type.DATE: "date",
    exp.DataType.Type.BINARY: "varbinary",
    exp.DataType.Type.VARBINARY: "varbinary",
    exp.DataType.Type.JSON: "json",
    exp.DataType.Type.UUID: "uuid",
    exp.DataType.Type.TIME: "time(3)",
    exp.DataType.Type.TEXT: "varchar",
}


def from_datatype(dt: exp.DataType) -> str | None:
    """A sqlglot DataType (from DDL or CAST) as Trino's type name."""
    t = dt.this
    params = [p for p in dt.expressions]
    if t in _SIMPLE:
        return _SIMPLE[t]
    if t in (exp.DataType.Type.VARCHAR, exp.DataType.Type.NVARCHAR):
        return f"varchar({params[0].name})" if params else "varchar"
    if t in (exp.DataType.Type.CHAR, exp.DataType.Type.NCHAR):
        return f"char({params[0].name if params else 1})"
    if t == exp.DataType.Type.DECIMAL:
        p = params[0].name if params else "38"
        s = params[1].name if len(params) > 1 else "0"
        return f"decimal({p},{s})"
    if t in (exp.DataType.Type.TIMESTAMP, exp.DataType.Type.DATETIME):
        return f"timestamp({params[0].name})" if params else TIMESTAMP
    if t in (exp.DataType.Type.TIMESTAMPTZ, exp.DataType.Type.TIMESTAMPLTZ):
        return f"timestamp({params[0].name}) with time zone" if params else TSTZ
    if t == exp.DataType.Type.ARRAY:
        el = from_datatype(params[0]) if params else None
        return f"array({el})" if el else None
    if t == exp.DataType.Type.MAP:
        k, v = (from_datatype(p) for p in params[:2]) if len(params) >= 2 else (None, None)
        return f"map({k}, {v})" if k and v else None
    if t == exp.DataType.Type.STRUCT:
        fields = []
        for p in params:
            kind = p.args.get("kind") if isinstance(p, exp.ColumnDef) else None
            ft = from_datatype(kind) if isinstance(kind, exp.DataType) else None
            if ft is None:
                return None
            fields.append(f"{p.name} {ft}")
        return f"row({', '.join(fields)})"
    if t == exp.DataType.Type.INTERVAL:
        unit = dt.sql("trino").lower()
        return "interval year to month" if ("year" in unit or "month" in unit) else "interval day to second"
    if t == exp.DataType.Type.USERDEFINED and dt.args.get("kind"):
        name = str(dt.args["kind"]).lower()
        return "ipaddress" if name == "ipaddress" else None
    if t == exp.DataType.Type.IPADDRESS:
        return "ipaddress"
    return None


def hive_of(t: str) -> str | None:
    """The Glue (Hive) column type CTAS writes for a Trino type; None when Hive has none."""
    b = base(t)
    simple = {
        "boolean": "boolean",
        "tinyint": "tinyint",
        "smallint": "smallint",
        "integer": "int",
        "bigint": "bigint",
        "real": "float",
        "double": "double",
        "varchar": "string",
        "date": "date",
        "timestamp": "timestamp",
        "varbinary": "binary",
    }
    if b in simple:
        return simple[b]
    if b in ("decimal", "char"):
        return t.replace(" ", "")
    if b == "array":
        el = hive_of(inner(t)[0])
        return f"array<{el}>" if el else None
    if b == "map":
        k, v = (hive_of(x) for x in inner(t))
        return f"map<{k},{v}>" if k and v else None
    if b == "row":
        fields = []
        for f in inner(t):
            name, _, ft = f.partition(" ")
            h = hive_of(ft)
            if h is None:
                return None
            fields.append(f"{name}:{h}")
        return f"struct<{','.join(fields)}>"
    return None
