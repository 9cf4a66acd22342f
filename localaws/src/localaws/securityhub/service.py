"""localaws Security Hub: where vpcflow's detections deliver findings. moto keeps a finding list but does not
check the AWS Security Finding Format, imports into a hub that was never enabled, and ignores GetFindings'
filters; here BatchImportFindings checks each finding as Security Hub does (asff.py), the hub must be
enabled first, and GetFindings filters and sorts (filters.py) or refuses what it cannot. Every signed
``securityhub`` request is answered here; actions not in ``api.ROUTES`` are refused with 501, naming them.
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from localaws.securityhub import api
from localaws.securityhub.errors import unsupported
from localaws.securityhub.store import Store
from localaws.service import DEFAULT_REGION, Context, Service, json_response, signed_service


class SecurityHubService(Service):
    name = "securityhub"

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.store = Store(ctx.account_id)

    def claims(self, request: Request, service: str | None, action: str | None) -> bool:
        return service == "securityhub"

    def handle(self, request: Request) -> Response:
        _, region = signed_service(request)
        handler = api.ROUTES.get((request.method, request.path.rstrip("/") or "/"))
        if handler is None:
            raise unsupported(
                f"{request.method} {request.path} (it answers {', '.join(f'{m} {p}' for m, p in api.ROUTES)})"
            )
        answer = handler(
            self.store.region(region or DEFAULT_REGION), api.parse(request.get_data()), request.args
        )
        return json_response(answer, content_type="application/json")

    def health(self) -> dict[str, Any]:
        return {"status": "running", **self.store.stats()}

    # The Python face, for tests.
    def findings(self, region: str = DEFAULT_REGION) -> list[dict[str, Any]]:
        return list(self.store.region(region).findings.values())
