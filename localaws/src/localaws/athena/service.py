"""localaws Athena: the Athena API answered here, SQL executed on DuckDB over moto's S3 and Glue.

Claims every request whose SigV4 scope names the "athena" service and whose action is in ``api.ACTIONS``
(named queries included); anything else (prepared statements, data catalogs other than Glue, ...) still
goes to moto.
"""

from __future__ import annotations

import json
from typing import Any

from werkzeug.wrappers import Request, Response

from localaws.athena import hooks
from localaws.athena.api import ACTIONS
from localaws.athena.errors import invalid
from localaws.athena.store import Store
from localaws.service import DEFAULT_REGION, Context, Service, json_response, signed_service, target_action


class AthenaService(Service):
    name = "athena"

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.store = Store(ctx.account_id, ctx.state_dir / "athena" / "tmp")

    def claims(self, request: Request, service: str | None, action: str | None) -> bool:
        if request.path == hooks.FAULTS_PATH:
            return True
        return service == "athena" and action in ACTIONS

    def handle(self, request: Request) -> Response:
        if request.path == hooks.FAULTS_PATH:
            return hooks.faults(request, self.store.executions)
        action = target_action(request) or ""
        _service, region = signed_service(request)
        try:
            body: dict[str, Any] = json.loads(request.get_data() or b"{}")
        except ValueError as err:
            raise invalid(f"request body is not JSON: {err}") from err
        self.store.executions.faults.check_call(action, request.get_data(as_text=True))
        return json_response(ACTIONS[action](self.store.region(region or DEFAULT_REGION), body))

    def start(self) -> None:
        self.store.executions.start()

    def stop(self) -> None:
        self.store.executions.stop()

    def health(self) -> dict[str, Any]:
        return {"status": "running", "engine": "duckdb"}
