"""The detectors: one SQL file each in sql/detections/, described here (severity, MITRE ATT&CK technique,
thresholds and what evidence a finding keeps).

Every detector's statement returns the same columns (see ``OUTPUT_COLUMNS``): one row per hour and
entity whose behaviour crossed the thresholds. The entity (``key``) is what makes two hours' rows one
incident: the same scanner and target, the same interface and peer...

Thresholds are defaults; the deployment overrides any of them with ``VPCFLOW_DETECT_<DETECTOR>_<NAME>``
(vpcflow.detections.settings), never a run's conf.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

SEVERITIES = ("INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL")

# Columns every detector's SELECT returns, in order, with their Athena types.
OUTPUT_COLUMNS = (
    ("hour", "varchar"),
    ("interfaceid", "varchar"),
    ("account", "varchar"),
    ("source", "varchar"),
    ("destination", "varchar"),
    ("port", "integer"),
    ("protocol", "integer"),
    ("subtype", "varchar"),
    ("flows", "bigint"),
    ("packets", "bigint"),
    ("bytes", "bigint"),
    ("score", "double"),
    ("threshold", "double"),
    ("first_seen", "timestamp"),
    ("last_seen", "timestamp"),
    ("detail", "varchar"),
    ("evidence", "varchar"),
    ("interface_context", "varchar"),
    ("peer_context", "varchar"),
)
# What interface_context and peer_context pack (vpcflow.detections.context.DetectionContext.enrichment):
# Parquet columns compaction's enrichment wrote, NULL in hours compacted before it.
INTERFACE_CONTEXT = ("interfaceid", "interface_instance_id", "interface_vpc_id", "interface_subnet_id")
PEER_CONTEXT = ("peer_address", "peer_country", "peer_country_name", "peer_as_org", "peer_aws_service")
KEY_COLUMNS = ("interfaceid", "source", "destination", "port", "subtype")

SENSITIVE_PORTS = (22, 23, 445, 1433, 2375, 3306, 3389, 5432, 5900, 6379, 9200, 11211, 27017)
MINING_PORTS = (3333, 3334, 4444, 5555, 7777, 14433, 14444, 45560, 45700)
C2_PORTS = (1337, 4444, 6667, 31337, 50050)


@dataclass(frozen=True)
class Detector:
    """:param name: also the SQL file's stem and the finding's GeneratorId suffix
    :param severity: of a new finding; ``escalate_*`` raise it one level
    :param technique: MITRE ATT&CK technique id (and ``technique_name``, ``tactic``)
    :param types: ASFF finding types (namespace/category/classifier)
    :param key: the entity columns that make hours one incident
    :param score: what ``score`` measures; ``threshold`` is what it was compared with
    :param evidence: what the finding keeps of the flows
    :param escalate_factor: escalate when score >= factor x threshold
    :param escalate_hours: escalate when the incident has lasted this many hours with hits"""

    name: str
    title: str
    severity: str
    technique: str
    technique_name: str
    tactic: str
    types: tuple[str, ...]
    key: tuple[str, ...]
    score: str
    evidence: str
    thresholds: MappingProxyType[str, Any]
    escalate_factor: float = 10.0
    escalate_hours: int = 3

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"detector {self.name}: severity {self.severity!r} is not one of {SEVERITIES}")
        unknown = set(self.key) - set(KEY_COLUMNS)
        if unknown:
            raise ValueError(f"detector {self.name}: key columns {sorted(unknown)} are not in {KEY_COLUMNS}")

    @property
    def sql_file(self) -> str:
        return f"detections/{self.name}.sql"

    @property
    def generator_id(self) -> str:
        return f"vpcflow/detections/{self.name}"


def _t(**values: Any) -> MappingProxyType[str, Any]:
    return MappingProxyType(values)


DETECTORS: tuple[Detector, ...] = (
    Detector(
        "port_scan_vertical",
        "Vertical port scan",
        "MEDIUM",
        "T1046",
        "Network Service Discovery",
        "Discovery",
        ("TTPs/Discovery/Recon:PortScan",),
        ("source", "destination"),
        "distinct destination ports probed in the hour",
        "the first probes of the hour (time order)",
        _t(min_ports=20, probe_max_packets=2, probe_max_packet_bytes=80, max_flows_per_port=3),
    ),
    Detector(
        "port_scan_horizontal",
        "Horizontal port scan",
        "MEDIUM",
        "T1046",
        "Network Service Discovery",
        "Discovery",
        ("TTPs/Discovery/Recon:PortSweep",),
        ("source",),
        "distinct destination addresses probed in the hour",
        "the first probes of the hour (time order)",
        _t(min_hosts=8, probe_max_packets=2, probe_max_packet_bytes=80, max_flows_per_target=3),
        escalate_factor=5.0,
    ),
    Detector(
        "brute_force",
        "SSH/RDP brute force",
        "HIGH",
        "T1110.001",
        "Brute Force: Password Guessing",
        "Credential Access",
        ("TTPs/Credential Access/BruteForce",),
        ("source", "destination", "port"),
        "connection attempts to the port in the hour",
        "the first attempts of the hour (time order)",
        _t(ports=(22, 3389), min_attempts=20, max_mean_bytes=10_000),
    ),
    Detector(
        "exfiltration",
        "Unusual egress to an external destination",
        "HIGH",
        "T1048",
        "Exfiltration Over Alternative Protocol",
        "Exfiltration",
        ("TTPs/Exfiltration", "Effects/Data Exfiltration"),
        ("interfaceid", "source"),
        "bytes sent to the hour's largest external destination",
        "the largest egress flows of the hour",
        _t(min_bytes=512 * 1024**2, ratio=3, min_history_hours=3, cold_start_bytes=10 * 1024**3),
        escalate_factor=8.0,
    ),
    Detector(
        "first_seen_peer",
        "First-seen external peer on a sensitive port",
        "MEDIUM",
        "T1133",
        "External Remote Services",
        "Initial Access",
        ("TTPs/Initial Access", "Unusual Behaviors/Network Flow"),
        ("interfaceid", "source", "port"),
        "accepted flows with the new peer in the hour",
        "the peer's flows of the hour (time order)",
        _t(ports=SENSITIVE_PORTS, min_history_hours=24),
        escalate_factor=1000.0,
    ),
    Detector(
        "mining_c2_ports",
        "Traffic to a known mining or C2 port",
        "HIGH",
        "T1496",
        "Resource Hijacking",
        "Impact",
        ("TTPs/Command and Control", "Effects/Resource Consumption"),
        ("interfaceid", "destination", "port"),
        "accepted egress flows to the port in the hour",
        "the flows of the hour (time order)",
        _t(mining_ports=MINING_PORTS, c2_ports=C2_PORTS, min_flows=1),
        escalate_factor=1000.0,
    ),
    Detector(
        "reject_surge",
        "Surge of rejected traffic on an interface",
        "LOW",
        "T1498",
        "Network Denial of Service",
        "Impact",
        ("Unusual Behaviors/Network Flow", "Effects/Denial of Service"),
        ("interfaceid",),
        "rejected flows on the interface in the hour",
        "the first rejected flows of the hour (time order)",
        _t(min_rejects=200, ratio=10, cold_start_rejects=500),
    ),
    Detector(
        "capture_health",
        "Flow log capture gap",
        "LOW",
        "T1562.008",
        "Impair Defenses: Disable or Modify Cloud Logs",
        "Defense Evasion",
        ("Unusual Behaviors/Network Flow", "TTPs/Defense Evasion"),
        ("interfaceid", "subtype"),
        "skipdata: SKIPDATA windows; nodata: NODATA windows; silent: percent of the usual flows",
        "the interface's NODATA/SKIPDATA records of the hour",
        _t(min_skipdata=5, min_nodata=20, busy_flows=20, silent_percent=5, min_history_days=2),
        escalate_factor=1000.0,
        escalate_hours=4,
    ),
)

BY_NAME = {d.name: d for d in DETECTORS}


def detector(name: str) -> Detector:
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"no detector {name!r}; detectors: {', '.join(BY_NAME)}") from None
