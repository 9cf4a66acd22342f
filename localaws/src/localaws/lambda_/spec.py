"""A deployed function as the runtime sees it (read from moto's registry), and what one invocation gave."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

LOG_TAIL_BYTES = 4096


@dataclass(frozen=True)
class FunctionSpec:
    """Everything a sandbox depends on; two specs that compare equal can share warm workers."""

    account_id: str
    region: str
    name: str
    arn: str  # unqualified
    version: str  # "$LATEST" or a published version
    handler: str
    runtime: str
    timeout: float
    memory_mb: int
    environment: tuple[tuple[str, str], ...]
    code_sha256: str
    code: bytes = field(compare=False, repr=False)
    layers: tuple[tuple[str, bytes], ...] = field(default=(), compare=False, repr=False)
    layer_arns: tuple[str, ...] = ()

    @classmethod
    def from_moto(cls, fn: Any) -> FunctionSpec:
        from moto.awslambda.utils import get_backend

        layers = []
        for layer in fn.layers:
            version = get_backend(fn.account_id, fn.region).layers_versions_by_arn(layer["Arn"])
            layers.append((layer["Arn"], version.code_bytes))
        return cls(
            account_id=fn.account_id,
            region=fn.region,
            name=fn.function_name,
            arn=":".join(fn.function_arn.split(":")[:7]),  # arn:aws:lambda:REGION:ACCOUNT:function:NAME
            version=str(fn.version),
            handler=fn.handler or "",
            runtime=fn.run_time or "python3.12",
            timeout=float(fn.timeout or 3),
            memory_mb=int(fn.memory_size or 128),
            environment=tuple(sorted((fn.environment_vars or {}).items())),
            code_sha256=getattr(fn, "code_digest", None)
            or hashlib.sha256(getattr(fn, "code_bytes", b"")).hexdigest(),
            code=getattr(fn, "code_bytes", b""),  # none for PackageType=Image
            layers=tuple(layers),
            layer_arns=tuple(arn for arn, _ in layers),
        )

    @property
    def log_group(self) -> str:
        return f"/aws/lambda/{self.name}"


@dataclass
class InvokeResult:
    request_id: str
    payload: bytes
    function_error: str | None  # "Unhandled" as AWS reports it, or None
    log: str
    duration_ms: float
    executed_version: str
    cold: bool
    log_stream: str

    @property
    def log_tail(self) -> str:
        return self.log.encode()[-LOG_TAIL_BYTES:].decode("utf-8", "replace")
