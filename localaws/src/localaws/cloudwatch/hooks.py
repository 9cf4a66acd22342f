"""The local-only endpoint of CloudWatch (unsigned HTTP, for tests and the demo).

POST /_localaws/cloudwatch/evaluate[?region=R&prefix=NAME]   evaluate alarms now (the timer does it every
    LOCALAWS_CLOUDWATCH_EVALUATE_S seconds); answers each alarm's old and new state, its reason and the
    topics notified, and failed actions. An alarm localaws cannot evaluate (metric math, percentiles,
    anomaly bands, a non-SNS action) makes the answer an UnsupportedOperation error naming it, after the
    others were evaluated.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Request, Response

from localaws.cloudwatch.errors import unknown_local_endpoint, unsupported_alarms
from localaws.service import json_response

PREFIX = "/_localaws/cloudwatch/"
EVALUATE_PATH = PREFIX + "evaluate"


def handle(request: Request, evaluate: Callable[..., dict[str, Any]]) -> Response:
    if request.path != EVALUATE_PATH or request.method != "POST":
        raise unknown_local_endpoint(request.method, request.path)
    outcome = evaluate(region=request.args.get("region") or None, prefix=request.args.get("prefix", ""))
    if outcome["unsupported"]:
        raise unsupported_alarms(outcome["unsupported"])
    return json_response(outcome, content_type="application/json")
