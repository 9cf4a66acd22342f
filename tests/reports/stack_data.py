"""A provisioned stack on localaws holding generated hours, loaded the way vpcflow_hourly loads them
(the hourly SQL files and vpcflow.hourly.tasks), and the flows each hour holds, parsed in Python.

Two recent hours (inside any window of a few hours, wherever the clock is within its hour) and one old
hour (outside it), so each report's window is tested too.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from vpcflow.model.config import StackConfig
from vpcflow.model.formats import DEFAULT_FORMAT, NULL
from vpcflow.provision.common import Clients
from vpcflow.provision.stack import provision_catalog, provision_storage
from vpcflow.synthetic.generator import GeneratorConfig
from vpcflow.synthetic.sinks import write_s3

ACCOUNT = "123456789012"
COLUMNS = [
    "version",
    "account",
    "interfaceid",
    "sourceaddress",
    "destinationaddress",
    "sourceport",
    "destinationport",
    "protocol",
    "packets",
    "bytes",
    "starttime",
    "endtime",
    "action",
    "logstatus",
]


@dataclass
class LoadedStack:
    config: StackConfig
    clients: Clients
    recent: list[datetime]
    old: datetime
    flows: dict[str, list[dict[str, Any]]] = field(
        default_factory=dict
    )  # partition -> rows as the table has them
    quality: dict[str, dict[str, int]] = field(default_factory=dict)  # partition -> check -> value

    def rows(self, partitions: list[str] | None = None) -> list[dict[str, Any]]:
        wanted = partitions if partitions is not None else [f"{h:%Y-%m-%d-%H}" for h in self.recent]
        return [row for p in wanted for row in self.flows[p]]


def parse_row(line: str) -> dict[str, Any] | None:
    """A line as the Parquet table stores it (the typed table's row, AWS's '-' as NULL); None if malformed."""
    typed = DEFAULT_FORMAT.typed_row(line)
    if typed is None:
        return None
    values = [None if v == NULL else v for v in typed.values()]
    return dict(zip(COLUMNS, values, strict=True))


def distinct(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each distinct record once, as compaction keeps them."""
    return list({tuple(r.values()): r for r in rows}.values())


_LOADED: dict[str, LoadedStack] = {}


def _still_there(stack: LoadedStack) -> bool:
    # Tests elsewhere enter moto's mock_aws(), which resets the backends localaws serves S3 and Glue from.
    try:
        stack.clients("s3").head_bucket(Bucket=stack.config.bucket)
        stack.clients("glue").get_table(DatabaseName=stack.config.database, Name=stack.config.parquet_table)
    except Exception:
        return False
    return True


def shared_stack(endpoint: str) -> LoadedStack:
    """One loaded stack per localaws, shared by the report and dashboard tests (loaded again if a moto
    reset elsewhere in the session wiped it)."""
    if endpoint not in _LOADED or not _still_there(_LOADED[endpoint]):
        _LOADED[endpoint] = load_stack(endpoint)
    return _LOADED[endpoint]


def load_stack(
    endpoint: str,
    records_per_hour: int = 1500,
    recent_hours: int = 2,
    old: bool = True,
    stack_name: str | None = None,
) -> LoadedStack:
    from vpcflow.athena import Athena
    from vpcflow.hourly.compaction import Target, publish
    from vpcflow.hourly.context import HourContext
    from vpcflow.hourly.settings import RunSettings
    from vpcflow.hourly.tasks import evaluate_quality, list_hour_objects
    from vpcflow.synthetic.generator import generate_hour

    suffix = uuid.uuid4().hex[:6]
    config = StackConfig.isolated(
        "reports",
        suffix,
        **({"stack_name": stack_name} if stack_name else {}),
        quicksight_principal=f"arn:aws:quicksight:us-east-1:{ACCOUNT}:user/default/analyst-{suffix}",
    )
    clients = Clients(endpoint_url=endpoint, region="us-east-1")
    provision_storage(clients, config)
    provision_catalog(clients, config)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    recent = [now - timedelta(hours=h) for h in range(recent_hours, 0, -1)]
    old_hour = now - timedelta(hours=72)
    stack = LoadedStack(config, clients, recent, old_hour)
    runner = Athena.for_stack(clients("athena"), config, first_poll_s=0.05, max_poll_s=0.05)
    # The same volume whatever the hour of day the tests run at, so each hour's port scan reaches the
    # port_scan_suspects threshold (20 ports) and the SSH brute force outnumbers the noise on any closed port.
    gen = GeneratorConfig(
        records_per_hour=records_per_hour, seed=5, daily_curve=False, port_scan=0.02, brute_force=0.02
    )
    # The estate in EC2 with the inventory, ranges, names and geo the compaction joins (issue #18).
    from tests.vpcflow.enrichment.loading import load_dimensions, place_and_snapshot

    first = old_hour if old else recent[0]
    estate = place_and_snapshot(clients, config, gen.seed, gen.accounts, f"{first:%Y-%m-%d-%H}")
    load_dimensions(clients, config)
    s3, athena = clients("s3"), clients("athena")
    for hour in ([old_hour] if old else []) + recent:
        batch = generate_hour(hour, gen, estate)
        write_s3([batch], s3, bucket=config.bucket, prefix=config.raw_prefix, seed=gen.seed)
        # What vpcflow_hourly's tasks do for this hour, in their order (SPICE aside).
        context = HourContext(config, RunSettings(), hour)
        list_hour_objects(s3, athena, context, f"stack-data-{hour:%Y%m%dT%H}", hour)
        for step in ("register_partition", "register_typed_partition"):
            runner.run(context.sql(step))
        qid = runner.run(context.sql("check_quality"))["QueryExecutionId"]
        verdict = evaluate_quality(s3, athena, context, qid)
        target = Target.for_try(context, f"stack-data-{hour:%Y%m%dT%H}")
        runner.run(context.sql("compact_hour", compaction=target))
        publish(clients("glue"), s3, context, target)
        partition = f"{hour:%Y-%m-%d-%H}"
        stack.flows[partition] = distinct([r for r in map(parse_row, batch.lines) if r is not None])
        stack.quality[partition] = verdict["counts"]
    # The Parquet table holds what the hourly run compacted: every row the SerDe read.
    counted = runner.query(f"SELECT count(*) AS n FROM {config.database}.{config.parquet_table}")
    assert int(counted[0]["n"]) == sum(len(v) for v in stack.flows.values()), counted
    return stack
