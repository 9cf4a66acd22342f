"""``python -m localaws``: run the endpoint in the foreground until SIGTERM or SIGINT."""

from __future__ import annotations

import argparse
import logging
import signal
import threading

from localaws.server import DEFAULT_PORT, LOOPBACK, LocalAWS


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="localaws", description=__doc__)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument(
        "--host",
        default=LOOPBACK,
        help="interface to bind (default 127.0.0.1; 0.0.0.0 only inside a container's private network)",
    )
    parser.add_argument(
        "--public-endpoint", help="endpoint URL other containers use, e.g. http://localaws:4566"
    )
    parser.add_argument("--state-dir", default=".localaws")
    parser.add_argument(
        "--enforce-iam",
        action="store_true",
        help="evaluate the caller's IAM policies for every request (sign with access key 'localaws' to act "
        "as the account's root user, e.g. to create IAM users)",
    )
    parser.add_argument(
        "--iam-root-key",
        action="append",
        default=[],
        metavar="ACCESS_KEY_ID",
        help="with --enforce-iam, another access key that acts as the account's root user (repeatable)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    aws = LocalAWS(
        port=args.port,
        state_dir=args.state_dir,
        host=args.host,
        public_endpoint=args.public_endpoint,
        enforce_iam=args.enforce_iam,
        root_access_keys=tuple(args.iam_root_key),
    ).start()
    stopping.wait()
    logging.getLogger("localaws").info("stopping: flushing buffers")
    aws.stop()


if __name__ == "__main__":
    main()
