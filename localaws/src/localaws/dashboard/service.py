"""Serves published QuickSight dashboards as web pages on the localaws endpoint.

  GET /_localaws/quicksight/dashboards                  the dashboards, as links
  GET /_localaws/quicksight/dashboards/<id>             the dashboard page (?account=ID for another account)
  GET /_localaws/quicksight/dashboards/<id>?format=json the visuals' data the page draws

Both take the view as query arguments: ``p.<parameter>=<value>`` (as QuickSight's URL fragment names
them; ``[ALL]`` or an empty value for every value), ``sheet=<sheet id>`` to compute one sheet only, and
``page=<n>`` for tables. The page re-queries the JSON whenever a control changes. A parameter the
dashboard does not declare, or a value of the wrong type, is a 400 naming it.

``write_dashboard_html(services, endpoint, dashboard_id, path)`` writes the same page to a file.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from werkzeug.wrappers import Request, Response

from localaws.dashboard.page import render_html
from localaws.dashboard.render import BadParameter, DashboardNotFound, Renderer
from localaws.service import Service

PREFIX = "/_localaws/quicksight/dashboards"


def dashboard_page(
    services: dict[str, Any], endpoint: str, dashboard_id: str, account_id: str | None = None
) -> str:
    return render_html(Renderer(services, endpoint, account_id).render(dashboard_id), endpoint)


def view_arguments(args: Any) -> tuple[dict[str, str], str | None, int]:
    """(parameter values, sheet, page) of a request's query arguments."""
    parameters = {k[2:]: v for k, v in args.items() if k.startswith("p.")}
    try:
        page = int(args.get("page") or 1)
    except ValueError as err:
        raise BadParameter(f"page {args.get('page')!r} is not a number") from err
    return parameters, args.get("sheet") or None, page


def write_dashboard_html(
    services: dict[str, Any],
    endpoint: str,
    dashboard_id: str,
    path: str | Path,
    account_id: str | None = None,
) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dashboard_page(services, endpoint, dashboard_id, account_id), encoding="utf-8")
    return path


class DashboardPageService(Service):
    name = "dashboard_pages"

    def claims(self, request: Request, service: str | None, action: str | None) -> bool:
        return request.method == "GET" and (request.path == PREFIX or request.path.startswith(PREFIX + "/"))

    def handle(self, request: Request) -> Response:
        account = request.args.get("account") or None
        dashboard_id = request.path[len(PREFIX) :].strip("/")
        qs = self.ctx.services["quicksight"]
        if not dashboard_id:
            links = "".join(
                f'<li><a href="{PREFIX}/{html.escape(d)}">{html.escape(d)}</a></li>'
                for d in qs.dashboard_ids(account)
            )
            return Response(
                f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>Dashboards</title></head>'
                f"<body><h1>QuickSight dashboards on localaws</h1><ul>{links}</ul></body></html>",
                content_type="text/html; charset=utf-8",
            )
        as_json = request.args.get("format") == "json"
        try:
            parameters, sheet, page = view_arguments(request.args)
            renderer = Renderer(self.ctx.services, self.ctx.endpoint, account)
            data = renderer.render(dashboard_id, parameters, sheet, page)
        except BadParameter as err:
            if as_json:
                return Response(json.dumps({"error": str(err)}), status=400, content_type="application/json")
            return Response(
                f"<!DOCTYPE html><html><body><h1>Bad request</h1><p>{html.escape(str(err))}</p></body></html>",
                status=400,
                content_type="text/html; charset=utf-8",
            )
        except DashboardNotFound:
            return Response(
                f"<!DOCTYPE html><html><body><h1>No dashboard {html.escape(dashboard_id)}</h1>"
                f'<p>Create it with CreateDashboard; <a href="{PREFIX}">the dashboards</a>.</p>'
                "</body></html>",
                status=404,
                content_type="text/html; charset=utf-8",
            )
        if as_json:
            return Response(json.dumps(data, default=str), content_type="application/json")
        return Response(render_html(data, self.ctx.endpoint), content_type="text/html; charset=utf-8")
