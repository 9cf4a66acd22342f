"""S3 calls made in batches, with every per-key answer checked."""

from __future__ import annotations

from typing import Any

DELETE_BATCH = 1000  # DeleteObjects takes at most 1000 keys


def delete_keys(s3: Any, bucket: str, keys: list[dict[str, str]], where: str) -> int:
    """Delete ``keys`` (``{"Key": ..., "VersionId": ...}``) from ``bucket``. DeleteObjects answers 200 even
    when some keys were not deleted, listing them in ``Errors``: any such key fails the call, naming
    ``where`` (what was being emptied). Returns how many keys were deleted."""
    for start in range(0, len(keys), DELETE_BATCH):
        answer = s3.delete_objects(
            Bucket=bucket, Delete={"Objects": keys[start : start + DELETE_BATCH], "Quiet": True}
        )
        if answer.get("Errors"):
            first = answer["Errors"][0]
            raise RuntimeError(
                f"{len(answer['Errors'])} object(s) under {where} not deleted, e.g. {first.get('Key')}: "
                f"{first.get('Code')} {first.get('Message')}"
            )
    return len(keys)
