"""What sql/hourly/compact_hour.sql reads as ``enrich``: the enrichment's tables and SQL expressions for one
hour, given the stack and its flow-log format.

Direction is judged against the CIDR blocks of the VPC the flow was captured in (the format's vpc-id, else
the inventory's): both ends inside is ``internal``; otherwise the log's own ``flow-direction`` when the
format carries it (AWS's field, relative to the interface); else ingress when only the destination is
inside, egress when only the source is. The peer is the far side of that direction (for a flow whose
interface is unknown: the end that is not private). The peer's AWS service is the log's
``pkt-src/dst-aws-service`` when the format carries it, else the most specific prefix of AWS's ranges.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from vpcflow.enrichment import addresses, tables
from vpcflow.enrichment.columns import ENRICHED_COLUMNS
from vpcflow.enrichment.community_id import community_id_sql
from vpcflow.model.formats import FlowLogFormat
from vpcflow.model.partitions import validate_table_name

_SQL_TYPES = {"STRING": "VARCHAR", "INT": "INTEGER"}


@dataclass(frozen=True)
class EnrichmentSql:
    database: str
    fmt: FlowLogFormat
    label: str  # the hour, YYYY-MM-DD-HH: which versions of the inventory are valid
    enabled: bool = True

    def table(self, dimension: tables.DimensionTable) -> str:
        return ".".join(validate_table_name(f"{self.database}.{dimension.name}"))

    @property
    def interfaces(self) -> str:
        return self.table(tables.INTERFACES)

    @property
    def vpc_cidrs(self) -> str:
        return self.table(tables.VPC_CIDRS)

    @property
    def aws_ranges(self) -> str:
        return self.table(tables.AWS_RANGES)

    @property
    def geo(self) -> str:
        return self.table(tables.GEO)

    @property
    def protocols(self) -> str:
        return self.table(tables.PROTOCOLS)

    @property
    def services(self) -> str:
        return self.table(tables.SERVICES)

    def valid(self, alias: str) -> str:
        """The versions of the dimension ``alias`` valid during the hour."""
        hour = f"'{self.label}'"
        return (
            f"({alias}.valid_from IS NULL OR {alias}.valid_from <= {hour}) "
            f"AND ({alias}.valid_to IS NULL OR {hour} < {alias}.valid_to)"
        )

    def _field(self, name: str, alias: str = "f") -> str:
        field = self.fmt.by_name.get(name)
        return f"{alias}.{field.column.lower()}" if field else "CAST(NULL AS VARCHAR)"

    @property
    def vpc(self) -> str:
        """The flow's VPC: the log's vpc-id when the format has it, else the inventory's."""
        return f"coalesce({self._field('vpc-id')}, ni.vpc_id)"

    @property
    def flow_direction(self) -> str:
        return self._field("flow-direction", "a")

    @property
    def src_service(self) -> str:
        return self._field("pkt-src-aws-service", "x")

    @property
    def dst_service(self) -> str:
        return self._field("pkt-dst-aws-service", "x")

    @staticmethod
    def address_hex(column: str) -> str:
        return f"to_hex(CAST(TRY_CAST({column} AS IPADDRESS) AS VARBINARY))"

    @staticmethod
    def bucket(hex_column: str) -> str:
        return addresses.BUCKET_SQL.format(h=hex_column)

    @staticmethod
    def private(hex_column: str) -> str:
        return addresses.private_sql(hex_column)

    @cached_property
    def community_id(self) -> str:
        return community_id_sql("x.src_hex", "x.dst_hex", "x.protocol", "x.sourceport", "x.destinationport")

    @property
    def null_columns(self) -> list[str]:
        """The enriched columns as typed NULLs: compaction with the enrichment switched off."""
        return [f"CAST(NULL AS {_SQL_TYPES[kind]}) AS {name}" for name, kind in ENRICHED_COLUMNS]
