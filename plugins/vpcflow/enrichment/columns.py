"""The columns the enrichment adds to the Parquet table, after the format's own, in table order.

Names carry their origin (``interface_*`` from the inventory, ``peer_*`` about the address on the far side)
so they never collide with a custom format's fields (vpc_id, subnet_id, instance_id, flow_direction...),
which stay as AWS wrote them. Partitions compacted before these columns existed read them as NULL (Athena
reads Parquet by column name).
"""

from __future__ import annotations

ENRICHED_COLUMNS: tuple[tuple[str, str], ...] = (
    ("interface_account", "STRING"),  # the account that owns the interface (the inventory's OwnerId)
    ("interface_vpc_id", "STRING"),
    ("interface_subnet_id", "STRING"),
    ("interface_az", "STRING"),
    ("interface_instance_id", "STRING"),
    ("interface_type", "STRING"),  # DescribeNetworkInterfaces' InterfaceType
    ("interface_requester", "STRING"),  # instance, elb, nat_gateway, lambda, vpc_endpoint, ecs...
    ("interface_security_groups", "STRING"),
    ("interface_description", "STRING"),
    ("direction", "STRING"),  # ingress, egress or internal, relative to the interface's VPC
    ("peer_address", "STRING"),  # the far side: the source of an ingress flow, the destination of egress
    ("peer_scope", "STRING"),  # private, aws or public
    ("peer_aws_service", "STRING"),
    ("peer_aws_region", "STRING"),
    ("peer_country", "STRING"),  # ISO 3166-1 alpha-2
    ("peer_country_name", "STRING"),
    ("peer_as_org", "STRING"),
    (
        "protocol_keyword",
        "STRING",
    ),  # IANA keyword: TCP, UDP, ICMP... (the dashboard has its own protocol_name)
    ("service_name", "STRING"),  # IANA service name of the flow's well-known port: https, ssh, domain...
    ("community_id", "STRING"),  # Corelight Community ID v1
)

NAMES = tuple(name for name, _ in ENRICHED_COLUMNS)
