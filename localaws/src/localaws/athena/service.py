"""localaws Athena: the Athena API answered here, SQL executed on DuckDB over moto's S3 and Glue.

Claims every request whose SigV4 scope names the "athena" service and whose action is implemented in
``AthenaAPI``; anything else (named queries, prepared statements, ...) still goes to moto.
"""

from __future__ import annotations

import json
from typing import Any

from werkzeug.wrappers import Request, Response

from localaws.athena.api import AthenaAPI
from localaws.athena.executions import Executions
from localaws.athena.faults import FAULTS_PATH
from localaws.athena.workgroups import WorkGroups
from localaws.service import (
    DEFAULT_REGION,
    AWSError,
    Context,
    Service,
    json_response,
    signed_service,
    target_action,
)


class AthenaService(Service):
    name = "athena"

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.executions = Executions(ctx.account_id, ctx.state_dir / "athena" / "tmp")
        self.workgroups = WorkGroups()
        self.api = AthenaAPI(ctx.account_id, self.executions, self.workgroups)

    def claims(self, request: Request, service: str | None, action: str | None) -> bool:
        if request.path == FAULTS_PATH:
            return True
        if service != "athena" or not action:
            return False
        return not action.startswith("_") and action != "call" and callable(getattr(self.api, action, None))

    def handle(self, request: Request) -> Response:
        if request.path == FAULTS_PATH:
            return self._handle_faults(request)
        action = target_action(request) or ""
        _service, region = signed_service(request)
        try:
            body: dict[str, Any] = json.loads(request.get_data() or b"{}")
        except ValueError as err:
            raise AWSError("InvalidRequestException", f"request body is not JSON: {err}") from err
        self.executions.faults.check_call(action, request.get_data(as_text=True))
        return json_response(self.api.call(action, body, region or DEFAULT_REGION))

    def _handle_faults(self, request: Request) -> Response:
        """Test faults (faults.py): POST arms one, GET lists them, DELETE clears them and releases held queries."""
        faults = self.executions.faults
        if request.method == "POST":
            try:
                spec = json.loads(request.get_data() or b"{}")
            except ValueError as err:
                raise AWSError("InvalidRequestException", f"athena faults: body is not JSON: {err}") from err
            return json_response(faults.arm(spec).describe(), content_type="application/json")
        if request.method == "DELETE":
            self.executions.clear_faults()
        return json_response(faults.describe(), content_type="application/json")

    def start(self) -> None:
        self.executions.start()

    def stop(self) -> None:
        self.executions.stop()

    def health(self) -> dict[str, Any]:
        return {"status": "running", "engine": "duckdb"}
