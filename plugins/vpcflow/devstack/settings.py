"""Where the local developer stack (localaws) runs: environment variables with defaults. No I/O at import."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

LOCAL_ENDPOINT = "http://127.0.0.1:4566"


def _env(name: str, default: str) -> str:
    return os.environ.get(f"VPCFLOW_{name}", default)


@dataclass(frozen=True)
class LocalSettings:
    """Where `vpcflow local` keeps its endpoint, pid file and log, and where `make up` runs Airflow."""

    port: int = field(default_factory=lambda: int(_env("LOCALAWS_PORT", "4566")))
    state_dir: str = field(default_factory=lambda: _env("LOCALAWS_STATE_DIR", ".localaws"))
    airflow_port: int = field(default_factory=lambda: int(_env("AIRFLOW_PORT", "8080")))
    airflow_home: str = field(default_factory=lambda: _env("AIRFLOW_HOME", ""))  # empty: .airflow/local

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid_file(self) -> str:
        return os.path.join(self.state_dir, "localaws.pid")

    @property
    def log_file(self) -> str:
        return os.path.join(self.state_dir, "localaws.log")
