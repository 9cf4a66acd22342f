"""GetFindings' Filters and SortCriteria over stored findings (AwsSecurityFindingFilters in the API
reference). String, date and map filters on the attributes below are evaluated as Security Hub does:
EQUALS/PREFIX/CONTAINS filters on one attribute are ORed, NOT_EQUALS/PREFIX_NOT_EQUALS/NOT_CONTAINS are
ANDed, attributes are ANDed. Any other attribute or comparison is refused by name (501), so a filter is
never silently ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from localaws.securityhub.errors import invalid_input, unsupported

Finding = dict[str, Any]


def _resources(key: str) -> Callable[[Finding], list[Any]]:
    return lambda f: [r.get(key) for r in f.get("Resources", [])]


STRING_ATTRIBUTES: dict[str, Callable[[Finding], Any]] = {
    "Id": lambda f: f.get("Id"),
    "ProductArn": lambda f: f.get("ProductArn"),
    "ProductName": lambda f: f.get("ProductName"),
    "CompanyName": lambda f: f.get("CompanyName"),
    "GeneratorId": lambda f: f.get("GeneratorId"),
    "AwsAccountId": lambda f: f.get("AwsAccountId"),
    "Region": lambda f: f.get("Region"),
    "Title": lambda f: f.get("Title"),
    "Description": lambda f: f.get("Description"),
    "Type": lambda f: f.get("Types", []),
    "SeverityLabel": lambda f: (f.get("Severity") or {}).get("Label"),
    "RecordState": lambda f: f.get("RecordState"),
    "WorkflowStatus": lambda f: (f.get("Workflow") or {}).get("Status"),
    "ResourceId": _resources("Id"),
    "ResourceType": _resources("Type"),
    "NetworkDirection": lambda f: (f.get("Network") or {}).get("Direction"),
}
DATE_ATTRIBUTES = ("CreatedAt", "UpdatedAt", "FirstObservedAt", "LastObservedAt", "ProcessedAt")
MAP_ATTRIBUTES = ("ProductFields",)
SORT_FIELDS = ("CreatedAt", "UpdatedAt", "FirstObservedAt", "LastObservedAt", "Id", "Title", "SeverityLabel")
_POSITIVE = ("EQUALS", "PREFIX", "CONTAINS")
_NEGATIVE = ("NOT_EQUALS", "PREFIX_NOT_EQUALS", "NOT_CONTAINS")


def parse_time(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _string_test(comparison: str, wanted: str) -> Callable[[str], bool]:
    tests: dict[str, Callable[[str], bool]] = {
        "EQUALS": lambda v: v == wanted,
        "PREFIX": lambda v: v.startswith(wanted),
        "CONTAINS": lambda v: wanted in v,
        "NOT_EQUALS": lambda v: v != wanted,
        "PREFIX_NOT_EQUALS": lambda v: not v.startswith(wanted),
        "NOT_CONTAINS": lambda v: wanted not in v,
    }
    if comparison not in tests:
        raise unsupported(f"the string filter comparison {comparison}")
    return tests[comparison]


def _string_filter(name: str, filters: list[dict[str, Any]]) -> Callable[[Finding], bool]:
    read = STRING_ATTRIBUTES[name]
    comparisons = [f.get("Comparison", "EQUALS") for f in filters]
    if any(c in _POSITIVE for c in comparisons) and any(c in ("NOT_CONTAINS",) for c in comparisons):
        raise invalid_input(f"{name}: CONTAINS and NOT_CONTAINS filters cannot be combined on one field")
    positive = [
        _string_test(f.get("Comparison", "EQUALS"), f["Value"])
        for f in filters
        if f.get("Comparison", "EQUALS") in _POSITIVE
    ]
    negative = [
        _string_test(f["Comparison"], f["Value"]) for f in filters if f.get("Comparison") in _NEGATIVE
    ]
    unknown = [c for c in comparisons if c not in _POSITIVE + _NEGATIVE]
    if unknown:
        raise unsupported(f"the string filter comparison {unknown[0]}")

    def test(finding: Finding) -> bool:
        value = read(finding)
        values = [v for v in (value if isinstance(value, list) else [value]) if v is not None]
        if positive and not any(t(v) for t in positive for v in values):
            return False
        return all(t(v) for t in negative for v in values) and (bool(values) or not positive)

    return test


def _date_filter(name: str, filters: list[dict[str, Any]]) -> Callable[[Finding], bool]:
    ranges = []
    for f in filters:
        if "DateRange" in f:
            rng = f["DateRange"]
            if rng.get("Unit") != "DAYS":
                raise invalid_input(f"{name}: DateRange.Unit must be DAYS")
            end = datetime.now(UTC)
            ranges.append((end - timedelta(days=int(rng["Value"])), end))
        else:
            start = parse_time(f["Start"]) if f.get("Start") else datetime.min.replace(tzinfo=UTC)
            end = parse_time(f["End"]) if f.get("End") else datetime.max.replace(tzinfo=UTC)
            ranges.append((start, end))

    def test(finding: Finding) -> bool:
        value = finding.get(name)
        if value is None:
            return False
        moment = parse_time(value)
        return any(start <= moment <= end for start, end in ranges)

    return test


def _map_filter(name: str, filters: list[dict[str, Any]]) -> Callable[[Finding], bool]:
    for f in filters:
        if f.get("Comparison", "EQUALS") not in ("EQUALS", "NOT_EQUALS"):
            raise unsupported(f"the map filter comparison {f.get('Comparison')}")

    def test(finding: Finding) -> bool:
        fields = finding.get(name) or {}
        for f in filters:
            equal = fields.get(f.get("Key")) == f.get("Value")
            if equal != (f.get("Comparison", "EQUALS") == "EQUALS"):
                return False
        return True

    return test


def compile_filters(filters: dict[str, Any] | None) -> Callable[[Finding], bool]:
    tests = []
    for name, values in (filters or {}).items():
        if not values:
            continue
        if len(values) > 20:
            raise invalid_input(f"{name}: at most 20 filter values, got {len(values)}")
        if name in STRING_ATTRIBUTES:
            tests.append(_string_filter(name, values))
        elif name in DATE_ATTRIBUTES:
            tests.append(_date_filter(name, values))
        elif name in MAP_ATTRIBUTES:
            tests.append(_map_filter(name, values))
        else:
            raise unsupported(
                f"the finding filter {name!r} (it filters on {', '.join([*STRING_ATTRIBUTES, *DATE_ATTRIBUTES, *MAP_ATTRIBUTES])})"
            )
    if len(tests) > 10:
        raise invalid_input(f"at most 10 finding attributes can be filtered on, got {len(tests)}")
    return lambda finding: all(t(finding) for t in tests)


def sort_key(criteria: list[dict[str, Any]] | None) -> tuple[Callable[[Finding], Any], bool]:
    """A key and the reverse flag for the first criterion (default: UpdatedAt, newest first)."""
    if not criteria:
        return (lambda f: f.get("UpdatedAt") or ""), True
    if len(criteria) > 1:
        raise unsupported("more than one SortCriteria")
    field, order = criteria[0].get("Field"), criteria[0].get("SortOrder", "asc")
    if field not in SORT_FIELDS:
        raise unsupported(f"sorting on {field!r} (it sorts on {', '.join(SORT_FIELDS)})")
    if order not in ("asc", "desc"):
        raise invalid_input(f"SortOrder must be asc or desc, got {order!r}")
    if field == "SeverityLabel":
        from localaws.securityhub.asff import SEVERITY_LABELS

        return (
            lambda f: SEVERITY_LABELS.index((f.get("Severity") or {}).get("Label", "INFORMATIONAL"))
        ), order == "desc"
    if field in DATE_ATTRIBUTES:
        return (
            lambda f: parse_time(f[field]) if f.get(field) else datetime.min.replace(tzinfo=UTC)
        ), order == "desc"
    return (lambda f: f.get(field) or ""), order == "desc"
