"""`vpcflow local up/status/down` as a user runs it: a real background process on a loopback port."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.request

import psutil


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _vpcflow(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vpcflow.devstack.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_up_status_down_leaves_no_process(tmp_path):
    port = _free_port()
    env = {**os.environ, "VPCFLOW_LOCALAWS_PORT": str(port), "VPCFLOW_LOCALAWS_STATE_DIR": str(tmp_path)}

    up = _vpcflow("local", "up", env=env)
    assert up.returncode == 0, up.stderr
    pid = int((tmp_path / "localaws.pid").read_text())
    process = psutil.Process(pid)
    listening = {c.laddr for c in process.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN}
    assert listening == {("127.0.0.1", port)}, "localaws must listen on loopback only"

    status = _vpcflow("local", "status", env=env)
    assert status.returncode == 0
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_localaws/health", timeout=5) as response:
        health = json.load(response)
    assert health["status"] == "running"
    assert {"s3", "firehose", "lambda", "athena", "quicksight", "glue", "logs"} <= set(health["services"])

    down = _vpcflow("local", "down", env=env)
    assert down.returncode == 0 and "stopped" in down.stdout
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert not (tmp_path / "localaws.pid").exists()
    assert _vpcflow("local", "status", env=env).returncode == 1


def test_up_is_idempotent(tmp_path):
    port = _free_port()
    env = {**os.environ, "VPCFLOW_LOCALAWS_PORT": str(port), "VPCFLOW_LOCALAWS_STATE_DIR": str(tmp_path)}
    try:
        assert _vpcflow("local", "up", env=env).returncode == 0
        first = (tmp_path / "localaws.pid").read_text()
        assert _vpcflow("local", "up", env=env).returncode == 0
        assert (tmp_path / "localaws.pid").read_text() == first
    finally:
        _vpcflow("local", "down", env=env)
