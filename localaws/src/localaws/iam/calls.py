"""Which API call a signed request is: service, operation, region, caller's key and parameters.

The operation comes from the request as each AWS protocol carries it: ``X-Amz-Target`` (JSON), ``Action``
(query, EC2), or the HTTP method and path matched against the operation's ``requestUri`` in botocore's own
service model (REST-JSON, REST-XML). Parameters are what the rules in ``needs`` read to name resources:
the JSON body, the form, or the path labels plus query string plus JSON body.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, unquote

from werkzeug.wrappers import Request

# SigV4 signing names that differ from botocore's service names.
SIGNING_NAMES = {"monitoring": "cloudwatch"}

_AUTH = re.compile(
    r"Credential=(?P<key>[^/]+)/\d{8}/(?P<region>[a-z0-9-]+)/(?P<service>[a-z0-9-]+)/aws4_request"
)


class CannotJudge(Exception):
    """localaws cannot tell what the request needs or whether a policy allows it: enforcement refuses to
    answer it (loudly) rather than allow it."""


@dataclass(frozen=True)
class Call:
    service: str  # botocore's name: s3, lambda, cloudwatch, ...
    operation: str  # botocore's operation name: PutObject, Invoke, ...
    region: str
    access_key: str
    protocol: str
    params: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


def credential(request: Request) -> tuple[str, str, str] | None:
    """(access key id, region, signing name) of a SigV4 Authorization header, or None when unsigned."""
    match = _AUTH.search(request.headers.get("Authorization", ""))
    return (match["key"], match["region"], match["service"]) if match else None


def needs_body(request: Request, service: str) -> bool:
    """Whether identifying the call reads the body: always but for S3, whose uploads stay streamed; its
    DeleteObjects names the keys in the body."""
    return service != "s3" or (request.method == "POST" and "delete" in request.args)


def identify(request: Request, body: bytes) -> Call:
    signed = credential(request)
    if signed is None:
        raise CannotJudge("the request is not signed with AWS Signature Version 4")
    key, region, signing_name = signed
    service = SIGNING_NAMES.get(signing_name, signing_name)
    model = service_model(service)
    headers = {k.lower(): v for k, v in request.headers.items()}
    target = headers.get("x-amz-target")
    if target:
        params = json.loads(body or b"{}")
        return Call(service, target.rsplit(".", 1)[-1], region, key, "json", params, headers, body)
    form = dict(parse_qsl(body.decode("utf-8", "replace"))) if _is_form(headers) else {}
    form.update(request.args.to_dict())
    if "Action" in form and model.protocol in ("query", "ec2", "json", "smithy-rpc-v2-cbor"):
        protocol = "ec2" if model.protocol == "ec2" else "query"
        return Call(service, form.pop("Action"), region, key, protocol, form, headers, body)
    operation, labels = _route(service, request, headers)
    params: dict[str, Any] = {**request.args.to_dict(), **labels}
    if body and model.protocol == "rest-json" and body.lstrip()[:1] == b"{":
        params.update(json.loads(body))
    return Call(service, operation, region, key, model.protocol, params, headers, body)


def _is_form(headers: dict[str, str]) -> bool:
    return headers.get("content-type", "").startswith("application/x-www-form-urlencoded")


@cache
def service_model(service: str) -> Any:
    import botocore.session

    try:
        return botocore.session.get_session().get_service_model(service)
    except Exception as err:
        raise CannotJudge(f"no botocore model for signing name {service!r}") from err


@dataclass(frozen=True)
class _Route:
    operation: str
    method: str
    path: re.Pattern[str]
    query: tuple[tuple[str, str | None], ...]  # required query keys, with the value they must have
    headers: tuple[str, ...]  # required headers
    literal: int  # characters of the URI outside labels: the more, the more specific
    deprecated: bool


@cache
def _routes(service: str) -> tuple[_Route, ...]:
    model = service_model(service)
    routes = []
    for name in model.operation_names:
        op = model.operation_model(name)
        uri = op.http.get("requestUri", "/")
        path, _, query = uri.partition("?")
        pattern = re.sub(
            r"\\{([A-Za-z0-9_]+)(\\\+)?\\}",
            lambda m: f"(?P<{m[1]}>.+)" if m[2] else f"(?P<{m[1]}>[^/]+)",
            re.escape(path),
        )
        required = [
            (k, v if sep else None) for k, sep, v in (p.partition("=") for p in query.split("&") if p)
        ]
        # Operations that share a URI differ by their required query members and headers (S3's UploadPart
        # and PutObject by uploadId, CopyObject by x-amz-copy-source), which the URI does not show.
        members = op.input_shape.members if op.input_shape else {}
        needed = set(op.input_shape.required_members) if op.input_shape else set()
        located = [
            (m.serialization.get("location"), m.serialization.get("name", n))
            for n, m in members.items()
            if n in needed
        ]
        required += [(where, None) for kind, where in located if kind == "querystring"]
        routes.append(
            _Route(
                name,
                op.http.get("method", "POST"),
                re.compile(f"^{pattern}/?$"),
                tuple(required),
                tuple(where.lower() for kind, where in located if kind == "header"),
                len(re.sub(r"{[^}]*}", "", uri)),
                bool(op.deprecated),
            )
        )
    return tuple(routes)


def _route(service: str, request: Request, headers: dict[str, str]) -> tuple[str, dict[str, str]]:
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.full_path
    path = raw.split("?", 1)[0] or "/"
    if service == "s3":
        path = _path_style(path, headers.get("host", ""))
    args = request.args
    candidates = []
    for route in _routes(service):
        if route.method != request.method:
            continue
        match = route.path.match(path)
        if match is None or any(k not in args or (v is not None and args[k] != v) for k, v in route.query):
            continue
        if any(h not in headers for h in route.headers):
            continue
        candidates.append((route, {k: unquote(v) for k, v in match.groupdict().items()}))
    if not candidates:
        raise CannotJudge(f"no {service} operation answers {request.method} {path}")
    candidates.sort(
        key=lambda c: (len(c[0].query) + len(c[0].headers), c[0].literal, not c[0].deprecated), reverse=True
    )
    route, labels = candidates[0]
    return route.operation, labels


def _path_style(path: str, host: str) -> str:
    """S3's virtual-hosted style (``bucket.localhost``, as moto serves it) turned into path style."""
    name = host.split(":", 1)[0]
    if name.endswith(".localhost"):
        return f"/{name.removesuffix('.localhost')}{path}"
    return path
