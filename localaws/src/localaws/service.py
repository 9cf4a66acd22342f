"""What a localaws service is: a piece of the one endpoint that answers some AWS requests itself.

moto answers every request that no service claims. A service claims a request by the AWS service
name in its SigV4 credential scope (and, where it only overrides a few actions, by the action).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from werkzeug.wrappers import Request, Response

DEFAULT_ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request")


@dataclass
class Context:
    """What every service gets from the server: where it answers and where it may keep files."""

    endpoint: str
    state_dir: Path
    account_id: str = DEFAULT_ACCOUNT_ID
    services: dict[str, Service] = field(default_factory=dict)

    def client(self, service: str, region: str = DEFAULT_REGION) -> Any:
        """A boto3 client that talks to this localaws, for services that call other services."""
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=region,
            aws_access_key_id="localaws",
            aws_secret_access_key="localaws",
        )


def signed_service(request: Request) -> tuple[str | None, str | None]:
    """(service, region) from the SigV4 Authorization header, or (None, None) when unsigned."""
    match = _SCOPE.search(request.headers.get("Authorization", ""))
    return (match.group(2), match.group(1)) if match else (None, None)


def target_action(request: Request) -> str | None:
    """The action of a JSON-protocol request (``X-Amz-Target: Prefix.Action``)."""
    target = request.headers.get("X-Amz-Target")
    return target.rsplit(".", 1)[-1] if target else None


class AWSError(Exception):
    """An error answered the way AWS JSON protocols answer it."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status

    def response(self) -> Response:
        body = {"__type": self.code, "message": self.message, "Message": self.message}
        return Response(
            json.dumps(body),
            status=self.status,
            content_type="application/x-amz-json-1.1",
            headers={"x-amzn-ErrorType": self.code},
        )


def json_response(
    payload: Any, status: int = 200, content_type: str = "application/x-amz-json-1.1"
) -> Response:
    return Response(json.dumps(payload, default=str), status=status, content_type=content_type)


class Service:
    """Base class: a service claims some requests and may run background work between start and stop."""

    name: str = ""

    def __init__(self, ctx: Context):
        self.ctx = ctx

    def claims(self, request: Request, service: str | None, action: str | None) -> bool:
        return False

    def handle(self, request: Request) -> Response:  # pragma: no cover - every claiming service overrides it
        raise NotImplementedError

    def start(self) -> None:
        """Called once the endpoint answers, so a service may call other services."""

    def stop(self) -> None:
        """Called before the endpoint stops: flush what is buffered, end background work."""

    def health(self) -> dict[str, Any]:
        return {"status": "running"}
