"""Country and AS organisation of public address ranges, from an optional offline database.

The database is geoip2fast's (PyPI ``geoip2fast``, MIT; install the ``geo`` extra): its country+ASN file for
IPv4 and IPv6 is derived from MaxMind's GeoLite2 Country and ASN data (attribution in NOTICE: "This product
includes GeoLite2 data created by MaxMind, available from https://www.maxmind.com"). It names the AS's
organisation, not its number. Absent package, or ``VPCFLOW_GEO=false``: no geo table is loaded and the
geo columns stay NULL.

The file is a pickle of the library's own lookup lists (networks as first address and prefix length, per
chunk); they are read directly, because the library only answers one address at a time and the compaction
needs every range as a table. The country ranges and the AS ranges are cut into segments that carry both.
"""

from __future__ import annotations

import gzip
import logging
import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from vpcflow.enrichment.addresses import Range

log = logging.getLogger(__name__)

DATA_FILE = "geoip2fast-asn-ipv6.dat.gz"
_PRIVATE_IDS = 16  # the library's first 16 country ids are reserved and private networks, not countries
_V4_MAPPED = 0xFFFF << 32
_MAX_V4 = (1 << 32) - 1


class GeoError(RuntimeError):
    """The geo database is there but not as expected; the message names the file."""


def data_file() -> Path | None:
    """The installed database file, or None when the package is absent."""
    try:
        import geoip2fast
    except ImportError:
        return None
    path = Path(geoip2fast.__file__).parent / DATA_FILE
    return path if path.is_file() else None


def version() -> str | None:
    path = data_file()
    return None if path is None else _load(path)[1].get("info")


def _load(path: Path) -> tuple[int, dict[str, Any], int, Any]:
    with gzip.open(path, "rb") as handle:
        loaded = pickle.load(handle)  # noqa: S301 (the installed package's own data file)
    if not (isinstance(loaded, (tuple, list)) and len(loaded) == 4 and loaded[0] in (120, 121)):
        raise GeoError(f"{path} is not a geoip2fast 1.2 data file (version 120/121)")
    if not (loaded[1].get("country") and loaded[1].get("asn")):
        raise GeoError(f"{path} lacks country or ASN data: {loaded[1]}")
    return loaded


def _networks(first_chunks: list, length_chunks: list, id_chunks: list) -> Iterator[tuple[int, int, int]]:
    # (first, last, id) in the 128-bit space, IPv4 mapped as vpcflow.enrichment.addresses maps it.
    for firsts, lengths, ids in zip(first_chunks, length_chunks, id_chunks, strict=True):
        for first, length, ident in zip(firsts, lengths, ids, strict=True):
            if first <= _MAX_V4 and length <= 32:
                yield _V4_MAPPED | first, _V4_MAPPED | (first + (1 << (32 - length)) - 1), ident
            else:
                yield first, first + (1 << (128 - length)) - 1, ident


def segments(path: Path) -> Iterator[tuple[Range, str | None, str | None, str | None]]:
    """(range, country code, country name, AS organisation), the ranges disjoint and in order."""
    _, _, _, db = _load(path)
    _, _, names, as_names, firsts, as_firsts, ids, as_ids, lengths, as_lengths = db
    countries = [(f, last, i) for f, last, i in _networks(firsts, lengths, ids) if i >= _PRIVATE_IDS]
    orgs = list(_networks(as_firsts, as_lengths, as_ids))
    bounds = sorted({f for f, _, _ in countries} | {last + 1 for _, last, _ in countries}
                    | {f for f, _, _ in orgs} | {last + 1 for _, last, _ in orgs})  # fmt: skip
    ci = oi = 0
    for start, stop in zip(bounds, bounds[1:], strict=False):
        while ci < len(countries) and countries[ci][1] < start:
            ci += 1
        while oi < len(orgs) and orgs[oi][1] < start:
            oi += 1
        country = countries[ci] if ci < len(countries) and countries[ci][0] <= start else None
        org = orgs[oi] if oi < len(orgs) and orgs[oi][0] <= start else None
        if country is None and org is None:
            continue
        code = name = as_org = None
        if country is not None:
            code, _, name = names[country[2]].partition(":")
        if org is not None and as_names[org[2]] != "<unknown>":
            as_org = as_names[org[2]]
        yield Range(start, stop - 1, 0), code, name, as_org


def rows(path: Path) -> Iterator[dict[str, Any]]:
    """The geo table's rows: one per bucket each segment spans (vpcflow.enrichment.addresses)."""
    previous = None
    for span, code, name, org in _merged(segments(path)):
        previous = span
        for bucket in span.buckets():
            yield {"bucket": bucket, "first_hex": span.first_hex, "last_hex": span.last_hex,
                   "country_code": code, "country_name": name, "as_org": org}  # fmt: skip
    if previous is None:
        raise GeoError(f"{path} holds no public ranges")


def _merged(items: Iterator[tuple[Range, Any, Any, Any]]) -> Iterator[tuple[Range, Any, Any, Any]]:
    # Adjacent segments with the same country and organisation become one range: fewer rows to join.
    current = None
    for span, *values in items:
        if current and current[1:] == tuple(values) and current[0].last + 1 == span.first:
            current = (Range(current[0].first, span.last, 0), *values)
            continue
        if current:
            yield current
        current = (span, *values)
    if current:
        yield current
