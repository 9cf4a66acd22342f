"""S3 as the Athena engine sees it: moto's S3 backend in this process (no HTTP to ourselves)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from localaws.athena.errors import QueryFailed


@dataclass(frozen=True)
class S3Object:
    bucket: str
    key: str
    size: int
    etag: str

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


def split_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/prefix`` -> (bucket, prefix); names the input when it is not an S3 URI."""
    if not uri or not uri.startswith("s3://"):
        raise ValueError(f"not an S3 location: {uri!r} (expected s3://bucket/prefix)")
    bucket, _, key = uri[5:].partition("/")
    if not bucket:
        raise ValueError(f"S3 location {uri!r} names no bucket")
    return bucket, key


def as_dir(uri: str) -> str:
    return uri if uri.endswith("/") else uri + "/"


class ObjectRange:
    """Byte ranges of a moto object without copying the whole object first (moto keeps each object in a
    SpooledTemporaryFile behind a lock; reading ``value`` copies all of it)."""

    def __init__(self, key: Any):
        self._key = key
        self.size = int(key.size)

    def read(self, start: int, length: int) -> bytes:
        buffer, lock = getattr(self._key, "_value_buffer", None), getattr(self._key, "lock", None)
        if buffer is None or lock is None:  # another moto: fall back to the public (copying) value
            return bytes(self._key.value[start : start + length])
        with lock:
            buffer.seek(start)
            return buffer.read(length)


class S3:
    """Read, list and write objects of one account through moto's backend."""

    def __init__(self, account_id: str):
        self.account_id = account_id

    @property
    def backend(self) -> Any:
        from moto.s3.models import s3_backends

        return s3_backends[self.account_id]["aws"]

    def bucket_exists(self, bucket: str) -> bool:
        return bucket in self.backend.buckets

    def list(self, uri: str) -> list[S3Object]:
        """Every object under a prefix (a "directory": the prefix gets a trailing slash), sorted by key.

        Athena skips objects whose name starts with '_' or '.' (Hadoop's hidden files) and "folder"
        placeholder keys ending in '/'.
        """
        bucket, prefix = split_uri(as_dir(uri))
        if prefix == "/":
            prefix = ""
        try:
            keys = self.backend.get_bucket(bucket).keys
        except Exception as err:
            raise QueryFailed(
                "HIVE_FILESYSTEM_ERROR",
                f"The specified bucket does not exist: {bucket} (location {uri})",
            ) from err
        found = []
        for name in list(keys.keys()):
            if not name.startswith(prefix) or name.endswith("/"):
                continue
            base = name.rsplit("/", 1)[-1]
            if base.startswith(("_", ".")):
                continue
            key = keys.get(name)
            if key is None or not hasattr(key, "size"):  # a delete marker
                continue
            found.append(S3Object(bucket, name, key.size, key.etag))
        return sorted(found, key=lambda o: o.key)

    def read(self, obj: S3Object) -> bytes:
        key = self.backend.get_object(obj.bucket, obj.key)
        if key is None:
            raise QueryFailed(
                "HIVE_CANNOT_OPEN_SPLIT", f"Error opening Hive split {obj.uri}: object vanished"
            )
        return key.value

    def open(self, obj: S3Object) -> ObjectRange:
        """Ranged reads of one object, as Athena reads Parquet (footer, then column chunks)."""
        key = self.backend.get_object(obj.bucket, obj.key)
        if key is None:
            raise QueryFailed(
                "HIVE_CANNOT_OPEN_SPLIT", f"Error opening Hive split {obj.uri}: object vanished"
            )
        return ObjectRange(key)

    def read_uri(self, uri: str) -> bytes | None:
        bucket, key_name = split_uri(uri)
        key = self.backend.get_object(bucket, key_name)
        return None if key is None else key.value

    def put(self, uri: str, body: bytes) -> None:
        bucket, key = split_uri(uri)
        self.backend.put_object(bucket, key, body)

    def delete_prefix(self, uri: str) -> int:
        bucket, prefix = split_uri(as_dir(uri))
        objs = [o for o in self.list(uri)]
        for o in objs:
            self.backend.delete_object(bucket, o.key)
        return len(objs)
