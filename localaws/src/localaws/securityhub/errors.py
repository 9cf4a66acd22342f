"""Security Hub's errors, with the codes, statuses and wording its REST-JSON protocol answers."""

from __future__ import annotations

from localaws.service import AWSError


def not_subscribed(account_id: str) -> AWSError:
    return AWSError(
        "InvalidAccessException", f"Account {account_id} is not subscribed to AWS Security Hub", 401
    )


def already_subscribed(account_id: str) -> AWSError:
    return AWSError(
        "ResourceConflictException", f"Account {account_id} is already subscribed to Security Hub", 409
    )


def invalid_input(message: str) -> AWSError:
    return AWSError("InvalidInputException", message, 400)


def hub_not_found(arn: str) -> AWSError:
    return AWSError(
        "ResourceNotFoundException", f"The request was rejected because no hub was found with ARN {arn}.", 404
    )


def unsupported(what: str) -> AWSError:
    """What localaws does not emulate: refused by name, never answered with nothing."""
    return AWSError("UnsupportedOperation", f"localaws Security Hub does not support {what}", 501)
