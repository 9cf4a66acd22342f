"""`vpcflow findings [--hours N | --since HOUR] [--detector D] [--severity S] [--id ID] [--json]
[--endpoint-url URL | --local]`: the current state of each finding vpcflow_detections raised.

Without an endpoint the default AWS credential chain and region are used (real Athena); the workgroup and
database are the stack's (StackConfig: VPCFLOW_* variables or their defaults).
"""

from __future__ import annotations

import argparse
import json
import sys


def _findings(args: argparse.Namespace) -> int:
    import boto3

    from vpcflow.athena import AthenaQueryError
    from vpcflow.detections import listing
    from vpcflow.devstack.query_cli import local_credentials
    from vpcflow.devstack.settings import LocalSettings
    from vpcflow.model.config import ConfigError, StackConfig

    endpoint = LocalSettings().endpoint if args.local else args.endpoint_url
    if args.local:
        local_credentials()
    try:
        query = listing.Query.make(args.hours, args.since, args.detector, args.severity, args.id)
        config = StackConfig()
        athena = boto3.client("athena", endpoint_url=endpoint, region_name=args.region or "us-east-1")
        rows, scanned = listing.latest(athena, config, query)
    except (listing.ListingError, ConfigError) as err:
        print(f"vpcflow findings: {err}", file=sys.stderr)
        return 2
    except AthenaQueryError as err:
        print(f"vpcflow findings: {err}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(rows, default=str, indent=2))
    elif args.id:
        print("\n\n".join(listing.details(r) for r in rows) or f"no finding {args.id} since {query.since}")
    else:
        print(listing.table(rows))
        print(f"({len(rows)} findings seen since hour {query.since}; {scanned:,} bytes scanned)")
    return 0


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "findings", help="list the findings of vpcflow_detections (their current state, newest first)"
    )
    window = parser.add_mutually_exclusive_group()
    window.add_argument(
        "--hours", type=int, default=None, help="findings seen in the last N hours (default 24)"
    )
    window.add_argument("--since", help="findings seen since this UTC hour, e.g. 2026-11-26-05")
    parser.add_argument("--detector", help="one detector, e.g. brute_force")
    parser.add_argument("--severity", help="at least this severity: LOW, MEDIUM, HIGH or CRITICAL")
    parser.add_argument("--id", help="one finding, with its evidence flows")
    parser.add_argument("--json", action="store_true", help="every column of each finding, as JSON")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--endpoint-url", help="Athena endpoint, e.g. http://127.0.0.1:4566 (default: AWS)")
    where.add_argument("--local", action="store_true", help="the local endpoint of `vpcflow local up`")
    parser.add_argument("--region", default=None, help="AWS region (default: the AWS configuration's)")
    parser.set_defaults(func=_findings)
