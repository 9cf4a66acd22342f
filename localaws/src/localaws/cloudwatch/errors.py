"""The evaluator's errors, answered the way AWS JSON protocols answer errors."""

from __future__ import annotations

from localaws.service import AWSError


def unsupported_alarm(name: str, problems: list[str]) -> AWSError:
    return AWSError(
        "UnsupportedOperation",
        f"localaws cannot evaluate alarm {name!r}: {'; '.join(problems)}",
        501,
    )


def unsupported_alarms(problems: list[str]) -> AWSError:
    return AWSError(
        "UnsupportedOperation",
        f"{len(problems)} alarm(s) not evaluated (the others were): {' | '.join(problems)}",
        501,
    )


def invalid_parameter(message: str) -> AWSError:
    return AWSError("InvalidParameterValue", message)


def unknown_local_endpoint(method: str, path: str) -> AWSError:
    return AWSError("UnknownOperationException", f"no localaws cloudwatch endpoint {method} {path}", 404)
