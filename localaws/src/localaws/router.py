"""The WSGI application of localaws: localaws services first, moto for everything else."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Request, Response

from localaws.service import AWSError, Service, signed_service, target_action

log = logging.getLogger("localaws")

HEALTH_PATH = "/_localaws/health"


class Router:
    def __init__(
        self,
        moto_app: Any,
        services: list[Service],
        health: Any,
        guard: Callable[[Request], Response | None] | None = None,
    ):
        """``guard`` sees each request before any service does and may answer it instead (IAM enforcement)."""
        self.moto_app = moto_app
        self.services = services
        self.health = health
        self.guard = guard

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        if request.path == HEALTH_PATH:
            return Response(json.dumps(self.health()), content_type="application/json")(
                environ, start_response
            )
        if self.guard is not None:
            refused = self.guard(request)
            if refused is not None:
                return refused(environ, start_response)
        service, _region = signed_service(request)
        action = target_action(request)
        for candidate in self.services:
            if candidate.claims(request, service, action):
                try:
                    response = candidate.handle(request)
                except AWSError as err:
                    response = err.response()
                except Exception as err:  # an emulator bug must reach the client as a 500, not hang it
                    log.exception("localaws %s failed on %s %s", candidate.name, request.method, request.path)
                    response = AWSError("InternalFailure", f"{type(err).__name__}: {err}", 500).response()
                return response(environ, start_response)
        return self.moto_app(environ, start_response)
