"""Saved reports: the SQL files in sql/reports/, rendered for a stack and run on Athena (AWS or localaws).

Each report is one SELECT. The security reports read the Parquet table over a window of ingest hours
(``hours``, default 24: the partitions from the hour ``hours`` ago up to now, compared as the partition
strings so Athena prunes the rest); the blog's queries stay verbatim on the blog's table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vpcflow.athena import Athena
from vpcflow.model.config import StackConfig

DEFAULT_HOURS = 24
MAX_HOURS = 24 * 400  # a bound on a typo, not on what Athena can scan


@dataclass(frozen=True)
class Report:
    name: str
    description: str
    windowed: bool = True  # takes params.hours
    saved: bool = True  # provisioning saves it as an Athena named query
    needs: tuple[str, ...] = ()  # flow-log fields beyond version 2 it reads (the LogFormat must carry them)
    params: tuple[str, ...] = ()  # the parameters it takes besides hours

    def missing(self, config: StackConfig) -> list[str]:
        """The fields it needs that the stack's LogFormat lacks."""
        from vpcflow.model.formats import parse_log_format

        fmt = parse_log_format(config.flow_log_format)
        return [name for name in self.needs if not fmt.has(name)]


REPORTS: dict[str, Report] = {
    r.name: r
    for r in (
        Report(
            "blog_top_rejected",
            "The blog's query: top 25 rejected source addresses, all partitions",
            windowed=False,
        ),
        Report(
            "blog_top_rejected_last_hours",
            "The blog's query: top 25 rejected sources of the last 2 hours",
            windowed=False,
        ),
        Report(
            "blog_top_rejected_since",
            "The blog's query: top 25 rejected sources after partition SINCE (--param since=YYYY-MM-DD-HH)",
            windowed=False,
            saved=False,
            params=("since",),
        ),
        Report("top_talkers", "Top 25 source -> destination pairs by bytes"),
        Report("rejected_tcp", "Rejected TCP flows by destination port (top 25)"),
        Report(
            "ssh_rdp_exposure", "SSH/RDP reached from outside private ranges, accepted vs rejected per target"
        ),
        Report("admin_ports", "Flows to administrative and database ports, accepted vs rejected"),
        Report("ip_versions", "IPv4 vs IPv6: flows, packets and bytes"),
        Report(
            "port_scan_suspects",
            "Sources whose rejected flows hit >= min_ports (20) distinct ports",
            params=("min_ports",),
        ),
        Report("quality_by_hour", "Hourly data quality verdicts from the quality table"),
        Report("bytes_by_vpc", "Bytes and flows per VPC and subnet", needs=("vpc-id", "subnet-id")),
        Report(
            "aws_services_by_direction",
            "Bytes to and from AWS services, ingress vs egress",
            needs=("flow-direction", "pkt-src-aws-service", "pkt-dst-aws-service"),
        ),
    )
}


class ReportError(ValueError):
    """An unknown report or a bad parameter; the message names it."""


def get(name: str) -> Report:
    if name not in REPORTS:
        raise ReportError(f"no report {name!r}; known: {', '.join(sorted(REPORTS))}")
    return REPORTS[name]


def render(name: str, config: StackConfig | None = None, hours: int = DEFAULT_HOURS, **extra: Any) -> str:
    """The report's SQL for ``config``'s database and tables, with the window of ``hours`` ingest hours."""
    from vpcflow.model import sqlfiles

    report = get(name)
    config = config or StackConfig()
    missing = report.missing(config)
    if missing:
        raise ReportError(
            f"report {name} reads the flow-log field(s) {', '.join(repr(m) for m in missing)}, which this stack's "
            f"LogFormat does not carry (VPCFLOW_FLOW_LOG_FORMAT)"
        )
    if isinstance(hours, bool) or not isinstance(hours, int) or not 1 <= hours <= MAX_HOURS:
        raise ReportError(f"hours must be a whole number between 1 and {MAX_HOURS}, not {hours!r}")
    unknown = sorted(set(extra) - set(report.params))
    if unknown:
        takes = f"it takes {', '.join(report.params)}" if report.params else "it takes none"
        raise ReportError(f"report {name} has no parameter {', '.join(unknown)} ({takes}, besides --hours)")
    for key, value in extra.items():
        # Values land inside SQL text: only plain tokens, never quotes or separators.
        if not str(value).replace("-", "").replace("_", "").replace(".", "").isalnum():
            raise ReportError(f"report parameter {key}={value!r} must be letters, digits, '-', '_' or '.'")
    if "min_ports" in extra:
        extra["min_ports"] = int(extra["min_ports"])
    return (
        sqlfiles.render(
            f"reports/{name}.sql",
            database=config.database,
            raw_table=config.raw_table,
            parquet_table=config.parquet_table,
            hours=hours,
            **extra,
        )
        .strip()
        .rstrip(";")
    )


@dataclass(frozen=True)
class ReportResult:
    query_execution_id: str
    columns: list[str]
    rows: list[list[str | None]]
    scanned_bytes: int


def run(
    athena: Any,
    name: str,
    config: StackConfig | None = None,
    hours: int = DEFAULT_HOURS,
    poll_s: float = 0.2,
    timeout_s: float = 300,
    **extra: Any,
) -> ReportResult:
    """Run a report in the stack's workgroup and database and wait for it; raise with Athena's reason."""
    config = config or StackConfig()
    runner = Athena.for_stack(athena, config, timeout_s=timeout_s, max_poll_s=poll_s)
    execution = runner.run(render(name, config, hours, **extra))
    qid = execution["QueryExecutionId"]
    rows = runner.rows(qid)
    columns = list(rows[0]) if rows else _columns(athena, qid)
    scanned = execution.get("Statistics", {}).get("DataScannedInBytes", 0)
    return ReportResult(qid, columns, [list(r.values()) for r in rows], scanned)


def _columns(athena: Any, query_execution_id: str) -> list[str]:
    """The column names of a query that returned no row (its result set's metadata)."""
    answer = athena.get_query_results(QueryExecutionId=query_execution_id, MaxResults=1)
    return [c["Name"] for c in answer["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]]


def format_table(columns: list[str], rows: list[list[str | None]]) -> str:
    """A plain text table: numbers right-aligned, NULL as an empty cell."""
    cells = [["" if v is None else str(v) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    numeric = [
        all(_is_number(r[i]) for r in cells if r[i]) and any(r[i] for r in cells) for i in range(len(columns))
    ]

    def line(values: list[str]) -> str:
        return "  ".join(
            v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric, strict=True)
        ).rstrip()

    out = [line(columns), line(["-" * w for w in widths])] + [line(r) for r in cells]
    return "\n".join(out)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
