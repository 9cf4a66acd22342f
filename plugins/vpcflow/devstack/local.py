"""Start, stop and inspect a localaws process: pid file, log file, health URL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from vpcflow.devstack.settings import LocalSettings

HEALTH_PATH = "/_localaws/health"


class LocalAWSError(RuntimeError):
    pass


def health(settings: LocalSettings, timeout: float = 1.0) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(settings.endpoint + HEALTH_PATH, timeout=timeout) as response:
            return json.load(response)
    except (urllib.error.URLError, OSError, ValueError):
        return None


def running_pid(settings: LocalSettings) -> int | None:
    try:
        pid = int(Path(settings.pid_file).read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    return pid


def up(settings: LocalSettings, wait_seconds: float = 30.0) -> dict[str, Any]:
    """Start localaws in the background unless it already runs; return its health."""
    if running_pid(settings) and (state := health(settings)):
        return state
    if health(settings):
        raise LocalAWSError(
            f"port {settings.port} already answers but {settings.pid_file} names no live localaws"
        )
    Path(settings.state_dir).mkdir(parents=True, exist_ok=True)
    with open(settings.log_file, "ab") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "localaws",
                "--port",
                str(settings.port),
                "--state-dir",
                settings.state_dir,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    Path(settings.pid_file).write_text(f"{process.pid}\n")
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            Path(settings.pid_file).unlink(missing_ok=True)
            raise LocalAWSError(f"localaws exited with {process.returncode}; see {settings.log_file}")
        if state := health(settings):
            return state
        time.sleep(0.1)
    down(settings)
    raise LocalAWSError(f"localaws did not answer on {settings.endpoint} within {wait_seconds:.0f}s")


def down(settings: LocalSettings, wait_seconds: float = 30.0) -> bool:
    """Stop localaws by its pid (SIGTERM, so Firehose flushes; SIGKILL if it hangs). False if none ran."""
    pid = running_pid(settings)
    if pid is None:
        Path(settings.pid_file).unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        try:
            finished, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:  # not our child: poll for its disappearance instead
            finished = 0
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        if finished:
            break
        time.sleep(0.1)
    else:
        os.killpg(pid, signal.SIGKILL)
    Path(settings.pid_file).unlink(missing_ok=True)
    return True
