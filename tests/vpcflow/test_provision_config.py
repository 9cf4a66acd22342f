"""StackConfig: defaults from VPCFLOW_*, DAG params, and fail-fast validation naming the parameter."""

from __future__ import annotations

import pytest
from vpcflow.model.config import ConfigError, StackConfig


def test_defaults_are_valid_and_derive_names():
    config = StackConfig()
    assert config.raw_prefix == "raw/"
    assert config.partition_type == "Hour"
    assert config.firehose_error_output_prefix == "errors/!{firehose:error-output-type}/"
    assert config.athena_output_location == f"s3://{config.bucket}/athena-results/"


def test_environment_variables_supply_defaults(monkeypatch):
    monkeypatch.setenv("VPCFLOW_BUCKET", "my-flow-bucket")
    monkeypatch.setenv("VPCFLOW_BUFFER_SIZE_MB", "64")
    monkeypatch.setenv("VPCFLOW_S3_NOTIFICATION", "true")
    config = StackConfig()
    assert (config.bucket, config.buffer_size_mb, config.s3_notification) == ("my-flow-bucket", 64, True)


def test_bad_environment_variable_is_named(monkeypatch):
    monkeypatch.setenv("VPCFLOW_RAW_EXPIRE_DAYS", "soon")
    with pytest.raises(ConfigError, match="VPCFLOW_RAW_EXPIRE_DAYS"):
        StackConfig()


def test_from_params_coerces_strings_and_round_trips():
    config = StackConfig.from_params({"buffer_interval_s": "60", "quicksight": "false", "vpc_id": None})
    assert config.buffer_interval_s == 60 and config.quicksight is False and config.vpc_id == ""
    assert StackConfig.from_params(config.to_params()) == config


def test_from_params_rejects_unknown_keys():
    with pytest.raises(ConfigError, match=r"unknown stack parameter\(s\) \['buckett'\]"):
        StackConfig.from_params({"buckett": "x"})


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"bucket": "Upper_Case"}, "bucket"),
        ({"bucket": "ab"}, "bucket"),
        ({"bucket": "192.168.1.1"}, "bucket"),
        ({"bucket": "my..bucket"}, "bucket"),
        ({"raw_prefix": "raw"}, "raw_prefix"),
        ({"athena_results_prefix": "/results/"}, "athena_results_prefix"),
        ({"raw_prefix": "data/", "parquet_prefix": "data/parquet/"}, "overlap"),
        ({"partition_type": "Week"}, "partition_type"),
        ({"raw_expire_days": 0}, "raw_expire_days"),
        ({"athena_results_expire_days": -1}, "athena_results_expire_days"),
        ({"log_retention_days": 10}, "log_retention_days"),
        ({"buffer_size_mb": 129}, "buffer_size_mb"),
        ({"buffer_interval_s": 901}, "buffer_interval_s"),
        ({"vpc_id": "vpc-xyz"}, "vpc_id"),
        ({"quicksight_principal": "arn:aws:iam::123456789012:user/bob"}, "quicksight_principal"),
        ({"flow_log_format": "${version} ${nonsense}"}, "flow_log_format"),
        ({"database": "Flows"}, "database"),
        ({"bytes_scanned_cutoff": 1000}, "bytes_scanned_cutoff"),
        ({"kms_key_arn": "alias/mine"}, "kms_key_arn"),
        ({"buffer_size_mb": "lots"}, "buffer_size_mb"),
        ({"s3_notification": "maybe"}, "s3_notification"),
    ],
)
def test_invalid_parameters_fail_with_their_name(params, named):
    with pytest.raises(ConfigError, match=named):
        StackConfig.from_params(params)


def test_valid_optional_parameters():
    config = StackConfig.from_params(
        {
            "vpc_id": "vpc-0123456789abcdef0",
            "quicksight_principal": "arn:aws:quicksight:us-east-1:123456789012:user/default/alice",
            "kms_key_arn": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "flow_log_format": "${version} ${vpc-id} ${srcaddr} ${dstaddr} ${action} ${log-status}",
            "partition_type": "Month",
        }
    )
    assert config.vpc_id.startswith("vpc-")


def test_config_is_frozen():
    with pytest.raises(AttributeError):
        StackConfig().bucket = "other"  # type: ignore[misc]


def test_teardown_needs_the_stack_name_as_confirmation(monkeypatch):
    from vpcflow.provision.tasks import check_teardown

    with pytest.raises(ConfigError, match="confirm='yes' does not match stack_name='vpcflow'"):
        check_teardown({"confirm": "yes"})
    monkeypatch.setenv("VPCFLOW_STACK_NAME", "mine")
    checked = check_teardown({"confirm": "mine", "delete_data": True})
    assert checked["delete_data"] is True and checked["stack_name"] == "mine"
    assert check_teardown({"confirm": "mine"})["delete_data"] is False


@pytest.mark.parametrize("key", ["stack_name", "bucket", "raw_prefix", "database"])
def test_provision_and_teardown_refuse_a_conf_naming_the_stack(key):
    from vpcflow.provision.tasks import check_run, check_teardown

    with pytest.raises(ConfigError, match=f"belong to the stack's identity.*VPCFLOW_{key.upper()}"):
        check_run({key: "other"}, "vpcflow_provision")
    with pytest.raises(ConfigError, match=f"belong to the stack's identity.*VPCFLOW_{key.upper()}"):
        check_teardown({"confirm": "vpcflow", key: "other"})
    with pytest.raises(ConfigError, match=r"unknown vpcflow_provision parameter\(s\) \['dry_run'\]"):
        check_run({"dry_run": True}, "vpcflow_provision")


def test_to_env_names_the_same_stack():
    config = StackConfig.isolated("env", s3_notification=True, buffer_interval_s=60)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in config.to_env().items():
            patch.setenv(name, value)
        assert StackConfig() == config


def test_isolated_stacks_share_no_name():
    from vpcflow.model.config import StackConfig

    a, b = StackConfig.isolated("trial"), StackConfig.isolated("trial")
    names = ("stack_name", "bucket", "database", "workgroup", "quicksight_data_source_id",
             "quicksight_dataset_id", "quicksight_dashboard_id")  # fmt: skip
    assert all(getattr(a, n) != getattr(b, n) for n in names)
    assert StackConfig.isolated("trial", "abc123", database="mine").database == "mine"
    assert StackConfig.isolated("trial", "abc123").bucket == "vpcflow-trial-abc123"
