"""localaws listens on 127.0.0.1 only, as started by `python -m localaws` (what `make up` and the demo run)."""

from __future__ import annotations

import subprocess
import sys
import time

import psutil
import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.e2e


def listening(pid: int) -> set[tuple[str, int]]:
    """Every (address, port) the process and its children listen on."""
    found = set()
    parent = psutil.Process(pid)
    for process in [parent, *parent.children(recursive=True)]:
        try:
            found |= {
                (c.laddr.ip, c.laddr.port)
                for c in process.net_connections(kind="inet")
                if c.status == psutil.CONN_LISTEN
            }
        except psutil.NoSuchProcess:
            continue
    return found


def test_localaws_binds_loopback_only(tmp_path):
    # GIVEN localaws started as a process, on a random port, with its defaults
    process = subprocess.Popen(
        [sys.executable, "-m", "localaws", "--port", "0", "--state-dir", str(tmp_path / "state")],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    try:
        deadline, found = time.monotonic() + 30, set()
        while not found and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.2)
            found = listening(process.pid)
        # THEN it listens, and only on 127.0.0.1 (IPv4 and IPv6 wildcards and external interfaces excluded)
        assert found, "localaws did not start listening within 30 s"
        assert {ip for ip, _ in found} == {"127.0.0.1"}, found
    finally:
        process.terminate()
        process.wait(timeout=30)
