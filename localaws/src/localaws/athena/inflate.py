"""gzip inflated with libdeflate where the system has it, else with Python's gzip module.

A first query over new text objects inflates every byte in Python (readers.py checks them before DuckDB
reads them): with zlib that is the largest part of its CPU (~0.5 CPU-s per 2M flow log lines, 200 MB).
libdeflate (Debian's libdeflate0, already on the machines this project runs on) inflates the same bytes
in ~60% of the time and, called through ctypes, releases the GIL as zlib does.

Only the plain case takes that path: one gzip member that ends the object and whose trailer size (ISIZE)
is plausible. Anything else (several members, trailing bytes, a corrupt or truncated stream, no
libdeflate) is left to ``gzip.decompress``, so the answer and every error are the ones it gives.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gzip
import struct
from typing import Any

_SUCCESS = 0
# deflate cannot expand more than ~1032:1; text is ~5-20:1. A larger claimed size is left to gzip.
_MAX_RATIO = 1100


def _load() -> Any:
    name = ctypes.util.find_library("deflate")
    if not name:
        return None
    try:
        lib = ctypes.CDLL(name)  # CDLL: the GIL is released during each call
        lib.libdeflate_alloc_decompressor.restype = ctypes.c_void_p
        lib.libdeflate_alloc_decompressor.argtypes = []
        lib.libdeflate_free_decompressor.restype = None
        lib.libdeflate_free_decompressor.argtypes = [ctypes.c_void_p]
        lib.libdeflate_gzip_decompress_ex.restype = ctypes.c_int
        lib.libdeflate_gzip_decompress_ex.argtypes = [
            ctypes.c_void_p,
            ctypes.c_char_p,
            ctypes.c_size_t,
            ctypes.c_void_p,
            ctypes.c_size_t,
            ctypes.POINTER(ctypes.c_size_t),
            ctypes.POINTER(ctypes.c_size_t),
        ]
    except (OSError, AttributeError):
        return None
    return lib


_LIB = _load()


def available() -> bool:
    return _LIB is not None


def gunzip(data: bytes) -> bytes | bytearray:
    """``gzip.decompress(data)``: the same bytes, or the same error."""
    out = _libdeflate(data) if _LIB is not None else None
    return gzip.decompress(data) if out is None else out


def _libdeflate(data: bytes) -> bytearray | None:
    if len(data) < 18:  # 10-byte header + 8-byte trailer
        return None
    (size,) = struct.unpack("<I", data[-4:])
    if size == 0 or size > _MAX_RATIO * len(data):
        return None
    try:
        out = bytearray(size)
    except MemoryError:
        return None
    decompressor = _LIB.libdeflate_alloc_decompressor()
    if not decompressor:
        return None
    try:
        used_in, made = ctypes.c_size_t(), ctypes.c_size_t()
        target = (ctypes.c_char * size).from_buffer(out)
        try:
            rc = _LIB.libdeflate_gzip_decompress_ex(
                decompressor, data, len(data), target, size, ctypes.byref(used_in), ctypes.byref(made)
            )
        finally:
            del target  # releases the export, so ``out`` can be resized or freed later
    finally:
        _LIB.libdeflate_free_decompressor(decompressor)
    # libdeflate checked the CRC and ISIZE; only one member that ends the object is taken as is
    if rc != _SUCCESS or used_in.value != len(data) or made.value != size:
        return None
    return out
