"""inflate.gunzip answers exactly as gzip.decompress: the same bytes, the same errors."""

from __future__ import annotations

import gzip
import os

import pytest
from localaws.athena import inflate

LINES = b"2 123456789010 eni-0a1b 10.0.1.5 52.94.76.10 443 49152 6 20 4249 1418530010 1418530070 ACCEPT OK\n"


@pytest.mark.parametrize(
    "data",
    [
        LINES * 20_000,
        os.urandom(64 * 1024),  # incompressible: stored blocks
        b"x",
    ],
    ids=["text", "random", "one-byte"],
)
def test_same_bytes_as_gzip(data: bytes) -> None:
    packed = gzip.compress(data)
    assert bytes(inflate.gunzip(packed)) == data


def test_several_members_are_all_read() -> None:
    # Firehose and `cat a.gz b.gz` both make multi-member objects; every member's lines count
    packed = gzip.compress(LINES * 3) + gzip.compress(LINES * 2)
    assert bytes(inflate.gunzip(packed)) == LINES * 5


@pytest.mark.parametrize(
    "mangle",
    [
        lambda b: b[:-3],  # truncated trailer
        lambda b: b[: len(b) // 2],  # truncated stream
        lambda b: b[:-8] + b"\0\0\0\0" + b[-4:],  # wrong CRC
        lambda b: b[:2] + b"\x07" + b[3:],  # unknown compression method
    ],
    ids=["trailer", "half", "crc", "method"],
)
def test_corrupt_objects_fail_as_gzip_fails(mangle) -> None:
    bad = mangle(gzip.compress(LINES * 100))
    with pytest.raises(Exception) as expected:
        gzip.decompress(bad)
    with pytest.raises(type(expected.value)) as got:
        inflate.gunzip(bad)
    assert str(got.value) == str(expected.value)


def test_libdeflate_path_is_taken_where_the_system_has_it() -> None:
    # Not a requirement (gzip is the fallback), but the speed claim in inflate.py rests on it
    if not inflate.available():
        pytest.skip("no libdeflate on this machine: gzip.decompress serves every object")
    assert isinstance(inflate.gunzip(gzip.compress(LINES)), bytearray)
