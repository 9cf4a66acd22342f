"""A small document in the format of AWS's ip-ranges.json for the local stack and the tests, which have no
internet access: it covers the generator's AWS-looking peers (52.x and 54.x, vpcflow.synthetic.generator)
with AWS's real pattern of a catch-all AMAZON prefix and a named service's more specific one inside it.
Format: https://docs.aws.amazon.com/vpc/latest/userguide/aws-ip-syntax.html."""

from __future__ import annotations

import json
from typing import Any

# Where the local stack keeps it (VPCFLOW_IP_RANGES_URL points there: vpcflow.devstack.airflow_local).
LOCAL_KEY = "samples/ip-ranges.json"

SAMPLE: dict[str, Any] = {
    "syncToken": "1764500000",
    "createDate": "2026-11-30-10-00-00",
    "prefixes": [
        {"ip_prefix": "52.0.0.0/9", "region": "us-east-1", "network_border_group": "us-east-1", "service": "AMAZON"},
        {"ip_prefix": "52.0.0.0/9", "region": "us-east-1", "network_border_group": "us-east-1", "service": "S3"},
        {"ip_prefix": "52.128.0.0/9", "region": "eu-west-1", "network_border_group": "eu-west-1", "service": "AMAZON"},
        {"ip_prefix": "54.0.0.0/8", "region": "GLOBAL", "network_border_group": "GLOBAL", "service": "AMAZON"},
        {"ip_prefix": "54.64.0.0/11", "region": "ap-northeast-1", "network_border_group": "ap-northeast-1", "service": "EC2"},
    ],
    "ipv6_prefixes": [
        {"ipv6_prefix": "2600:1f00::/24", "region": "GLOBAL", "network_border_group": "GLOBAL", "service": "AMAZON"}
    ],
}  # fmt: skip


def put_sample(s3: Any, bucket: str, key: str = LOCAL_KEY) -> str:
    """The sample into the local stack's bucket; its s3:// URL."""
    s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(SAMPLE).encode(), ContentType="application/json")
    return f"s3://{bucket}/{key}"
