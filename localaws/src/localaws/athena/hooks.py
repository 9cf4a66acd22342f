"""The local-only endpoint of Athena (unsigned HTTP, for tests): test faults, as faults.py describes them.

POST   /_localaws/athena/faults   arm one fault (JSON body); answers it
GET    /_localaws/athena/faults   the armed and spent faults, and the held query ids
DELETE /_localaws/athena/faults   disarm every fault and run the held queries
"""

from __future__ import annotations

import json

from werkzeug.wrappers import Request, Response

from localaws.athena.errors import invalid
from localaws.athena.executions import Executions
from localaws.service import json_response

FAULTS_PATH = "/_localaws/athena/faults"


def faults(request: Request, executions: Executions) -> Response:
    armed = executions.faults
    if request.method == "POST":
        try:
            spec = json.loads(request.get_data() or b"{}")
        except ValueError as err:
            raise invalid(f"athena faults: body is not JSON: {err}") from err
        return json_response(armed.arm(spec).describe(), content_type="application/json")
    if request.method == "DELETE":
        executions.clear_faults()
    return json_response(armed.describe(), content_type="application/json")
