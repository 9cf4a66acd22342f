"""The bodies of the enrichment's tasks: vpcflow_hourly's interface snapshot, vpcflow_enrichment's load
of AWS's address ranges and of IANA's names and the geo ranges. Clients come from the Airflow connection; another account's interfaces through
the role its source names (sts:AssumeRole, one session per snapshot)."""

from __future__ import annotations

import logging
from typing import Any

from vpcflow.enrichment import aws_ranges, inventory, static_tables, tables
from vpcflow.enrichment.sources import Source
from vpcflow.model.config import StackConfig

log = logging.getLogger(__name__)


def client_factory(aws_conn_id: str, session_name: str) -> inventory.ClientFactory:
    """(source, service) -> a client in the source's region, as the connection or as the source's role."""
    from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

    hook = AwsBaseHook(aws_conn_id=aws_conn_id, client_type="sts")
    session = hook.get_session(region_name=hook.region_name)

    def endpoint(service: str) -> str | None:
        return hook.conn_config.get_service_endpoint_url(service_name=service)

    def make(source: Source, service: str) -> Any:
        region = source.region or hook.region_name
        kwargs = {"region_name": region, "endpoint_url": endpoint(service), "config": hook.config}
        if source.role_arn is None:
            return session.client(service, **kwargs)
        sts = session.client("sts", region_name=region, endpoint_url=endpoint("sts"), config=hook.config)
        creds = sts.assume_role(RoleArn=source.role_arn, RoleSessionName=session_name)["Credentials"]
        return session.client(
            service,
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
            **kwargs,
        )

    return make


def snapshot_interfaces(
    clients: inventory.ClientFactory, s3: Any, config: StackConfig, hour: str
) -> dict[str, Any]:
    """vpcflow_hourly's snapshot of hour ``hour`` (its label): what inventory.snapshot stored."""
    return inventory.snapshot(clients, s3, config, hour)


def load_aws_ranges(s3: Any, config: StackConfig) -> dict[str, Any]:
    """vpcflow_enrichment's load: the ip-ranges document at the stack's URL into enrich_aws_ranges."""
    document = aws_ranges.fetch(config.ip_ranges_url, s3)
    doc = aws_ranges.parse(document, config.ip_ranges_url)
    uri = tables.write_rows(s3, config, tables.AWS_RANGES, aws_ranges.rows(doc, config.ip_ranges_url))
    answer = {
        "source": config.ip_ranges_url,
        "sync_token": str(doc["syncToken"]),
        "create_date": doc.get("createDate"),
        "ipv4_prefixes": len(doc.get("prefixes", [])),
        "ipv6_prefixes": len(doc.get("ipv6_prefixes", [])),
        "object": uri,
    }
    log.info("AWS address ranges loaded: %s", answer)
    return answer


def load_static_tables(s3: Any, config: StackConfig) -> dict[str, Any]:
    """vpcflow_enrichment's names and geo ranges: what each table's write did (unchanged when its source is)."""
    return {
        name: {"action": r.action, "id": r.id}
        for name, r in static_tables.load_static_tables(s3, config).items()
    }
