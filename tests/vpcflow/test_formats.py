"""Flow log formats: fields, LogFormat parsing, record parsing and the names that may reach SQL."""

from __future__ import annotations

import pytest
from vpcflow.model import formats
from vpcflow.model.formats import FlowLogFormatError, RecordError
from vpcflow.model.partitions import PartitionError

# Examples shaped like the AWS guide's "Flow log record examples".
ACCEPTED = "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK"
NODATA = "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA"
IPV6 = "2 123456789010 eni-1235b8ca123456789 2001:db8:1234:a100:8d6e:3477:df66:f105 2001:db8:1234:a102:3304:8879:34cf:4071 34892 22 6 54 8855 1477913708 1477913820 ACCEPT OK"


def test_fields_versions_two_to_eight():
    by_version: dict[int, list[str]] = {}
    for field in formats.ALL_FIELDS:
        by_version.setdefault(field.version, []).append(field.name)
    assert by_version[2] == formats.DEFAULT_FORMAT.names
    assert by_version[3] == [
        "vpc-id",
        "subnet-id",
        "instance-id",
        "tcp-flags",
        "type",
        "pkt-srcaddr",
        "pkt-dstaddr",
    ]
    assert by_version[4] == ["region", "az-id", "sublocation-type", "sublocation-id"]
    assert by_version[5] == ["pkt-src-aws-service", "pkt-dst-aws-service", "flow-direction", "traffic-path"]
    assert len(by_version[7]) == 10 and all(n.startswith("ecs-") for n in by_version[7])
    assert by_version[8] == ["reject-reason"]
    assert 6 not in by_version
    types = {f.name: f.athena_type for f in formats.ALL_FIELDS}
    assert types["bytes"] == types["packets"] == types["start"] == types["end"] == "BIGINT"
    assert types["srcport"] == types["protocol"] == types["tcp-flags"] == types["traffic-path"] == "INT"


def test_default_format():
    fmt = formats.DEFAULT_FORMAT
    assert fmt.log_format == (
        "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} "
        "${packets} ${bytes} ${start} ${end} ${action} ${log-status}"
    )
    assert fmt.version == 2 and fmt.is_default
    assert formats.parse_log_format(fmt.log_format) == fmt
    assert formats.parse_log_format("") is fmt and formats.parse_log_format(None) is fmt
    assert formats.columns_of(fmt)[3:5] == ["sourceaddress", "destinationaddress"]


def test_custom_format_any_order_and_version():
    fmt = formats.parse_log_format("${srcaddr}  ${ecs-task-id}\t${vpc-id} ${reject-reason} ${az-id}")
    assert fmt.names == ["srcaddr", "ecs-task-id", "vpc-id", "reject-reason", "az-id"]
    assert fmt.version == 8 and not fmt.is_default
    assert [f.column for f in fmt.fields] == [
        "SourceAddress",
        "ecs_task_id",
        "vpc_id",
        "reject_reason",
        "az_id",
    ]
    assert formats.parse_log_format(fmt.log_format) == fmt


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("${version} ${acount-id}", r"unknown field 'acount-id' \(did you mean 'account-id'\?\)"),
        ("${version} ${resource-idx}", "unknown field 'resource-idx'"),
        ("${version} ${srcaddr} ${version}", "field 'version' appears more than once"),
        ("${version} srcaddr", "'srcaddr' is not a field reference"),
        ("${version}${srcaddr}", r"'\$\{version\}\$\{srcaddr\}' is not a field reference"),
        ("${version} ${srcaddr", "is not a field reference"),
        ("${}", "unknown field ''"),
    ],
)
def test_bad_log_formats_name_the_problem(text, message):
    with pytest.raises(FlowLogFormatError, match=message):
        formats.parse_log_format(text)


def test_parse_default_records():
    record = formats.parse_record(ACCEPTED)
    assert record["srcaddr"] == "172.31.16.139" and record["dstport"] == 22 and record["bytes"] == 4249
    assert record["action"] == "ACCEPT" and record["log-status"] == "OK"
    nodata = formats.parse_record(NODATA + "\n")
    assert nodata["srcaddr"] is None and nodata["bytes"] is None and nodata["start"] == 1431280876
    assert nodata["log-status"] == "NODATA"
    assert formats.parse_record(IPV6)["srcaddr"].startswith("2001:db8:")
    assert all(formats.DEFAULT_FORMAT.matches(line) for line in (ACCEPTED, NODATA, IPV6))


def test_parse_custom_record():
    fmt = formats.parse_log_format("${version} ${vpc-id} ${tcp-flags} ${traffic-path} ${bytes}")
    assert formats.parse_record("5 vpc-0abc 19 - 99999999999", fmt) == {
        "version": 5, "vpc-id": "vpc-0abc", "tcp-flags": 19, "traffic-path": None, "bytes": 99999999999,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (ACCEPTED.rsplit(" ", 3)[0], "has 11 fields, the format has 14"),
        (ACCEPTED + " extra", "has 15 fields"),
        ("garbage", "has 1 fields"),
        (ACCEPTED.replace("1418530010", "14185x0010"), "does not match"),  # the blog's regex wants digits
        (ACCEPTED.replace(" 20641 ", " port "), "field srcport is not an integer"),
    ],
)
def test_bad_records_raise(line, message):
    with pytest.raises(RecordError, match=message):
        formats.parse_record(line)


def test_blog_regex_agrees_with_parse_record_on_account_digits():
    # The blog's pattern wants digits for account-id; AWS may write "unknown" there.
    line = ACCEPTED.replace("123456789010", "unknown")
    assert not formats.DEFAULT_FORMAT.matches(line)
    custom = formats.parse_log_format(formats.DEFAULT_LOG_FORMAT + " ${vpc-id}")
    assert custom.matches(line + " vpc-1")


def test_ddl_rejects_bad_names_before_rendering():
    with pytest.raises(PartitionError, match="table name"):
        formats.text_table_ddl(location="s3://bucket/raw/", table="vpc_flow_logs; DROP TABLE x")
    with pytest.raises(PartitionError, match="table location"):
        formats.parquet_table_ddl(location="s3://bucket/it's/")
    with pytest.raises(PartitionError, match="database"):
        formats.create_database_sql("Bad-Name")
