"""The local-only endpoints of the Lambda runtime (unsigned HTTP, for tests and the demo).

GET  /_localaws/lambda/invocations       outcomes of recent asynchronous invocations, newest last
POST /_localaws/lambda/wait?timeout=S    returns once no asynchronous invocation is queued or running
"""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from localaws.lambda_.errors import unknown_local_endpoint
from localaws.lambda_.store import AsyncInvocations
from localaws.service import json_response

PREFIX = "/_localaws/lambda/"


def handle(request: Request, invocations: AsyncInvocations) -> Response:
    if request.path == PREFIX + "invocations":
        return json_response(list(invocations.outcomes), content_type="application/json")
    if request.path == PREFIX + "wait" and request.method == "POST":
        idle = invocations.wait_idle(float(request.args.get("timeout", "30")))
        return json_response({"idle": idle}, content_type="application/json")
    raise unknown_local_endpoint(request.method, request.path)
