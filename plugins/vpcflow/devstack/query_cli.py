"""`vpcflow query NAME [--hours N] [--endpoint-url URL | --local]`: run a saved report and print a table.

Without an endpoint the default AWS credential chain and region are used (real Athena); the workgroup,
database and tables are the stack's (StackConfig, i.e. VPCFLOW_* variables or their defaults).
"""

from __future__ import annotations

import argparse
import sys


def _query(args: argparse.Namespace) -> int:
    import boto3

    from vpcflow import reports
    from vpcflow.devstack.settings import LocalSettings
    from vpcflow.model.config import ConfigError, StackConfig

    if args.list:
        for report in reports.REPORTS.values():
            print(f"{report.name:30} {report.description}")
        return 0
    if not args.name:
        print("vpcflow query: name a report (--list shows them)", file=sys.stderr)
        return 2
    extra = {}
    for item in args.param or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            print(f"vpcflow query: --param {item!r} is not KEY=VALUE", file=sys.stderr)
            return 2
        extra[key] = value
    endpoint = LocalSettings().endpoint if args.local else args.endpoint_url
    if args.local:
        local_credentials()
    try:
        config = StackConfig()
        athena = boto3.client("athena", endpoint_url=endpoint, region_name=args.region or "us-east-1")
        result = reports.run(athena, args.name, config, args.hours, **extra)
    except (reports.ReportError, ConfigError) as err:
        print(f"vpcflow query: {err}", file=sys.stderr)
        return 2
    except RuntimeError as err:
        print(f"vpcflow query: {err}", file=sys.stderr)
        return 1
    print(reports.format_table(result.columns, result.rows))
    print(
        f"({len(result.rows)} rows; {result.scanned_bytes:,} bytes scanned; query {result.query_execution_id})"
    )
    if not result.rows and reports.get(args.name).windowed:
        glue = boto3.client("glue", endpoint_url=endpoint, region_name=args.region or "us-east-1")
        print(empty_window_hint(glue, config, args.hours), file=sys.stderr)
    return 0


def local_credentials() -> None:
    """localaws takes any keys; without some, boto3 stops at "Unable to locate credentials"."""
    import os

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "localaws")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "localaws")


def empty_window_hint(glue, config, hours: int) -> str:
    """Why a windowed report came back empty: its window, and the latest ingest hour the table has."""
    pages = glue.get_paginator("get_partitions").paginate(
        DatabaseName=config.database, TableName=config.parquet_table
    )
    latest = max((p["Values"][0] for page in pages for p in page["Partitions"]), default=None)
    window = f"the window is the last {hours} ingest hours (--hours {hours})"
    if latest is None:
        return f"no rows: {window}, and {config.database}.{config.parquet_table} holds no hour yet"
    return f"no rows: {window}; the latest hour with data is {latest}: widen --hours to reach it"


def add_parser(commands) -> None:
    from vpcflow.reports import DEFAULT_HOURS

    query = commands.add_parser("query", help="run a saved report (sql/reports/) on Athena and print a table")
    query.add_argument("name", nargs="?", help="report name, e.g. top_talkers (see --list)")
    query.add_argument("--list", action="store_true", help="list the reports")
    query.add_argument(
        "--hours",
        type=int,
        default=DEFAULT_HOURS,
        help=f"window of ingest hours ending now (default {DEFAULT_HOURS})",
    )
    query.add_argument(
        "--param",
        action="append",
        metavar="KEY=VALUE",
        help="another report parameter, e.g. since=2026-11-26-00 or min_ports=50",
    )
    where = query.add_mutually_exclusive_group()
    where.add_argument("--endpoint-url", help="Athena endpoint, e.g. http://127.0.0.1:4566 (default: AWS)")
    where.add_argument("--local", action="store_true", help="the local endpoint of `vpcflow local up`")
    query.add_argument("--region", default=None, help="AWS region (default: the AWS configuration's)")
    query.set_defaults(func=_query)
