"""localaws QuickSight: data sources, datasets, SPICE ingestions run through the local Athena, dashboards.

It answers the REST-JSON requests signed for "quicksight" whose path it knows (routes.py); moto answers
the rest (users, groups, namespaces, ...). Other localaws code reads the results through the Python
methods at the bottom (the dashboard renderer: ``spice_extract_path``, ``dashboard_definition``).
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import threading
import uuid
from pathlib import Path
from typing import Any

from werkzeug.wrappers import Request, Response

from localaws.quicksight.api import HANDLERS
from localaws.quicksight.errors import invalid
from localaws.quicksight.params import check_account
from localaws.quicksight.routes import Call, match, parse_arn
from localaws.quicksight.runner import Runner
from localaws.quicksight.store import Region, Settings, version_of
from localaws.service import DEFAULT_REGION, Context, Service, signed_service


class QuickSightService(Service):
    name = "quicksight"

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        # One lock for all QuickSight state: requests and ingestion threads touch the same records.
        self.lock = threading.RLock()
        self.regions: dict[tuple[str, str], Region] = {}
        # A new localaws starts empty, as moto does: extracts left by an earlier one belong to no dataset.
        shutil.rmtree(ctx.state_dir / "quicksight", ignore_errors=True)
        self.runner = Runner(self.lock, ctx.endpoint, ctx.state_dir / "quicksight" / "work")
        # AWS allows 32 manual refreshes per dataset per 24 hours (Enterprise; 8 on Standard). Off unless
        # set, so local backfills are not throttled; set it to see what a backfill would meet on AWS.
        limit = os.environ.get("LOCALAWS_QUICKSIGHT_DAILY_REFRESHES")
        self.settings = Settings(ctx.state_dir / "quicksight" / "spice", int(limit) if limit else None)

    def claims(self, request: Request, service: str | None, action: str | None) -> bool:
        if service != "quicksight":
            return False
        matched = match(request.method, request.path)
        if matched is None:
            return False
        # Tags of users, groups, templates ... stay moto's; those of the resources kept here are answered here.
        return "ResourceArn" not in matched[1] or parse_arn(matched[1]["ResourceArn"]) is not None

    def handle(self, request: Request) -> Response:
        operation, params = match(request.method, request.path)  # claims() made sure it matches
        _, region = signed_service(request)
        raw = request.get_data()
        try:
            body = json.loads(raw) if raw else {}
        except ValueError as err:
            raise invalid(f"The request body of {operation} is not JSON: {err}.") from err
        if "ResourceArn" in params:  # tag calls address the resource by ARN, which names account and region
            region, account_id = parse_arn(params["ResourceArn"])[:2]
        else:
            account_id = params.pop("AwsAccountId")
        check_account(account_id)
        call = Call(operation, account_id, region or DEFAULT_REGION, params, request.args, body)
        with self.lock:
            store = self.region_of(call.account_id, call.region)
            try:
                status, answer = HANDLERS[operation](store, call)
            finally:
                self.runner.launch_ready(store)
            request_id = str(uuid.uuid4())
            # "Status" mirrors the HTTP status: botocore reads it from there, or (UpdateDashboard) from the body.
            text = json.dumps({**answer, "RequestId": request_id, "Status": status}, default=str)
        return Response(
            text, status=status, content_type="application/json", headers={"x-amzn-RequestId": request_id}
        )

    def region_of(self, account_id: str, region: str) -> Region:
        key = (account_id, region)
        if key not in self.regions:
            self.regions[key] = Region(account_id, region, self.settings)
        return self.regions[key]

    def stop(self) -> None:
        self.runner.stop(list(self.regions.values()))

    def health(self) -> dict[str, Any]:
        with self.lock:
            running = sum(len(r.running) for r in self.regions.values())
            data_set_count = sum(len(r.data_sets) for r in self.regions.values())
        return {"status": "running", "data_sets": data_set_count, "ingestions_running": running}

    # -- for other localaws code (the dashboard renderer) and tests ---------------------------------

    @property
    def daily_refresh_limit(self) -> int | None:
        return self.settings.daily_refresh_limit

    @daily_refresh_limit.setter
    def daily_refresh_limit(self, limit: int | None) -> None:
        self.settings.daily_refresh_limit = limit

    def spice_extract_path(self, data_set_id: str) -> Path | None:
        """The dataset's SPICE extract (Parquet, one column per output column), or None before any ingestion."""
        path = self.settings.spice_dir / f"{data_set_id}.parquet"
        return path if path.exists() else None

    def _region(self, account_id: str | None, region: str | None) -> Region | None:
        return self.regions.get((account_id or self.ctx.account_id, region or DEFAULT_REGION))

    def data_set(
        self, data_set_id: str, account_id: str | None = None, region: str | None = None
    ) -> dict | None:
        """DescribeDataSet's DataSet (a copy), or None."""
        with self.lock:
            found = self._region(account_id, region)
            record = found.data_sets.get(data_set_id) if found else None
            return (
                {k: copy.deepcopy(v) for k, v in record.items() if not k.startswith("_")} if record else None
            )

    def data_set_id_of(self, arn: str) -> str | None:
        """The id of the dataset with this ARN (as a dashboard's DataSetIdentifierDeclarations name it)."""
        with self.lock:
            for region in self.regions.values():
                record = region.data_set_by_arn(arn)
                if record:
                    return record["DataSetId"]
        return None

    def dashboard_ids(self, account_id: str | None = None, region: str | None = None) -> list[str]:
        with self.lock:
            found = self._region(account_id, region)
            return sorted(found.dashboards) if found else []

    def dashboard_definition(
        self,
        dashboard_id: str,
        version: int | None = None,
        account_id: str | None = None,
        region: str | None = None,
    ) -> dict[str, Any] | None:
        """{"DashboardId", "Name", "VersionNumber", "Status", "Definition"} of the published (or given) version."""
        with self.lock:
            found = self._region(account_id, region)
            dashboard = found.dashboards.get(dashboard_id) if found else None
            if dashboard is None:
                return None
            chosen = version_of(dashboard, version)
            return {
                "DashboardId": dashboard_id,
                "Name": dashboard["Name"],
                "VersionNumber": chosen["VersionNumber"],
                "Status": chosen["Status"],
                "Definition": copy.deepcopy(chosen["_definition"]),
            }
