"""Shared pieces of the provisioning layer: results, clients, write-call recording, small helpers."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from botocore.exceptions import ClientError

log = logging.getLogger("vpcflow.provision")

Action = Literal["created", "updated", "unchanged", "deleted", "absent", "skipped"]


class Result(NamedTuple):
    """What an ensure_* or delete_* call did, and the ARN or name of the resource."""

    action: Action
    id: str | None


# Operation names that change state. StartQueryExecution counts: a DDL is a write.
WRITE_PREFIXES = (
    "Create",
    "Put",
    "Update",
    "Delete",
    "Add",
    "Attach",
    "Detach",
    "Remove",
    "Tag",
    "Untag",
    "Start",
    "Batch",
    "Associate",
    "Disassociate",
    "Publish",
    "Register",
    "Deregister",
    "Set",
    "Restore",
    "Abort",
    "Copy",
    "Upload",
    "Invoke",
    "Empty",
    "Complete",
)


def is_write(operation: str) -> bool:
    return operation.startswith(WRITE_PREFIXES) and operation != "BatchGetPartition"


@dataclass
class CallRecorder:
    """Records every API call made through the clients it is attached to: ``(service, operation)``."""

    calls: list[tuple[str, str]] = field(default_factory=list)

    def attach(self, client: Any) -> Any:
        client.meta.events.register("before-call.*.*", self._record)
        return client

    def _record(self, model: Any, **_: Any) -> None:
        self.calls.append((model.service_model.service_name, model.name))

    @property
    def writes(self) -> list[tuple[str, str]]:
        return [c for c in self.calls if is_write(c[1])]

    def clear(self) -> None:
        self.calls.clear()


class Clients:
    """boto3 clients for one account and region, created on first use and cached.

    ``Clients(boto3.Session(), endpoint_url=...)`` or ``Clients(factory=hook.get_client_type)`` (the Amazon
    provider's AwsBaseHook applies the connection's endpoint_url itself). A ``CallRecorder`` passed in sees
    every call of every client.
    """

    def __init__(
        self,
        session: Any = None,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        factory: Callable[[str], Any] | None = None,
        recorder: CallRecorder | None = None,
    ):
        if factory is None:
            import boto3

            session = session or boto3.Session()
            region = region or session.region_name or "us-east-1"

            def factory(name: str) -> Any:
                return session.client(name, endpoint_url=endpoint_url, region_name=region)

        self._factory = factory
        self._clients: dict[str, Any] = {}
        self.recorder = recorder
        self._identity: dict[str, str] | None = None

    def __call__(self, name: str) -> Any:
        if name not in self._clients:
            client = self._factory(name)
            if self.recorder is not None:
                self.recorder.attach(client)
            self._clients[name] = client
        return self._clients[name]

    @property
    def region(self) -> str:
        return self("sts").meta.region_name

    @property
    def account(self) -> str:
        return self._caller()["Account"]

    @property
    def partition(self) -> str:
        return self._caller()["Arn"].split(":")[1]

    def _caller(self) -> dict[str, str]:
        if self._identity is None:
            self._identity = self("sts").get_caller_identity()
        return self._identity


def error_code(exc: ClientError) -> str:
    return exc.response.get("Error", {}).get("Code", "")


def is_missing(exc: ClientError) -> bool:
    code = error_code(exc)
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return (
        code
        in (
            "NoSuchEntity",
            "ResourceNotFoundException",
            "EntityNotFoundException",
            "NoSuchBucket",
            "NoSuchBucketPolicy",
            "NoSuchLifecycleConfiguration",
            "NoSuchPublicAccessBlockConfiguration",
            "ServerSideEncryptionConfigurationNotFoundError",
            "404",
            "NotFound",
            "NoSuchKey",
            "AWS.SimpleQueueService.NonExistentQueue",
            "QueueDoesNotExist",
        )
        or (code == "InvalidRequestException" and "not found" in str(exc).lower())
        or status == 404
    )


def get_or_none(call: Callable[[], Any]) -> Any:
    """The answer of a describe or get call, or None when the resource does not exist (any other error
    is raised): how every ensure_* finds out whether to create."""
    try:
        return call()
    except ClientError as exc:
        if not is_missing(exc):
            raise
        return None


def delete_if_present(call: Callable[[], Any], name: str | None) -> Result:
    """Run a delete call: ``deleted``, or ``absent`` when the resource was already gone (any other error
    is raised), so a second teardown finds nothing and succeeds."""
    try:
        call()
    except ClientError as exc:
        if not is_missing(exc):
            raise
        return Result("absent", name)
    return Result("deleted", name)


def policy_json(document: dict[str, Any]) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


def parse_policy(document: Any) -> Any:
    """A policy from an API answer: IAM returns it URL-decoded as a dict, others as a JSON string."""
    if isinstance(document, str):
        from urllib.parse import unquote

        text = document if document.lstrip().startswith("{") else unquote(document)
        return json.loads(text)
    return document


def normalize(value: Any) -> Any:
    """Policies compare equal whatever the order of lists and whether a single item is a list or not."""
    if isinstance(value, dict):
        return {k: normalize(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [normalize(v) for v in value]
        if len(items) == 1:
            return items[0]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
    return value


def same_policy(a: Any, b: Any) -> bool:
    return normalize(parse_policy(a)) == normalize(parse_policy(b))


# IAM is eventually consistent: a role created a moment ago may not be assumable by Lambda or Firehose yet,
# and a policy updated a moment ago may not yet let Lambda send to a destination (Lambda answers "The
# destination ARN ... is invalid" or "... execution role does not have permissions to call SendMessage").
_PROPAGATION = re.compile(
    r"cannot be assumed|role .* (?:is )?invalid|not authorized to perform|"
    r"unable to assume|Could not assume|destination ARN .* is invalid|does not have permissions? to call",
    re.IGNORECASE,
)


def retry_propagation(call: Callable[[], Any], attempts: int = 8, delay: float = 2.0) -> Any:
    """Run ``call``, retrying only the errors that a freshly created IAM role produces."""
    for attempt in range(attempts):
        try:
            return call()
        except ClientError as exc:
            if (
                attempt == attempts - 1
                or error_code(exc)
                not in (
                    "InvalidParameterValueException",
                    "InvalidArgumentException",
                    "AccessDeniedException",
                    "InvalidParameterException",
                )
                or not _PROPAGATION.search(str(exc))
            ):
                raise
            log.info("waiting for IAM role propagation (%s)", exc)
            time.sleep(delay * (attempt + 1))
    raise AssertionError("unreachable")
