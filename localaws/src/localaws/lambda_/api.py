"""Lambda's invoke actions (REST-JSON): Invoke (RequestResponse, Event, DryRun) and the older InvokeAsync.

Each handler gets the region's store (where the function is looked up) and the invoker that runs it.
"""

from __future__ import annotations

import base64
import json
import re

from werkzeug.wrappers import Request, Response

from localaws.lambda_.errors import invalid_invocation_type, invalid_request_content, request_too_large
from localaws.lambda_.invoker import Invoker
from localaws.lambda_.store import Region
from localaws.service import json_response

INVOKE = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/invocations/?$")
INVOKE_ASYNC = re.compile(r"^/2014-11-13/functions/(?P<name>[^/]+)/invoke-async/?$")
MAX_SYNC_PAYLOAD = 6 * 1024 * 1024  # 6 MB request and response for RequestResponse
MAX_ASYNC_PAYLOAD = 256 * 1024  # the long-standing Event limit; stricter locally keeps code portable


def action(request: Request) -> str | None:
    """Which of the actions here a request is (by method and path), or None."""
    if request.method != "POST":
        return None
    if INVOKE.match(request.path):
        return "Invoke"
    return "InvokeAsync" if INVOKE_ASYNC.match(request.path) else None


def Invoke(region: Region, request: Request, invoker: Invoker) -> Response:
    match = INVOKE.match(request.path)
    assert match is not None
    spec, invoked_arn = region.function(match["name"], request.args.get("Qualifier"))
    invocation_type = request.headers.get("X-Amz-Invocation-Type", "RequestResponse")
    if invocation_type == "DryRun":
        return Response(status=204, headers={"X-Amz-Executed-Version": spec.version})
    if invocation_type == "Event":
        request_id = invoker.invoke_async(spec, _event(request, MAX_ASYNC_PAYLOAD), invoked_arn)
        return Response(status=202, headers={"x-amzn-RequestId": request_id})
    if invocation_type != "RequestResponse":
        raise invalid_invocation_type(invocation_type)
    result = invoker.invoke(spec, _event(request, MAX_SYNC_PAYLOAD), invoked_arn)
    headers = {"X-Amz-Executed-Version": result.executed_version, "x-amzn-RequestId": result.request_id}
    payload = result.payload
    if len(payload) > MAX_SYNC_PAYLOAD:
        payload = json.dumps(
            {
                "errorMessage": f"Response payload size ({len(payload)} bytes) exceeded maximum allowed "
                f"payload size ({MAX_SYNC_PAYLOAD} bytes).",
                "errorType": "Function.ResponseSizeTooLarge",
            }
        ).encode()
        result.function_error = "Unhandled"
    if result.function_error:
        headers["X-Amz-Function-Error"] = result.function_error
    if request.headers.get("X-Amz-Log-Type") == "Tail":
        headers["X-Amz-Log-Result"] = base64.b64encode(result.log_tail.encode()).decode()
    return Response(payload, status=200, content_type="application/json", headers=headers)


def InvokeAsync(region: Region, request: Request, invoker: Invoker) -> Response:
    """The deprecated InvokeAsync: always an Event invocation."""
    match = INVOKE_ASYNC.match(request.path)
    assert match is not None
    spec, invoked_arn = region.function(match["name"], None)
    invoker.invoke_async(spec, _event(request, MAX_ASYNC_PAYLOAD), invoked_arn)
    return json_response({"Status": 202}, status=202, content_type="application/json")


ACTIONS = {"Invoke": Invoke, "InvokeAsync": InvokeAsync}


def _event(request: Request, limit: int) -> str:
    data = request.get_data() or b"{}"
    if len(data) > limit:
        raise request_too_large(limit, len(data))
    try:
        text = data.decode("utf-8")
        json.loads(text)
    except ValueError as err:
        raise invalid_request_content(err) from err
    return text
