"""The ``vpcflow`` command."""

from __future__ import annotations

import argparse
import json
import sys

from vpcflow.devstack import findings_cli, generate_cli, local, query_cli, replay_cli, stack_cli
from vpcflow.devstack.settings import LocalSettings


def _local(args: argparse.Namespace) -> int:
    settings = LocalSettings(port=args.port) if args.port else LocalSettings()
    if args.action == "up":
        state = local.up(settings)
        print(
            f"localaws is up at {settings.endpoint} (pid file {settings.pid_file}, log {settings.log_file})"
        )
        print(json.dumps(state, indent=2))
        return 0
    if args.action == "down":
        stopped = local.down(settings)
        print("localaws stopped" if stopped else "localaws was not running")
        return 0
    state = local.health(settings)
    if state is None:
        print(f"localaws is not running at {settings.endpoint}")
        return 1
    print(f"localaws is running at {settings.endpoint}, pid {local.running_pid(settings)}")
    print(json.dumps(state, indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vpcflow", description="Analyse VPC Flow Logs on AWS or on localaws."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    local_cmd = commands.add_parser("local", help="run the embedded local AWS (localaws)")
    local_cmd.add_argument("action", choices=["up", "down", "status"])
    local_cmd.add_argument(
        "--port", type=int, help="port on 127.0.0.1 (default 4566 or $VPCFLOW_LOCALAWS_PORT)"
    )
    local_cmd.set_defaults(func=_local)
    generate_cli.add_parser(commands)
    stack_cli.add_parsers(commands)
    query_cli.add_parser(commands)
    replay_cli.add_parser(commands)
    findings_cli.add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except local.LocalAWSError as err:
        print(f"vpcflow: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
