"""Every statement of sql/detections/ renders for a run and parses as Athena (Trino) SQL; what reaches SQL
from the configuration is validated first."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlglot
from vpcflow.detections import network
from vpcflow.detections.context import DetectionContext, ints
from vpcflow.detections.detectors import DETECTORS, OUTPUT_COLUMNS
from vpcflow.detections.listing import ListingError, Query
from vpcflow.detections.settings import DetectionSettings
from vpcflow.model.config import ConfigError, StackConfig
from vpcflow.model.sqlfiles import sql_dir

STACK = StackConfig(bucket="my-flow-logs", database="vpcflow")
HOURS = ("2026-11-26-05", "2026-11-26-06")


def context(**settings) -> DetectionContext:
    return DetectionContext(STACK, DetectionSettings(**settings), HOURS)


def test_every_file_is_a_detector_the_profile_the_listing_or_the_shared_cte():
    files = {p.stem for p in Path(sql_dir(), "detections").glob("*.sql")}
    assert files == {d.name for d in DETECTORS} | {"hour_profile", "findings_latest", "_flows"}


@pytest.mark.parametrize("detector", DETECTORS, ids=lambda d: d.name)
def test_a_detector_renders_and_parses_with_the_common_columns(detector):
    sql = context(
        allow_cidrs=("198.18.0.0/15",), allow_scanners=("10.1.2.3",), allow_ports=(9100,)
    ).detector_sql(detector)
    assert "{{" not in sql and "{%" not in sql
    tree = sqlglot.parse_one(sql, read="athena")
    assert tree.named_selects == [name for name, _ in OUTPUT_COLUMNS]
    # Only the run's hours of the flows are read.
    assert "WHERE ingestdatetime IN ('2026-11-26-05', '2026-11-26-06')" in sql


def test_the_profile_and_the_listing_parse():
    assert sqlglot.parse_one(context().profile_sql, read="athena")
    assert sqlglot.parse_one(Query.make(since="2026-11-26-05", min_severity="high").sql(STACK), read="athena")


def test_networks_become_numeric_ranges_and_bad_ones_are_named():
    (net,) = network.parse_networks(("10.0.0.0/8",), "X")
    assert (net.first, net.last) == (167772160, 184549375)
    with pytest.raises(network.NetworkError, match="VPCFLOW_DETECT_ALLOW_CIDRS: '10.0.0.1/8' is not"):
        DetectionSettings(allow_cidrs=("10.0.0.1/8",))
    with pytest.raises(network.NetworkError, match="IPv6"):
        DetectionSettings(allow_cidrs=("2001:db8::/32",))
    with pytest.raises(network.NetworkError, match="not an IP address"):
        DetectionSettings(allow_scanners=("10.0.0.1; DROP TABLE x",))


def test_settings_come_from_the_environment_and_bad_values_name_their_variable(monkeypatch):
    monkeypatch.setenv("VPCFLOW_DETECT_BRUTE_FORCE_MIN_ATTEMPTS", "50")
    monkeypatch.setenv("VPCFLOW_DETECT_BRUTE_FORCE_PORTS", "22,2222")
    monkeypatch.setenv("VPCFLOW_DETECT_DISABLED", "reject_surge")
    settings = DetectionSettings()
    assert settings.threshold("brute_force", "min_attempts") == 50
    assert settings.threshold("brute_force", "ports") == (22, 2222)
    assert "reject_surge" not in {d.name for d in settings.detectors}
    monkeypatch.setenv("VPCFLOW_DETECT_BRUTE_FORCE_MIN_ATTEMPTS", "many")
    with pytest.raises(ConfigError, match="VPCFLOW_DETECT_BRUTE_FORCE_MIN_ATTEMPTS='many' is not int"):
        DetectionSettings()
    monkeypatch.delenv("VPCFLOW_DETECT_BRUTE_FORCE_MIN_ATTEMPTS")
    monkeypatch.setenv("VPCFLOW_DETECT_DISABLED", "port_scan")
    with pytest.raises(ConfigError, match="unknown detector"):
        DetectionSettings()
    monkeypatch.delenv("VPCFLOW_DETECT_DISABLED")
    monkeypatch.setenv("VPCFLOW_SECURITY_HUB", "maybe")
    with pytest.raises(ConfigError, match="VPCFLOW_SECURITY_HUB='maybe'"):
        DetectionSettings()


def test_only_integers_and_validated_names_reach_sql():
    assert ints((22, 3389)) == "22, 3389"
    with pytest.raises(ConfigError):
        ints(("22; --",))
    with pytest.raises(ListingError, match="no detector"):
        Query.make(detector="scan'; --")
    with pytest.raises(ListingError, match="not a UTC hour"):
        Query.make(since="yesterday")
    with pytest.raises(ConfigError, match="overlaps 'findings/'"):
        DetectionContext(StackConfig(parquet_prefix="findings/"), DetectionSettings(), HOURS)
