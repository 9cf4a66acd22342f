"""`vpcflow replay [--dry-run] [--limit N] [--endpoint-url URL | --local]`: send the forwarder's failed events
on (vpcflow.replay), from the stack's failure queue to its forwarder function.

Without an endpoint the default AWS credential chain and region are used; the queue and the function are
the stack's (StackConfig, i.e. VPCFLOW_* variables or their defaults).
"""

from __future__ import annotations

import argparse
import sys

# Lambda's longest timeout: a synchronous Invoke may legitimately take that long.
MAX_FUNCTION_TIMEOUT_S = 900


def _replay(args: argparse.Namespace) -> int:
    import boto3
    from botocore.config import Config

    from vpcflow import replay
    from vpcflow.devstack.settings import LocalSettings
    from vpcflow.model.config import ConfigError, StackConfig
    from vpcflow.provision.failures import queue_url

    try:
        config = StackConfig()
    except ConfigError as err:
        print(f"vpcflow replay: {err}", file=sys.stderr)
        return 2
    endpoint = LocalSettings().endpoint if args.local else args.endpoint_url
    sqs = boto3.client("sqs", endpoint_url=endpoint, region_name=args.region)
    # One attempt per event: a retry hidden in botocore would deliver it twice and report nothing.
    invoke_config = Config(read_timeout=MAX_FUNCTION_TIMEOUT_S + 10, retries={"total_max_attempts": 1})
    lam = boto3.client("lambda", endpoint_url=endpoint, region_name=args.region, config=invoke_config)
    url = queue_url(sqs, config.forwarder_failure_queue)
    if url is None:
        print(
            f"vpcflow replay: no queue {config.forwarder_failure_queue!r} (stack {config.stack_name!r}): "
            "provision the stack first (vpcflow_provision)",
            file=sys.stderr,
        )
        return 2
    report = replay.replay(
        sqs,
        lam,
        url,
        config.forwarder_function,
        dry_run=args.dry_run,
        limit=args.limit,
        visibility_timeout=args.visibility_timeout,
    )
    for item in report.items:
        print(replay.describe(item))
    verb = "listed" if args.dry_run else "replayed"
    done = report.listed if args.dry_run else report.sent
    events = sum(i.event.log_events for i in done if i.event)
    print(
        f"{verb} {len(done)} of {len(report.items)} message(s) from {config.forwarder_failure_queue} "
        f"to {config.forwarder_function}: {events:,} log events"
        + ("" if args.dry_run else f", {report.records_sent:,} Firehose records")
        + f"; {len(report.failed)} failed; {report.left_in_queue} left in the queue"
    )
    return 1 if report.failed else 0


def add_parser(commands) -> None:
    cmd = commands.add_parser(
        "replay", help="send the forwarder's failed events (its failure queue) to the forwarder again"
    )
    cmd.add_argument(
        "--dry-run", action="store_true", help="list the waiting events; send and delete nothing"
    )
    cmd.add_argument("--limit", type=int, default=None, help="handle at most N messages")
    cmd.add_argument(
        "--visibility-timeout",
        type=int,
        default=MAX_FUNCTION_TIMEOUT_S,
        help="seconds a received message stays hidden from other consumers while this run works (default 900)",
    )
    where = cmd.add_mutually_exclusive_group()
    where.add_argument("--endpoint-url", help="AWS endpoint, e.g. http://127.0.0.1:4566 (default: AWS)")
    where.add_argument("--local", action="store_true", help="the local endpoint of `vpcflow local up`")
    cmd.add_argument("--region", default=None, help="AWS region (default: the AWS configuration's)")
    cmd.set_defaults(func=_replay)
