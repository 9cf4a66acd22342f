"""The dashboard's calculated fields: QuickSight expressions over the flows, quality and findings datasets.

Parameters appear as ``${name}``: a filter whose value may be either of two columns (an address is a
source or a destination) is a calculated field that compares both and is 'yes' when the parameter is unset.
"""

from __future__ import annotations

from typing import Any

from vpcflow.dashboard.fields import FINDINGS, FLOWS, QUALITY

# IANA service names of the ports that rejected traffic and exposure reports are usually about.
PORT_NAMES = {
    20: "ftp-data", 21: "ftp", 22: "ssh", 23: "telnet", 25: "smtp", 53: "dns", 80: "http", 110: "pop3",
    111: "rpcbind", 123: "ntp", 135: "msrpc", 137: "netbios-ns", 139: "netbios-ssn", 143: "imap",
    161: "snmp", 389: "ldap", 443: "https", 445: "smb", 465: "smtps", 587: "submission", 636: "ldaps",
    993: "imaps", 995: "pop3s", 1433: "mssql", 1521: "oracle", 2049: "nfs", 2375: "docker",
    2379: "etcd", 3306: "mysql", 3389: "rdp", 5432: "postgresql", 5601: "kibana", 5900: "vnc",
    5985: "winrm", 6379: "redis", 6443: "kube-api", 8080: "http-alt", 8443: "https-alt",
    9200: "elasticsearch", 11211: "memcached", 27017: "mongodb",
}  # fmt: skip

PROTOCOL_NAME = (
    "ifelse({protocol} = 6, 'TCP', {protocol} = 17, 'UDP', {protocol} = 1, 'ICMP', {protocol} = 58, 'ICMPv6', "
    "concat('IP ', toString({protocol})))"
)
TALKER = "concat({sourceaddress}, ' -> ', {destinationaddress})"
# "22 ssh": the number first, so a bar reads as the port and its service, and a person can type either.
PORT_SERVICE = (
    "ifelse("
    + ", ".join(f"{{destinationport}} = {port}, '{port} {name}'" for port, name in PORT_NAMES.items())
    + ", toString({destinationport}))"
)
INGEST_HOUR = "parseDate({ingestdatetime}, 'yyyy-MM-dd-HH')"
# The enrichment's VPC and subnet of the flow's interface, one label.
VPC_SUBNET = (
    "ifelse(isNull({interface_subnet_id}), NULL, concat({interface_vpc_id}, ' / ', {interface_subnet_id}))"
)
IS_REJECT = "ifelse({action} = 'REJECT', 1, 0)"
ADDRESS_MATCH = (
    "ifelse(isNull(${address}), 'yes', {sourceaddress} = ${address} OR {destinationaddress} = ${address}, "
    "'yes', 'no')"
)
PORT_MATCH = (
    "ifelse(isNull(${port}), 'yes', {port_service} = ${port} OR toString({destinationport}) = ${port}, "
    "'yes', 'no')"
)
# The quality dataset's hour_state: 0 every check passed, 1 a warn check failed, 2 a block check failed.
VERDICT = "ifelse({hour_state} = 2, 'blocked', {hour_state} = 1, 'warned', 'passed')"
VERDICT_MARK = "ifelse({hour_state} = 2, ' ✗ blocked', {hour_state} = 1, ' ⚠ warned', ' ✓')"
HOUR_VERDICT = "concat({ingestdatetime}, {verdict_mark})"
TOTAL_ROWS = "ifelse({check_name} = 'total_rows', {value}, 0)"
FAILED = "1 - {passed}"


def calculated_fields() -> list[dict[str, Any]]:
    flows = {
        "talker": TALKER,
        "protocol_name": PROTOCOL_NAME,
        "port_service": PORT_SERVICE,
        "ingest_hour": INGEST_HOUR,
        "vpc_subnet": VPC_SUBNET,
        "is_reject": IS_REJECT,
        "address_match": ADDRESS_MATCH,
        "port_match": PORT_MATCH,
    }
    quality = {
        "ingest_hour": INGEST_HOUR,
        "verdict": VERDICT,
        "verdict_mark": VERDICT_MARK,
        "hour_verdict": HOUR_VERDICT,
        "total_rows": TOTAL_ROWS,
        "failed_checks": FAILED,
    }
    # A finding's latest row is of the last hour it was seen in: the time range selects findings by it.
    findings = {"ingest_hour": INGEST_HOUR}
    return [
        {"DataSetIdentifier": data_set, "Name": n, "Expression": e}
        for data_set, fields in ((FLOWS, flows), (QUALITY, quality), (FINDINGS, findings))
        for n, e in fields.items()
    ]
