"""IAM enforcement for every request the endpoint answers, moto's and localaws's services' alike.

For a signed AWS request: identify the call (``calls``), authenticate its key and signature (``identity``),
list the permissions it needs (``needs``), and evaluate the caller's identity-based policies for each
(``policy``). A denial is answered as AWS answers it (``answers``); a request localaws cannot judge is
refused with 501, never let through. Unsigned ``/_localaws/`` and ``/moto-api/`` endpoints are localaws's
own controls, not AWS APIs, and are not checked.

Each decision is kept (the last ``KEEP``) for tests and for finding what a policy lacks.
"""

from __future__ import annotations

import io
import logging
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Request, Response

from localaws.iam import answers, identity
from localaws.iam.calls import (
    SIGNING_NAMES,
    Call,
    CannotJudge,
    credential,
    identify,
    needs_body,
    service_model,
)
from localaws.iam.needs import needs
from localaws.iam.policy import Decision, evaluate

log = logging.getLogger("localaws.iam")

UNCHECKED_PREFIXES = ("/_localaws/", "/moto-api/")
KEEP = 20_000


@dataclass(frozen=True)
class Decided:
    principal: str
    action: str
    resource: str
    decision: Decision
    message: str = ""

    @property
    def allowed(self) -> bool:
        return self.decision is Decision.ALLOW


class Enforcer:
    def __init__(self, account_id: str, services: dict[str, Any], root_keys: Iterable[str] = ()):
        self.account_id = account_id
        self.services = services
        self.trusted = {identity.INTERNAL_KEY, *root_keys}
        self.decisions: deque[Decided] = deque(maxlen=KEEP)
        self.refused: deque[str] = deque(maxlen=KEEP)
        self._lock = threading.Lock()

    # -- what tests and the health endpoint read ----------------------------------------------------------

    def denials(self, principal: str | None = None) -> list[Decided]:
        with self._lock:
            return [d for d in self.decisions if not d.allowed and principal in (None, d.principal)]

    def allowed(self, principal: str | None = None) -> list[Decided]:
        with self._lock:
            return [d for d in self.decisions if d.allowed and principal in (None, d.principal)]

    def clear(self) -> None:
        with self._lock:
            self.decisions.clear()
            self.refused.clear()

    def health(self) -> dict[str, Any]:
        with self._lock:
            denied = sum(1 for d in self.decisions if not d.allowed)
            return {
                "enforced": True,
                "decisions": len(self.decisions),
                "denied": denied,
                "refused": len(self.refused),
            }

    # -- the check -----------------------------------------------------------------------------------------

    def __call__(self, request: Request) -> Response | None:
        """None when the request may go on to its service, else the answer that refuses it."""
        if request.path.startswith(UNCHECKED_PREFIXES):
            return None
        head = request.method == "HEAD"
        signed = credential(request)
        protocol = _protocol(request, signed[2] if signed else None)
        if signed is None:
            return answers.unauthenticated(protocol, "unsigned", head)
        key, region, service = signed[0], signed[1], _service(signed[2])
        if key in self.trusted:
            return None
        try:
            # As AWS: who signed, then whether the signature holds, then what the call may do.
            body = _body(request) if needs_body(request, service) else b""
            partition = "aws-cn" if region.startswith("cn-") else "aws"
            principal = identity.principal(key, self.account_id, partition, request.headers)
            identity.verify_signature(request, key, self.account_id, partition, body, service)
            return self._authorize(identify(request, body), principal, head)
        except identity.Unauthenticated as err:
            return answers.unauthenticated(protocol, err.reason, head)
        except Exception as err:  # CannotJudge, or a request these rules misread: refused, never let through
            reason = str(err) if isinstance(err, CannotJudge) else f"{type(err).__name__}: {err}"
            with self._lock:
                self.refused.append(reason)
            log.error("localaws iam: refusing %s %s: %s", request.method, request.path, reason)
            return answers.cannot_judge(protocol, reason, head)

    def _authorize(self, call: Call, principal: identity.Principal, head: bool) -> Response | None:
        if principal.is_root:
            return None
        context = principal.context(call.region)
        for need in needs(call, self.account_id, self):
            decision = evaluate(
                principal.policies, need.action, need.resource, {**context, **dict(need.context)}
            )
            message = ""
            if decision is not Decision.ALLOW:
                explicit = decision is Decision.EXPLICIT_DENY
                message = answers.denial_message(
                    principal.arn, need.action, need.resource, explicit, call.service
                )
            with self._lock:
                self.decisions.append(Decided(principal.arn, need.action, need.resource, decision, message))
            if message:
                log.info("localaws iam: %s", message)
                return answers.access_denied(call.service, call.protocol, message, head)
        return None

    # -- Resolver: what only the server knows ----------------------------------------------------------

    def execution_workgroup(self, query_execution_id: str) -> str | None:
        athena = self.services.get("athena")
        execution = athena.store.executions.get(query_execution_id) if athena else None
        return execution.workgroup if execution else None

    def named_query_workgroup(self, named_query_id: str) -> str | None:
        athena = self.services.get("athena")
        saved = athena.store.named_queries.queries.get(named_query_id) if athena else None
        return saved["WorkGroup"] if saved else None

    def role_arn(self, account: str, name: str) -> str:
        from moto.iam.models import iam_backends

        try:
            return iam_backends[account]["aws"].get_role(name).arn
        except Exception:  # no such role (yet): the ARN it has without a path
            return f"arn:aws:iam::{account}:role/{name}"


def _service(signing_name: str) -> str:
    return SIGNING_NAMES.get(signing_name, signing_name)


def _protocol(request: Request, signing_name: str | None) -> str:
    """The protocol to answer in, even for a request that could not be identified."""
    if request.headers.get("X-Amz-Target"):
        return "json"
    if signing_name:
        try:
            protocol = service_model(_service(signing_name)).protocol
            return "json" if protocol == "smithy-rpc-v2-cbor" else protocol
        except CannotJudge:
            pass
    return "rest-xml" if "x-amz-content-sha256" in request.headers else "query"


def _body(request: Request) -> bytes:
    """The body, read once and put back for the service that answers after this check (moto reads the WSGI
    stream itself)."""
    data = request.get_data(cache=True)
    request.environ["wsgi.input"] = io.BytesIO(data)
    request.environ["CONTENT_LENGTH"] = str(len(data))
    request.environ.pop("HTTP_TRANSFER_ENCODING", None)
    return data
