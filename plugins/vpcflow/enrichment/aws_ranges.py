"""AWS's published address ranges (ip-ranges.json) as the table mapping prefixes to service and region.

The document's format is AWS's "Syntax for AWS IP address range JSON"
(https://docs.aws.amazon.com/vpc/latest/userguide/aws-ip-syntax.html): ``syncToken`` (publication time,
Unix seconds, a string), ``createDate`` (``YYYY-MM-DD-hh-mm-ss`` UTC), ``prefixes`` of ``{ip_prefix,
region, network_border_group, service}`` and ``ipv6_prefixes`` of ``{ipv6_prefix, ...}``. A prefix appears
once per service subset it belongs to: under ``AMAZON`` (every AWS address) and again under the specific
service (``EC2``, ``S3``, ``CLOUDFRONT``...); the compaction picks the most specific prefix, and a service
other than AMAZON among equals. On AWS, vpcflow_enrichment fetches it from
https://ip-ranges.amazonaws.com/ip-ranges.json ("Download the JSON file" in the same guide); the tests and
the local stack load a small sample they build (no network there).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from vpcflow.enrichment.addresses import AddressError, network


class RangesError(ValueError):
    """A document that is not AWS's ip-ranges.json; the message names the source and the problem."""


def parse(document: bytes | str, source: str) -> dict[str, Any]:
    """The document as JSON, checked against AWS's syntax (every prefix has a CIDR, a region, a service)."""
    try:
        doc = json.loads(document)
    except ValueError as exc:
        raise RangesError(f"{source} is not JSON: {exc}") from None
    if not isinstance(doc, dict) or "prefixes" not in doc or "syncToken" not in doc:
        raise RangesError(f"{source} is not AWS's ip-ranges.json: it lacks syncToken or prefixes")
    for field, cidr_key in (("prefixes", "ip_prefix"), ("ipv6_prefixes", "ipv6_prefix")):
        for index, item in enumerate(doc.get(field, [])):
            missing = [k for k in (cidr_key, "region", "service") if not item.get(k)]
            if missing:
                raise RangesError(f"{source}: {field}[{index}] lacks {', '.join(missing)}: {item}")
    return doc


def rows(doc: Mapping[str, Any], source: str = "ip-ranges.json") -> Iterator[dict[str, Any]]:
    """One row per bucket each prefix spans (vpcflow.enrichment.addresses)."""
    items = [(i["ip_prefix"], i) for i in doc.get("prefixes", [])]
    items += [(i["ipv6_prefix"], i) for i in doc.get("ipv6_prefixes", [])]
    for cidr, item in items:
        try:
            span = network(cidr)
        except AddressError as exc:
            raise RangesError(f"{source}: {exc}") from None
        for bucket in span.buckets():
            yield {
                "bucket": bucket,
                "first_hex": span.first_hex,
                "last_hex": span.last_hex,
                "prefix": cidr,
                "prefix_length": span.prefix_length,
                "service": item["service"],
                "region": item["region"],
                "network_border_group": item.get("network_border_group"),
                "sync_token": str(doc["syncToken"]),
            }


def fetch(url: str, s3: Any | None = None, timeout_s: float = 30) -> bytes:
    """The document at ``url``: https:// (AWS's) or s3://bucket/key (a copy the stack keeps, or a test's)."""
    if url.startswith("s3://"):
        bucket, _, key = url.removeprefix("s3://").partition("/")
        if s3 is None:
            raise RangesError(f"{url}: an s3:// URL needs an S3 client")
        return s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    if not url.startswith("https://"):
        raise RangesError(f"{url}: only https:// and s3:// URLs are read")
    import urllib.request

    with urllib.request.urlopen(url, timeout=timeout_s) as answer:  # noqa: S310 (https only, checked above)
        return answer.read()
