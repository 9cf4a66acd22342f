"""Firehose's errors, with the codes and messages its JSON protocol answers."""

from __future__ import annotations

from localaws.service import AWSError

# The ErrorCode/ErrorMessage pairs a PutRecordBatch entry carries when that one record failed.
THROTTLED = ("ServiceUnavailableException", "Slow down.")
INTERNAL = ("InternalFailure", "Internal service failure.")


def validation(*problems: str) -> AWSError:
    """Firehose counts its constraint violations the way the AWS SDK models phrase them."""
    count = len(problems)
    return AWSError(
        "ValidationException",
        f"{count} validation error{'s' if count > 1 else ''} detected: {'; '.join(problems)}",
    )


def serialization(message: str) -> AWSError:
    return AWSError("SerializationException", message)


def invalid_argument(message: str) -> AWSError:
    return AWSError("InvalidArgumentException", message)


def stream_not_found(name: str, account_id: str) -> AWSError:
    return AWSError("ResourceNotFoundException", f"Firehose {name} under account {account_id} not found.")


def slow_down() -> AWSError:
    # A whole call refused: PutRecord and PutRecordBatch answer 500, so SDKs retry it.
    return AWSError(*THROTTLED, 500)


def record_failed(code: str, message: str) -> AWSError:
    """PutRecord's one record failed: the call itself fails with that record's error."""
    return AWSError(code, message, 500)
