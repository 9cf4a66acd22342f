"""The synthetic flow log generator: deterministic, realistic in shape, exact in its summary, and its two
sinks (S3 in Firehose's layout, CloudWatch Logs) against localaws."""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from vpcflow.devstack import cli
from vpcflow.model import formats
from vpcflow.synthetic.generator import (
    GeneratorConfig,
    GeneratorError,
    generate,
    generate_hour,
    hours_between,
)
from vpcflow.synthetic.sinks import (
    MAX_BATCH_BYTES,
    MAX_BATCH_EVENTS,
    generate_to_log_group,
    generate_to_s3,
    log_event_batches,
)

BLOG_REGEX = re.compile(formats.BLOG_REGEX)
HOUR = "2026-11-26T14"
H0 = int(datetime(2026, 11, 26, 14, tzinfo=UTC).timestamp())
FLAT = GeneratorConfig(records_per_hour=20_000, seed=11, daily_curve=False)
DOC_NETS = ("198.51.100.", "203.0.113.", "192.0.2.")


@pytest.fixture(scope="module")
def batch():
    return generate_hour(HOUR, FLAT)


@pytest.fixture(scope="module")
def parsed(batch):
    records = []
    for line in batch.lines:
        try:
            records.append(formats.parse_record(line))
        except formats.RecordError:
            pass
    return records


def test_same_seed_same_lines_other_seed_other_lines():
    first = generate_hour(HOUR, GeneratorConfig(records_per_hour=2000, seed=3))
    again = generate_hour(HOUR, GeneratorConfig(records_per_hour=2000, seed=3))
    other = generate_hour(HOUR, GeneratorConfig(records_per_hour=2000, seed=4))
    assert first.lines == again.lines and first.summary.as_dict() == again.summary.as_dict()
    assert set(first.lines).isdisjoint(other.lines)


def test_an_hour_is_the_same_whatever_range_it_is_generated_in():
    config = GeneratorConfig(records_per_hour=1000, seed=5)
    in_range = {b.hour: b.lines for b in generate("2026-11-26T00", "2026-11-26T04", config)}
    assert generate_hour("2026-11-26T02", config).lines == in_range[datetime(2026, 11, 26, 2, tzinfo=UTC)]


def test_every_line_but_the_malformed_matches_the_blogs_regex_and_parses(batch, parsed):
    unreadable = [line for line in batch.lines if not BLOG_REGEX.match(line)]
    assert len(unreadable) == batch.summary.malformed == round(20_000 * FLAT.malformed) > 0
    for line in unreadable:
        with pytest.raises(formats.RecordError):
            formats.parse_record(line)
    assert len(parsed) == batch.summary.records == len(batch.lines) - batch.summary.malformed
    assert all("\n" not in line and line == line.strip() for line in batch.lines)


def test_shares_are_as_configured_and_the_summary_is_exact(batch, parsed):
    s = batch.summary
    n = 20_000
    assert s.lines == len(batch.lines) == n
    status = Counter(r["log-status"] for r in parsed)
    assert status["NODATA"] == s.nodata == round(n * FLAT.nodata)
    assert status["SKIPDATA"] == s.skipdata == round(n * FLAT.skipdata)
    assert s.port_scan == round(n * FLAT.port_scan) and s.brute_force == round(n * FLAT.brute_force)
    actions = Counter(r["action"] for r in parsed)
    assert actions["REJECT"] == s.rejected and actions["ACCEPT"] == s.accepted
    ok = [r for r in parsed if r["log-status"] == "OK"]
    assert len(ok) == s.accepted + s.rejected
    assert sum(r["bytes"] for r in ok) == s.bytes and sum(r["packets"] for r in ok) == s.packets
    assert Counter(r["srcaddr"] for r in ok if r["action"] == "REJECT") == s.rejects_by_source
    # Ordinary traffic rejects its configured share; the attacks add theirs.
    ordinary = n - s.malformed - s.nodata - s.skipdata - s.port_scan - s.brute_force
    noise = round(ordinary * FLAT.rejected)
    # The scanner is answered on 80 and 443 only (if it hit them); the brute force is rejected throughout.
    scanner, scan_rejects = s.rejects_by_source.most_common(1)[0]
    assert s.port_scan - 2 <= scan_rejects <= s.port_scan
    assert s.rejected == noise + s.brute_force + scan_rejects


def test_nodata_and_skipdata_look_like_aws_writes_them(batch):
    nodata = [line for line in batch.lines if line.endswith(" NODATA")]
    assert nodata
    for line in nodata:
        fields = line.split(" ")
        assert fields[0] == "2" and fields[2].startswith("eni-")
        assert fields[3:10] == ["-"] * 7 and fields[12] == "-"
        assert int(fields[10]) <= int(fields[11])


def test_no_duplicate_records(batch):
    valid = [line for line in batch.lines if BLOG_REGEX.match(line)]
    assert len(set(valid)) == len(valid)


def test_realistic_traffic(parsed):
    ok = [r for r in parsed if r["log-status"] == "OK"]
    services = Counter((r["protocol"], min(r["srcport"], r["dstport"])) for r in ok)
    for service in [(6, 443), (6, 80), (17, 53), (6, 22), (6, 3389), (17, 123), (1, 0)]:
        assert services[service] > 0, service
    addresses = [r["srcaddr"] for r in ok] + [r["dstaddr"] for r in ok]
    assert any(a.startswith("10.") for a in addresses)
    assert any(a.startswith("2001:db8:") for a in addresses)
    assert any(a.startswith(DOC_NETS) for a in addresses)
    public = [a for a in addresses if ":" not in a and not a.startswith(("10.", *DOC_NETS))]
    assert len(set(public)) > 100
    assert len({r["account-id"] for r in ok}) == FLAT.accounts
    assert all(re.fullmatch(r"[0-9]{12}", r["account-id"]) for r in ok)
    assert len({r["interface-id"] for r in ok}) > 30


def test_attacks_lead_the_rejected_sources(batch, parsed):
    top = batch.summary.rejects_by_source.most_common(2)
    assert {source.rsplit(".", 1)[0] + "." for source, _ in top} <= set(DOC_NETS)
    brute = [r for r in parsed if r["srcaddr"] == top[1][0] or r["srcaddr"] == top[0][0]]
    assert any(r["dstport"] == 22 and r["action"] == "REJECT" for r in brute)
    scan_ports = {r["dstport"] for r in parsed if r["srcaddr"] == top[0][0]}
    assert len(scan_ports) == batch.summary.port_scan


def test_times_lie_in_the_hour_but_a_few(parsed):
    windows = [(r["start"], r["end"]) for r in parsed]
    assert all(start <= end for start, end in windows)
    assert all(H0 - 90 <= start < H0 + 3600 for start, _ in windows)
    before = sum(1 for start, _ in windows if start < H0)
    after = sum(1 for _, end in windows if end >= H0 + 3600)
    assert 0 < before < len(windows) * 0.03 and 0 < after < len(windows) * 0.03


def test_lines_are_in_time_order(batch):
    assert batch.timestamps_ms == sorted(batch.timestamps_ms)
    assert len(batch.timestamps_ms) == len(batch.lines)


def test_daily_curve_shapes_the_volume():
    config = GeneratorConfig(records_per_hour=1000, seed=1)
    counts = {b.hour.hour: b.summary.lines for b in generate("2026-11-26T00", "2026-11-27T00", config)}
    assert counts[14] > 2 * counts[2]
    assert 900 <= sum(counts.values()) / 24 <= 1100


def test_hour_ranges():
    hours = hours_between("2026-11-26T22", "2026-11-27T02Z")
    assert [h.strftime("%d-%H") for h in hours] == ["26-22", "26-23", "27-00", "27-01"]
    assert hours_between(datetime(2026, 11, 26, 5), "2026-11-26T06:00")[0].tzinfo is not None
    with pytest.raises(GeneratorError, match="must be after start"):
        hours_between("2026-11-26T06", "2026-11-26T06")
    with pytest.raises(GeneratorError, match="not on the hour"):
        hours_between("2026-11-26T06:30", "2026-11-26T08")
    with pytest.raises(GeneratorError, match="not a UTC hour"):
        hours_between("yesterday", "2026-11-26T08")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"records_per_hour": -1}, "records_per_hour"),
        ({"malformed": 1.5}, "malformed must be a share"),
        ({"nodata": 0.3, "skipdata": 0.3}, "keep it <= 0.5"),
        ({"accounts": 0}, "accounts"),
    ],
)
def test_bad_config(kwargs, message):
    with pytest.raises(GeneratorError, match=message):
        GeneratorConfig(**kwargs)


def test_empty_hour():
    batch = generate_hour(HOUR, GeneratorConfig(records_per_hour=0))
    assert batch.lines == [] and batch.summary.lines == 0


def test_generating_100k_records_is_one_call():
    # Speed is measured in benchmarks/; this only checks a large hour is whole and exact.
    batch = generate_hour(HOUR, GeneratorConfig(records_per_hour=100_000, daily_curve=False))
    assert batch.summary.lines == len(batch.lines) == 100_000


# --- sinks ----------------------------------------------------------------------------------------------

KEY = re.compile(
    r"raw/(\d{4})/(\d{2})/(\d{2})/(\d{2})/VPCFlowLogsDefaultToS3-1-(\d{4})-(\d{2})-(\d{2})-(\d{2})-\d{2}-\d{2}-"
    r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.gz"
)


def _all_keys(s3, bucket):
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return sorted(o["Key"] for page in pages for o in page.get("Contents", []))


def test_s3_sink_writes_firehose_layout(aws_client, unique):
    s3 = aws_client("s3")
    bucket = f"flowlogs-{unique}"
    s3.create_bucket(Bucket=bucket)
    config = GeneratorConfig(records_per_hour=800, seed=9)
    summaries = generate_to_s3("2026-11-26T00", "2026-11-26T03", config, s3=s3, url=f"s3://{bucket}/raw/")
    keys = _all_keys(s3, bucket)
    assert len(summaries) == 3 and keys == sorted(k for s in summaries for k in s.objects) and len(keys) == 12
    for summary in summaries:
        lines = []
        for key in sorted(summary.objects):
            match = KEY.fullmatch(key)
            assert match, key
            assert match.group(1, 2, 3, 4) == match.group(5, 6, 7, 8)  # prefix hour == name hour
            assert "-".join(match.group(1, 2, 3, 4)) == summary.partition
            body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
            assert body[:2] == b"\x1f\x8b"
            lines += gzip.decompress(body).decode().splitlines()
        expected = generate_hour(summary.hour, config)
        assert lines == expected.lines and len(lines) == summary.lines

    # Rewriting the same hours writes the same keys with the same bytes: nothing added.
    before = {k: s3.get_object(Bucket=bucket, Key=k)["ETag"] for k in keys}
    generate_to_s3("2026-11-26T00", "2026-11-26T03", config, s3=s3, url=f"s3://{bucket}/raw")
    assert {k: s3.get_object(Bucket=bucket, Key=k)["ETag"] for k in _all_keys(s3, bucket)} == before


def test_cli_generate_to_s3(aws_client, localaws, unique, capsys):
    s3 = aws_client("s3")
    bucket = f"flowlogs-cli-{unique}"
    s3.create_bucket(Bucket=bucket)
    argv = ["generate", "--from", "2026-11-26T00", "--to", "2026-11-26T02", "--records-per-hour", "300",
            "--seed", "7", "--malformed", "0.01", "--s3", f"s3://{bucket}/raw/",
            "--endpoint-url", localaws.endpoint, "--json"]  # fmt: skip
    assert cli.main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    assert [h["partition"] for h in report["hours"]] == ["2026-11-26-00", "2026-11-26-01"]
    assert report["totals"]["lines"] == sum(h["lines"] for h in report["hours"]) > 0
    assert report["totals"]["malformed"] == sum(round(h["lines"] * 0.01) for h in report["hours"])
    assert _all_keys(s3, bucket) == sorted(k for h in report["hours"] for k in h["objects"])


def test_cli_rejects_bad_input(capsys):
    assert cli.main(["generate", "--from", "2026-11-26T03", "--to", "2026-11-26T01", "--stdout"]) == 2
    assert "must be after start" in capsys.readouterr().err


def test_log_group_sink(aws_client, unique):
    logs = aws_client("logs")
    group = f"/vpcflow/test-{unique}"
    logs.create_log_group(logGroupName=group)
    # CloudWatch only takes events from the last 14 days: generate the previous hour.
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    config = GeneratorConfig(records_per_hour=1500, seed=2, malformed=0.01)
    [summary] = generate_to_log_group(
        hour, hour + timedelta(hours=1), config, logs=logs, log_group=group, log_stream="s1"
    )
    events, token = [], None
    while True:
        kwargs = {"nextToken": token} if token else {}
        page = logs.get_log_events(logGroupName=group, logStreamName="s1", startFromHead=True, **kwargs)
        events += page["events"]
        if not page["events"] or page["nextForwardToken"] == token:
            break
        token = page["nextForwardToken"]
    expected = generate_hour(hour, config)
    assert [e["message"] for e in events] == expected.lines
    assert [e["timestamp"] for e in events] == expected.timestamps_ms
    assert summary.lines == len(events) and summary.objects == [f"{group}:s1"]


def test_log_group_must_exist(aws_client, unique):
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    with pytest.raises(GeneratorError, match="does not exist"):
        generate_to_log_group(hour, hour + timedelta(hours=1), GeneratorConfig(records_per_hour=10),
                              logs=aws_client("logs"), log_group=f"/missing-{unique}", log_stream="s")  # fmt: skip


def test_log_event_batches_respect_the_api_limits():
    batch = generate_hour(HOUR, GeneratorConfig(records_per_hour=25_000, daily_curve=False))
    batches = log_event_batches(batch)
    assert sum(len(b) for b in batches) == 25_000
    assert all(len(b) <= MAX_BATCH_EVENTS for b in batches)
    assert all(sum(len(e["message"].encode()) + 26 for e in b) <= MAX_BATCH_BYTES for b in batches)
    stamps = [e["timestamp"] for b in batches for e in b]
    assert stamps == sorted(stamps)
    # Long messages hit the byte limit before the event limit.
    batch.lines = [line + " " + "x" * 400 for line in batch.lines]
    big = log_event_batches(batch)
    assert all(sum(len(e["message"].encode()) + 26 for e in b) <= MAX_BATCH_BYTES for b in big)
    assert max(len(b) for b in big) < MAX_BATCH_EVENTS
