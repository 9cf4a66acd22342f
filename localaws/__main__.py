"""``python -m localaws``: run the endpoint in the foreground until SIGTERM or SIGINT."""

from __future__ import annotations

import argparse
import logging
import signal
import threading

from localaws.server import DEFAULT_PORT, LocalAWS


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="localaws", description=__doc__)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--state-dir", default=".localaws")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    aws = LocalAWS(port=args.port, state_dir=args.state_dir).start()
    stopping.wait()
    logging.getLogger("localaws").info("stopping: flushing buffers")
    aws.stop()


if __name__ == "__main__":
    main()
