"""The local-only endpoints of Firehose (unsigned HTTP, for tests and the demo).

POST   /_localaws/firehose/flush[?stream=NAME]   deliver buffered records now; answers what was written
POST   /_localaws/firehose/faults                {"stream", "fail_rate", "throttle", "fail_calls", "seed"}
GET    /_localaws/firehose/faults                the faults in force
DELETE /_localaws/firehose/faults[?stream=NAME]  clear faults
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Request, Response

from localaws.firehose.errors import invalid_argument
from localaws.firehose.faults import Faults
from localaws.service import json_response

FLUSH_PATH = "/_localaws/firehose/flush"
FAULTS_PATH = "/_localaws/firehose/faults"
PATHS = (FLUSH_PATH, FAULTS_PATH)


def _json(payload: Any) -> Response:
    return json_response(payload, content_type="application/json")


def flush(request: Request, deliver_now: Callable[[str | None], list[dict[str, Any]]]) -> Response:
    return _json({"flushed": deliver_now(request.args.get("stream"))})


def faults(request: Request, armed: Faults) -> Response:
    if request.method == "GET":
        return _json(armed.describe())
    if request.method == "DELETE":
        armed.clear(request.args.get("stream"))
        return _json({"cleared": request.args.get("stream") or "all"})
    try:
        spec = json.loads(request.get_data() or b"{}")
        stream = spec["stream"]
    except (ValueError, KeyError, TypeError) as err:
        raise invalid_argument(f'faults body must be JSON with "stream": {err}') from err
    armed.set(
        stream,
        fail_rate=float(spec.get("fail_rate", 0.0)),
        throttle=bool(spec.get("throttle", True)),
        fail_calls=int(spec.get("fail_calls", 0)),
        seed=spec.get("seed"),
    )
    return _json({"stream": stream, **spec})
