"""VPC Flow Log formats (versions 2 to 8): fields, LogFormat strings, record parsing and table DDL.

Field names, versions and types follow the AWS VPC user guide, "Flow log records" > "Available fields":
the Athena types here are the guide's Parquet data types (INT_32 -> INT, INT_64 -> BIGINT, else STRING).
The default format is the 14 version-2 fields in the guide's order; its table is the blog's DDL verbatim
(sql/create_vpc_flow_logs.sql), so the blog's queries keep working. Any other format (v2..v8 fields, any
order) gets a generated table (sql/create_vpc_flow_logs_custom.sql): the blog's names for version-2
fields, snake_case for the others.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from vpcflow.model import sqlfiles
from vpcflow.model.partitions import validate_identifier, validate_location

NULL = "-"  # what AWS writes for a field that does not apply to a record (e.g. NODATA)


class FlowLogFormatError(ValueError):
    """A LogFormat string that AWS would not accept."""


class RecordError(ValueError):
    """A flow log line that does not fit its format."""


@dataclass(frozen=True)
class FlowLogField:
    """One field a flow log record can carry.

    :param name: the AWS field name, as written in a LogFormat (``${name}``)
    :param version: the flow log version that introduced it
    :param athena_type: its Athena type (from the guide's Parquet data type)
    :param blog_column: for version-2 fields, the blog's column name (``SourceAddress``)
    """

    name: str
    version: int
    athena_type: str
    blog_column: str | None = None

    @property
    def column(self) -> str:
        """Its column in vpcflow's tables: the blog's name for v2 fields, else snake_case."""
        return self.blog_column or self.name.replace("-", "_")

    @property
    def is_integer(self) -> bool:
        return self.athena_type in ("INT", "BIGINT")


def _fields(version: int, athena_type: str, *names: str) -> list[FlowLogField]:
    return [FlowLogField(name, version, athena_type) for name in names]


# Version 2: the default format, in the guide's order, with the blog's column names.
_V2 = [
    FlowLogField("version", 2, "INT", "Version"),
    FlowLogField("account-id", 2, "STRING", "Account"),
    FlowLogField("interface-id", 2, "STRING", "InterfaceId"),
    FlowLogField("srcaddr", 2, "STRING", "SourceAddress"),
    FlowLogField("dstaddr", 2, "STRING", "DestinationAddress"),
    FlowLogField("srcport", 2, "INT", "SourcePort"),
    FlowLogField("dstport", 2, "INT", "DestinationPort"),
    FlowLogField("protocol", 2, "INT", "Protocol"),
    FlowLogField("packets", 2, "BIGINT", "Packets"),
    FlowLogField("bytes", 2, "BIGINT", "Bytes"),
    FlowLogField("start", 2, "BIGINT", "StartTime"),
    FlowLogField("end", 2, "BIGINT", "EndTime"),
    FlowLogField("action", 2, "STRING", "Action"),
    FlowLogField("log-status", 2, "STRING", "LogStatus"),
]

ALL_FIELDS: tuple[FlowLogField, ...] = tuple(
    _V2
    + _fields(3, "STRING", "vpc-id", "subnet-id", "instance-id")
    + _fields(3, "INT", "tcp-flags")
    + _fields(3, "STRING", "type", "pkt-srcaddr", "pkt-dstaddr")
    + _fields(4, "STRING", "region", "az-id", "sublocation-type", "sublocation-id")
    + _fields(5, "STRING", "pkt-src-aws-service", "pkt-dst-aws-service", "flow-direction")
    + _fields(5, "INT", "traffic-path")
    # Version 6 added no fields. Version 7: ECS metadata.
    + _fields(
        7,
        "STRING",
        "ecs-cluster-arn",
        "ecs-cluster-name",
        "ecs-container-instance-arn",
        "ecs-container-instance-id",
        "ecs-container-id",
        "ecs-second-container-id",
        "ecs-service-name",
        "ecs-task-definition-arn",
        "ecs-task-arn",
        "ecs-task-id",
    )
    + _fields(8, "STRING", "reject-reason")
)
FIELDS: dict[str, FlowLogField] = {f.name: f for f in ALL_FIELDS}

# The blog's RegexSerDe pattern for the default format, as the SerDe sees it (after Hive unescaping).
# account-id, start and end must be digits; everything else is one space-free token.
BLOG_REGEX = (
    r"^([^ ]+)\s+([0-9]+)\s+([^ ]+)\s+([^ ]+)\s+([^ ]+)\s+([^ ]+)\s+([^ ]+)\s+([^ ]+)\s+([^ ]+)\s+([^ ]+)"
    r"\s+([0-9]+)\s+([0-9]+)\s+([^ ]+)\s+([^ ]+)$"
)

_TOKEN = re.compile(r"\$\{([^${}\s]*)\}")


@dataclass(frozen=True)
class FlowLogFormat:
    """An ordered set of flow log fields: what one record line holds, left to right."""

    fields: tuple[FlowLogField, ...]

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def version(self) -> int:
        """The record version AWS writes for this format: the highest version among its fields."""
        return max(f.version for f in self.fields)

    @property
    def is_default(self) -> bool:
        return self.fields == DEFAULT_FORMAT.fields

    @property
    def log_format(self) -> str:
        """The LogFormat string for CreateFlowLogs."""
        return " ".join(f"${{{f.name}}}" for f in self.fields)

    @cached_property
    def serde_regex(self) -> str:
        """The raw table's RegexSerDe pattern (unescaped): the blog's for the default format, else
        ``token_regex``."""
        return BLOG_REGEX if self.is_default else self.token_regex

    @cached_property
    def token_regex(self) -> str:
        """One token per field: an integer or AWS's '-' for INT/BIGINT fields, any space-free token for the
        others. The typed table's pattern, for every format.

        A line that does not have this shape (truncated, an extra field, a non-numeric time) reads as an
        all-NULL row: malformed. The blog's pattern also wants digits as account-id, where AWS writes
        ``unknown`` (or ``-``) for interfaces that services own (load balancers, NAT gateways, VPC
        endpoints): their flows would read as malformed there. Values are judged by the quality checks.
        """
        tokens = [_INTEGER_TOKEN if f.is_integer else _ANY_TOKEN for f in self.fields]
        return "^" + r"\s+".join(tokens) + "$"

    def has(self, *names: str) -> bool:
        return all(name in self.by_name for name in names)

    @cached_property
    def by_name(self) -> dict[str, FlowLogField]:
        return {f.name: f for f in self.fields}

    def typed_row(self, line: str) -> dict[str, Any] | None:
        """The typed table's row for ``line``, as Athena reads it: None when the line does not match (an
        all-NULL, malformed row); else field name -> value, INT/BIGINT parsed (NULL when the token is not
        an integer: '-' or garbage), strings as written ('-' included)."""
        match = self._token_pattern.match(line.rstrip("\r\n"))
        if match is None:
            return None
        return {
            f.name: (_athena_int(value) if f.is_integer else value)
            for f, value in zip(self.fields, match.groups(), strict=True)
        }

    @cached_property
    def _token_pattern(self) -> re.Pattern[str]:
        return re.compile(self.token_regex, re.ASCII)

    @cached_property
    def _regex(self) -> re.Pattern[str]:
        # ASCII: Java's \s (the SerDe's) matches ASCII whitespace only.
        return re.compile(self.serde_regex, re.ASCII)

    def matches(self, line: str) -> bool:
        """Whether the table's RegexSerDe would read this line (else Athena shows an all-NULL row)."""
        return self._regex.match(line) is not None

    def parse_record(self, line: str) -> dict[str, Any]:
        """One record line as ``{field name: value}``: integers for INT/BIGINT fields, None for ``-``.

        Raises RecordError naming the problem for a line the format does not describe.
        """
        match = self._regex.match(line.rstrip("\r\n"))
        if match is None:
            tokens = line.split()
            if len(tokens) != len(self.fields):
                raise RecordError(
                    f"flow log line has {len(tokens)} fields, the format has {len(self.fields)}: {line[:200]!r}"
                )
            raise RecordError(f"flow log line does not match the format's pattern: {line[:200]!r}")
        record: dict[str, Any] = {}
        for field, value in zip(self.fields, match.groups(), strict=True):
            if value == NULL:
                record[field.name] = None
            elif field.is_integer:
                try:
                    record[field.name] = int(value)
                except ValueError:
                    raise RecordError(
                        f"field {field.name} is not an integer ({value!r}) in flow log line {line[:200]!r}"
                    ) from None
            else:
                record[field.name] = value
        return record


_ANY_TOKEN = "([^ ]+)"
_INTEGER_TOKEN = "(-|[0-9]+)"


def _athena_int(token: str) -> int | None:
    # The pattern admits digits or '-': AWS's "does not apply", which the SerDe reads as NULL.
    return None if token == NULL else int(token)


DEFAULT_FORMAT = FlowLogFormat(tuple(_V2))
DEFAULT_LOG_FORMAT = DEFAULT_FORMAT.log_format


def parse_log_format(text: str | None) -> FlowLogFormat:
    """Parse a LogFormat string (``${version} ${account-id} ...``); empty or None means the default format.

    Raises FlowLogFormatError naming the offending token for bad syntax, unknown or repeated fields.
    """
    if text is None or not text.strip():
        return DEFAULT_FORMAT
    fields: list[FlowLogField] = []
    seen: set[str] = set()
    for token in text.split():
        match = _TOKEN.fullmatch(token)
        if match is None:
            raise FlowLogFormatError(
                f"LogFormat {text!r}: {token!r} is not a field reference; write fields as ${{name}} separated "
                "by spaces"
            )
        name = match.group(1)
        field = FIELDS.get(name)
        if field is None:
            close = difflib.get_close_matches(name, FIELDS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise FlowLogFormatError(
                f"LogFormat {text!r}: unknown field {name!r}{hint}; known fields are version 2 to 8: "
                + ", ".join(FIELDS)
            )
        if name in seen:
            raise FlowLogFormatError(f"LogFormat {text!r}: field {name!r} appears more than once")
        seen.add(name)
        fields.append(field)
    return FlowLogFormat(tuple(fields))


# What vpcflow's hourly run and reports need of every record: who talked to whom, whether it was accepted,
# and whether the record carries a flow (OK) or says that no data was captured (NODATA, SKIPDATA). Without
# one of them the quality checks, the summary and every report would answer about something else.
REQUIRED_FIELDS: dict[str, str] = {
    "srcaddr": "the source of each flow",
    "dstaddr": "the destination of each flow",
    "action": "whether each flow was accepted or rejected",
    "log-status": "whether a record carries a flow (OK) or says no data was captured (NODATA, SKIPDATA)",
}


def check_served(fmt: FlowLogFormat) -> FlowLogFormat:
    """``fmt`` if vpcflow can serve it every hour, else FlowLogFormatError naming each missing field and
    what vpcflow needs it for. Other fields may be absent: the checks that need them do not run, and the
    Parquet table holds NULL in their columns."""
    missing = [name for name in REQUIRED_FIELDS if not fmt.has(name)]
    if missing:
        reasons = "; ".join(f"{name}: {REQUIRED_FIELDS[name]}" for name in missing)
        raise FlowLogFormatError(
            f"LogFormat {fmt.log_format!r} lacks {', '.join(repr(m) for m in missing)}, which vpcflow needs "
            f"({reasons}); add them to the format"
        )
    return fmt


def as_format(fmt: FlowLogFormat | str | None) -> FlowLogFormat:
    return fmt if isinstance(fmt, FlowLogFormat) else parse_log_format(fmt)


def parse_record(line: str, fmt: FlowLogFormat | str | None = None) -> dict[str, Any]:
    """Parse one record line of ``fmt`` (default: the default format). See FlowLogFormat.parse_record."""
    return as_format(fmt).parse_record(line)


# --- names that reach SQL -----------------------------------------------------------------------------
# Every database, table and location pasted into a statement passes vpcflow.model.partitions' validators (shared
# with the partition statements), so a bad parameter fails with PartitionError before anything is created.


def _hive_string(value: str) -> str:
    # Inside a Hive/Athena double-quoted literal, backslashes are unescaped once: double them.
    return value.replace("\\", "\\\\").replace('"', '\\"')


# --- table DDL ------------------------------------------------------------------------------------------


def text_table_ddl(
    fmt: FlowLogFormat | str | None = None,
    *,
    location: str,
    table: str = "vpc_flow_logs",
    database: str | None = None,
) -> str:
    """CREATE EXTERNAL TABLE for the raw text (RegexSerDe) table over Firehose's objects.

    For the default format this is the blog's DDL byte for byte (with ``database.`` before the table only
    when a database is given); for any other format, one column per field in the format's order.
    """
    fmt = as_format(fmt)
    params = _table_params(table, location, database)
    if fmt.is_default:
        return sqlfiles.render("create_vpc_flow_logs.sql", **params)
    columns = [{"name": f.column, "type": f.athena_type} for f in fmt.fields]
    return sqlfiles.render(
        "create_vpc_flow_logs_custom.sql", columns=columns, regex=_hive_string(fmt.serde_regex), **params
    )


def typed_table_ddl(
    fmt: FlowLogFormat | str | None = None,
    *,
    location: str,
    table: str = "vpc_flow_logs_typed",
    database: str | None = None,
) -> str:
    """CREATE EXTERNAL TABLE for the raw table's typed companion over the same objects.

    Same column names and partition key as ``text_table_ddl``, but every field takes its type from the user
    guide (``athena_type``): packets, bytes, start and end are BIGINT. The blog's table declares them INT,
    and a flow of 2^31 bytes or more reads as NULL there. Its pattern is ``token_regex``: the blog's wants
    digits as account-id, and AWS writes ``unknown`` there for interfaces services own.
    """
    fmt = as_format(fmt)
    columns = [{"name": f.column, "type": f.athena_type} for f in fmt.fields]
    return sqlfiles.render(
        "create_vpc_flow_logs_custom.sql",
        columns=columns,
        regex=_hive_string(fmt.token_regex),
        **_table_params(table, location, database),
    )


# The Parquet table keeps every version-2 column whatever the format (so dashboards and the blog's queries
# see one schema), adds start_time/end_time, then the format's fields beyond version 2.
PARQUET_V2_COLUMNS: tuple[tuple[str, str], ...] = tuple((f.column.lower(), f.athena_type) for f in _V2) + (
    ("start_time", "TIMESTAMP"),
    ("end_time", "TIMESTAMP"),
)


def parquet_extra_fields(fmt: FlowLogFormat | str | None = None) -> list[FlowLogField]:
    """The fields of ``fmt`` that the Parquet table holds beyond its fixed version-2 columns."""
    return [f for f in as_format(fmt).fields if f.version > 2]


def parquet_columns(fmt: FlowLogFormat | str | None = None) -> list[tuple[str, str]]:
    """The Parquet table's (column, type) list, in table order."""
    return list(PARQUET_V2_COLUMNS) + [(f.column, f.athena_type) for f in parquet_extra_fields(fmt)]


def parquet_table_columns(fmt: FlowLogFormat | str | None = None) -> list[tuple[str, str]]:
    """The Parquet table's whole (column, type) list: the format's columns, then the enriched ones."""
    from vpcflow.enrichment.columns import ENRICHED_COLUMNS

    return parquet_columns(fmt) + list(ENRICHED_COLUMNS)


_SQL_TYPES = {"INT": "INTEGER", "BIGINT": "BIGINT", "STRING": "VARCHAR", "TIMESTAMP": "TIMESTAMP"}
_EPOCH = "TIMESTAMP '1970-01-01 00:00:00'"


def parquet_select(fmt: FlowLogFormat | str | None = None) -> list[str]:
    """``expression AS column`` for each Parquet column (``parquet_columns``), read from the typed table.

    A column whose field the format lacks is a typed NULL. AWS writes '-' for a field that does not apply
    (NODATA records, a flow without a packet source): NULL in Parquet, as the typed table already reads it
    for numbers. The times are built with date_add, not from_unixtime: that returns a timestamp WITH time
    zone, and Athena engine v3 refuses any cast of one into a TIMESTAMP column ("Casting a Timestamp with
    Time Zone to Timestamp is not supported", docs.aws.amazon.com/athena/latest/ug/engine-versions-reference-0003.html).
    """
    fmt = as_format(fmt)
    by_column = {f.column.lower(): f for f in fmt.fields}
    times = {"start_time": "start", "end_time": "end"}
    select = []
    for column, athena_type in parquet_columns(fmt):
        field = by_column.get(column) or (fmt.by_name.get(times[column]) if column in times else None)
        if field is None:
            expression = f"CAST(NULL AS {_SQL_TYPES[athena_type]})"
        elif column in times:
            expression = f"date_add('second', {field.column.lower()}, {_EPOCH})"
        elif field.is_integer:
            expression = field.column.lower()
        else:
            expression = f"nullif({field.column.lower()}, '{NULL}')"
        select.append(f"{expression} AS {column}")
    return select


def parquet_table_ddl(
    fmt: FlowLogFormat | str | None = None,
    *,
    location: str,
    table: str = "vpc_flow_logs_parquet",
    database: str | None = None,
) -> str:
    """CREATE EXTERNAL TABLE for the compacted Parquet table (same IngestDateTime partition key): the
    format's columns, then the enrichment's (vpcflow.enrichment.columns)."""
    extra = [
        {"name": name, "type": kind} for name, kind in parquet_table_columns(fmt)[len(PARQUET_V2_COLUMNS) :]
    ]
    return sqlfiles.render(
        "create_vpc_flow_logs_parquet.sql", extra_columns=extra, **_table_params(table, location, database)
    )


def create_database_sql(database: str) -> str:
    return sqlfiles.render("create_database.sql", database=validate_identifier(database, "database"))


def _table_params(table: str, location: str, database: str | None) -> dict[str, Any]:
    return {
        "table": validate_identifier(table, "table name"),
        "location": validate_location(location, "table location"),
        "database": validate_identifier(database, "database") if database else None,
    }


def columns_of(fmt: FlowLogFormat | str | None = None) -> list[str]:
    """The raw table's column names for ``fmt``, lower-cased as Glue stores them."""
    return [f.column.lower() for f in as_format(fmt).fields]


# The blog declared every number INT; its table keeps those types (bigger values read as NULL).
_BLOG_TYPES = {"packets": "INT", "bytes": "INT", "start": "INT", "end": "INT"}


def text_table_columns(fmt: FlowLogFormat | str | None = None) -> list[tuple[str, str]]:
    """The raw table's (column, type) list as its DDL declares it, column names lower-cased."""
    fmt = as_format(fmt)
    if fmt.is_default:
        return [(f.column.lower(), _BLOG_TYPES.get(f.name, f.athena_type)) for f in fmt.fields]
    return [(f.column.lower(), f.athena_type) for f in fmt.fields]
