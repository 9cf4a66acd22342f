"""A dashboard's parameters: their declarations, their values for one view, and those values as SQL.

Values come as QuickSight takes them from a dashboard URL (``p.<name>=<value>``): ``[ALL]`` means every
value and ``%00`` (a NUL character once decoded) means null; both leave the parameter unset, and an unset
parameter filters nothing. A parameter without a value in the request takes its declaration's default
(StaticValues, or a RollingDate expression evaluated now), else ValueWhenUnset's CustomValue, else null.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from localaws.dashboard.expressions import UnsupportedExpression, to_sql

KINDS = {
    "StringParameterDeclaration": "String",
    "IntegerParameterDeclaration": "Integer",
    "DecimalParameterDeclaration": "Decimal",
    "DateTimeParameterDeclaration": "DateTime",
}
UNSET = ("[ALL]", "\x00", "")


class BadParameter(ValueError):
    """A request's parameter value localaws cannot use; the message names the parameter and the value."""


@dataclass
class Parameter:
    name: str
    kind: str  # String | Integer | Decimal | DateTime
    value: Any = None  # None: unset; datetimes are naive UTC
    multi: bool = False
    default: Any = None

    def public(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.kind, "value": _public(self.value)}


@dataclass
class Parameters:
    by_name: dict[str, Parameter] = field(default_factory=dict)

    def value(self, name: str) -> Any:
        if name not in self.by_name:
            raise UnsupportedExpression(f"parameter {name} is not declared")
        return self.by_name[name].value

    def sql(self, name: str) -> str:
        """The parameter's value as a SQL literal (NULL when unset), for ``${name}`` in an expression."""
        value = self.value(name)
        if value is None:
            return "NULL"
        if isinstance(value, datetime):
            return f"TIMESTAMP '{value:%Y-%m-%d %H:%M:%S}'"
        if isinstance(value, int | float):
            return repr(value)
        return "'" + str(value).replace("'", "''") + "'"

    def public(self) -> list[dict[str, Any]]:
        return [p.public() for p in self.by_name.values()]


def _public(value: Any) -> Any:
    return value.strftime("%Y-%m-%dT%H:%M") if isinstance(value, datetime) else value


def parse_value(parameter: Parameter, text: str) -> Any:
    if text in UNSET:
        return None
    try:
        if parameter.kind == "Integer":
            return int(text)
        if parameter.kind == "Decimal":
            return float(text)
        if parameter.kind == "DateTime":
            parsed = datetime.fromisoformat(text.strip().replace(" ", "T").removesuffix("Z"))
            return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed
    except ValueError as err:
        raise BadParameter(
            f"parameter {parameter.name}: {text!r} is not a {parameter.kind.lower()} value"
        ) from err
    return text


def _default(body: dict[str, Any], kind: str, con: Any) -> Any:
    defaults = body.get("DefaultValues") or {}
    if defaults.get("StaticValues"):
        value = defaults["StaticValues"][0]
        return (
            value
            if kind != "DateTime" or isinstance(value, datetime)
            else parse_value(Parameter("", kind), value)
        )
    if defaults.get("RollingDate"):
        expression = defaults["RollingDate"]["Expression"]
        return con.execute(f"SELECT {to_sql(expression)}").fetchall()[0][0]
    if defaults.get("DynamicValue"):
        raise UnsupportedExpression(
            f"parameter {body['Name']}: DynamicValue defaults (per user) are not computed"
        )
    unset = body.get("ValueWhenUnset") or {}
    if unset.get("ValueWhenUnsetOption") == "RECOMMENDED_VALUE" and unset.get("CustomValue") is not None:
        return unset["CustomValue"]
    return None


def resolve(definition: dict[str, Any], requested: Mapping[str, str], con: Any) -> Parameters:
    """The parameters of ``definition`` for one view: ``requested`` (name -> URL value) over the defaults.
    A requested name the definition does not declare is refused, naming it."""
    found = Parameters()
    for declaration in definition.get("ParameterDeclarations", []):
        kind_name, body = next(iter(declaration.items()))
        if kind_name not in KINDS:
            raise UnsupportedExpression(f"parameter declaration {kind_name}")
        parameter = Parameter(
            body["Name"], KINDS[kind_name], multi=body.get("ParameterValueType") == "MULTI_VALUED"
        )
        parameter.default = _default(body, parameter.kind, con)
        parameter.value = parameter.default
        found.by_name[parameter.name] = parameter
    for name, text in requested.items():
        if name not in found.by_name:
            raise BadParameter(f"parameter {name} is not declared by this dashboard")
        found.by_name[name].value = parse_value(found.by_name[name], text)
    return found
