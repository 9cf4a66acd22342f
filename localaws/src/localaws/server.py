"""One process, one endpoint: moto plus the localaws services, on 127.0.0.1 only."""

from __future__ import annotations

import importlib
import logging
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from werkzeug.serving import BaseWSGIServer, make_server

from localaws.router import Router
from localaws.service import DEFAULT_ACCOUNT_ID, Context, Service

if TYPE_CHECKING:
    from localaws.iam.enforcer import Enforcer

log = logging.getLogger("localaws")

DEFAULT_PORT = 4566
LOOPBACK = "127.0.0.1"

# Order matters: the first service that claims a request answers it. Each entry is "module:Class".
SERVICES = (
    "localaws.firehose.service:FirehoseService",
    "localaws.lambda_.service:LambdaService",
    "localaws.athena.service:AthenaService",
    "localaws.quicksight.service:QuickSightService",
    "localaws.dashboard.service:DashboardPageService",
    "localaws.cloudwatch.service:CloudWatchService",
    "localaws.securityhub.service:SecurityHubService",
)


def _load(spec: str) -> type[Service]:
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


class LocalAWS:
    """The embedded local AWS. ``with LocalAWS(port=0) as aws: boto3.client("s3", endpoint_url=aws.endpoint)``."""

    def __init__(
        self,
        port: int = DEFAULT_PORT,
        state_dir: str | Path | None = None,
        host: str = LOOPBACK,
        public_endpoint: str | None = None,
        enforce_iam: bool = False,
        root_access_keys: tuple[str, ...] = (),
    ):
        """``host`` other than loopback is for a container, whose own interface is private to its network;
        ``public_endpoint`` is then the address the services hand out (e.g. ``http://localaws:4566``).

        ``enforce_iam`` evaluates the caller's IAM policies for every request (localaws.iam); the access key
        ``localaws`` and ``root_access_keys`` act as the account's root user, e.g. to create the IAM users
        whose keys are then held to their policies."""
        self.host = host
        self._public_endpoint = public_endpoint
        self.port = port
        self._tmp = None if state_dir else tempfile.TemporaryDirectory(prefix="localaws-")
        self.state_dir = Path(state_dir or self._tmp.name)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self.services: dict[str, Service] = {}
        self.started_at: float | None = None
        self.iam: Enforcer | None = None
        if enforce_iam:
            from localaws.iam.enforcer import Enforcer

            self.iam = Enforcer(DEFAULT_ACCOUNT_ID, self.services, root_access_keys)

    @property
    def endpoint(self) -> str:
        """Where clients reach this localaws (handed to Lambda functions as AWS_ENDPOINT_URL)."""
        if self._public_endpoint:
            return self._public_endpoint
        return f"http://{LOOPBACK if self.host == '0.0.0.0' else self.host}:{self.port}"

    def start(self) -> LocalAWS:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )

        from localaws import s3_policy

        s3_policy.install()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        moto_app = DomainDispatcherApplication(create_backend_app)
        router = Router(moto_app, [], self.health, guard=self.iam)
        self._server = make_server(
            self.host, self.port, router, threaded=True, request_handler=MotoRequestHandler
        )
        self.port = self._server.server_address[1]
        ctx = Context(endpoint=self.endpoint, state_dir=self.state_dir, services=self.services)
        for spec in SERVICES:
            service = _load(spec)(ctx)
            self.services[service.name] = service
        router.services = list(self.services.values())
        self._thread = threading.Thread(target=self._server.serve_forever, name="localaws-http", daemon=True)
        self._thread.start()
        for service in self.services.values():
            service.start()
        self.started_at = time.time()
        log.info("localaws listening on %s (state in %s)", self.endpoint, self.state_dir)
        return self

    def stop(self) -> None:
        # Services stop while the endpoint still answers, so Firehose can flush its buffers to S3.
        for service in reversed(list(self.services.values())):
            try:
                service.stop()
            except Exception:
                log.exception("localaws: stopping %s failed", service.name)
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = self._thread = None
        if self._tmp is not None:
            self._tmp.cleanup()

    def health(self) -> dict[str, Any]:
        services = {name: service.health() for name, service in self.services.items()}
        services.update({name: {"status": "running", "by": "moto"} for name in MOTO_SERVICES})
        return {
            "status": "running",
            "endpoint": self.endpoint,
            "uptime_seconds": round(time.time() - self.started_at, 1) if self.started_at else 0,
            "services": services,
            "iam": self.iam.health() if self.iam else {"enforced": False},
        }

    def __enter__(self) -> LocalAWS:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# The services the pipeline uses that moto answers alone (localaws services add to or override others).
MOTO_SERVICES = ("s3", "logs", "iam", "sts", "glue", "ec2", "sqs", "sns")
