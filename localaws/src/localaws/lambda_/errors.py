"""Lambda's errors, with the codes, statuses and messages its REST API answers."""

from __future__ import annotations

from localaws.service import AWSError


def function_not_found(message: str) -> AWSError:
    return AWSError("ResourceNotFoundException", message, 404)


def request_too_large(limit: int, size: int) -> AWSError:
    return AWSError(
        "RequestTooLargeException",
        f"Request must be smaller than {limit} bytes for the Invoke operation (got {size} bytes)",
        413,
    )


def invalid_request_content(err: Exception) -> AWSError:
    return AWSError("InvalidRequestContentException", f"Could not parse request body into json: {err}")


def invalid_invocation_type(invocation_type: str) -> AWSError:
    return AWSError(
        "InvalidParameterValueException",
        f"Invalid InvocationType {invocation_type!r}: use RequestResponse, Event or DryRun",
    )


def unknown_local_endpoint(method: str, path: str) -> AWSError:
    return AWSError("UnknownOperationException", f"no localaws lambda endpoint {method} {path}", 404)
