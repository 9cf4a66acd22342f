"""``vpcflow generate``: synthetic flow logs into S3 (Firehose's layout), a CloudWatch Logs group, or stdout."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from vpcflow.model.config import StackConfig
from vpcflow.synthetic.generator import GeneratorConfig, GeneratorError, HourSummary, generate
from vpcflow.synthetic.sinks import (
    DEFAULT_DELIVERY_STREAM,
    DEFAULT_LOG_STREAM,
    generate_to_log_group,
    generate_to_s3,
)

_DEFAULTS = GeneratorConfig()


def add_parser(commands: Any) -> None:
    """Register ``generate`` on the ``vpcflow`` subparsers."""
    cmd = commands.add_parser(
        "generate",
        help="write synthetic VPC flow logs to S3 (Firehose layout) or a CloudWatch Logs group",
        description="Generate realistic, deterministic VPC flow logs (default format) for every hour of "
        "[--from, --to). S3 gets history in Firehose's layout (for backfills); a log group gets live "
        "records that travel subscription -> Lambda -> Firehose -> S3.",
    )
    cmd.add_argument(
        "--from", dest="start", required=True, metavar="HOUR", help="first hour, UTC: 2026-11-26T00"
    )
    cmd.add_argument("--to", dest="end", required=True, metavar="HOUR", help="end hour (exclusive), UTC")
    cmd.add_argument(
        "--records-per-hour", type=int, default=_DEFAULTS.records_per_hour, help="mean lines per hour"
    )
    cmd.add_argument("--seed", type=int, default=_DEFAULTS.seed)
    cmd.add_argument("--malformed", type=float, default=_DEFAULTS.malformed, help="share of malformed lines")
    cmd.add_argument("--nodata", type=float, default=_DEFAULTS.nodata, help="share of NODATA records")
    cmd.add_argument("--skipdata", type=float, default=_DEFAULTS.skipdata, help="share of SKIPDATA records")
    cmd.add_argument(
        "--port-scan", type=float, default=_DEFAULTS.port_scan, help="share of port-scan records"
    )
    cmd.add_argument(
        "--brute-force", type=float, default=_DEFAULTS.brute_force, help="share of SSH brute force"
    )
    cmd.add_argument(
        "--rejected", type=float, default=_DEFAULTS.rejected, help="share of ordinary traffic rejected"
    )
    cmd.add_argument(
        "--no-daily-curve", action="store_true", help="exactly --records-per-hour lines every hour"
    )
    cmd.add_argument(
        "--log-format",
        default=os.environ.get("VPCFLOW_FLOW_LOG_FORMAT", ""),
        help="LogFormat of the records (default: the stack's VPCFLOW_FLOW_LOG_FORMAT, else AWS's default)",
    )
    sink = cmd.add_mutually_exclusive_group(required=True)
    sink.add_argument(
        "--s3",
        metavar="URL",
        nargs="?",
        const="",
        help="s3://bucket/raw/: objects as Firehose writes them (without URL: the stack's raw prefix)",
    )
    sink.add_argument("--log-group", metavar="NAME", help="CloudWatch Logs group (with its subscription)")
    sink.add_argument("--stdout", action="store_true", help="print the lines; the summary goes to stderr")
    cmd.add_argument(
        "--log-stream", default=DEFAULT_LOG_STREAM, help=f"with --log-group (default {DEFAULT_LOG_STREAM})"
    )
    cmd.add_argument(
        "--delivery-stream", default=DEFAULT_DELIVERY_STREAM, help="with --s3: the stream name in object keys"
    )
    cmd.add_argument(
        "--objects-per-hour", type=int, default=4, help="with --s3: Firehose buffer flushes per hour"
    )
    where = cmd.add_mutually_exclusive_group()
    where.add_argument("--endpoint-url", help="AWS endpoint, e.g. http://127.0.0.1:4566 for localaws")
    where.add_argument("--local", action="store_true", help="the local stack's endpoint (`make up`)")
    cmd.add_argument("--region", help="AWS region (default $AWS_DEFAULT_REGION or us-east-1)")
    cmd.add_argument("--json", action="store_true", help="print the summary as JSON")
    cmd.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        config = GeneratorConfig(
            records_per_hour=args.records_per_hour,
            seed=args.seed,
            malformed=args.malformed,
            nodata=args.nodata,
            skipdata=args.skipdata,
            port_scan=args.port_scan,
            brute_force=args.brute_force,
            rejected=args.rejected,
            daily_curve=not args.no_daily_curve,
            log_format=args.log_format,
        )
        # On the local stack the estate's interfaces are made in EC2 (moto) first, so the flows carry EC2's
        # interface ids and the enrichment's inventory joins them; never against AWS.
        estate = _local_estate(config, args) if args.local else None
        if args.stdout:
            summaries = []
            for batch in generate(args.start, args.end, config, estate):
                sys.stdout.write("".join(line + "\n" for line in batch.lines))
                summaries.append(batch.summary)
        elif args.s3 is not None:
            summaries = generate_to_s3(
                args.start,
                args.end,
                config,
                s3=_client("s3", args),
                url=args.s3 or StackConfig().raw_location,
                delivery_stream=args.delivery_stream,
                objects_per_hour=args.objects_per_hour,
                estate=estate,
            )
        else:
            summaries = generate_to_log_group(
                args.start, args.end, config, logs=_client("logs", args), log_group=args.log_group,
                log_stream=args.log_stream, estate=estate,
            )  # fmt: skip
    except GeneratorError as err:
        print(f"vpcflow generate: {err}", file=sys.stderr)
        return 2
    except Exception as err:  # botocore errors: report the AWS message, not a traceback
        if type(err).__module__.startswith("botocore"):
            print(f"vpcflow generate: {err}", file=sys.stderr)
            return 1
        raise
    out = sys.stderr if args.stdout else sys.stdout
    print(json.dumps(summary_dict(summaries), indent=2) if args.json else format_summary(summaries), file=out)
    return 0


def _local_estate(config: GeneratorConfig, args: argparse.Namespace) -> Any:
    from vpcflow.synthetic import ec2_estate
    from vpcflow.synthetic.generator import build_estate

    return ec2_estate.place(_client("ec2", args), build_estate(config.seed, config.accounts), config.seed)


def _client(service: str, args: argparse.Namespace) -> Any:
    import boto3

    if args.local:
        from vpcflow.devstack.query_cli import local_credentials
        from vpcflow.devstack.settings import LocalSettings

        local_credentials()
        args.endpoint_url = LocalSettings().endpoint
    region = (
        args.region or os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION") or "us-east-1"
    )
    return boto3.client(service, endpoint_url=args.endpoint_url, region_name=region)


_COLUMNS = ("lines", "records", "accepted", "rejected", "nodata", "skipdata", "malformed", "bytes")


def summary_dict(summaries: list[HourSummary]) -> dict[str, Any]:
    hours = [s.as_dict() for s in summaries]
    totals = {name: sum(h[name] for h in hours) for name in _COLUMNS}
    return {"hours": hours, "totals": totals}


def format_summary(summaries: list[HourSummary]) -> str:
    """A table: one row per hour, then totals, then where the lines went."""
    header = f"{'hour':<14}" + "".join(f"{name:>12}" for name in _COLUMNS)
    rows = [header]
    for s in summaries:
        rows.append(f"{s.partition:<14}" + "".join(f"{getattr(s, name):>12}" for name in _COLUMNS))
    rows.append(f"{'total':<14}" + "".join(f"{sum(getattr(s, n) for s in summaries):>12}" for n in _COLUMNS))
    places = sorted({place for s in summaries for place in s.objects})
    if places:
        rows.append(f"{len(places)} destination(s), e.g. {places[0]}")
    return "\n".join(rows)
