"""StackConfig: every parameter of the provisioned stack, with defaults from VPCFLOW_* environment variables.

Validation runs in ``__post_init__`` so that an invalid value fails before anything is created, with a
message that names the parameter. ``from_params`` builds a config from DAG params (strings, numbers or
booleans; unknown keys are rejected so that a typo does not silently fall back to a default).
"""

from __future__ import annotations

import dataclasses
import os
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

PARTITION_TYPES = ("Hour", "Day", "Month")

# CloudWatch Logs accepts only these retention periods (PutRetentionPolicy).
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)

# Firehose BufferingHints ranges (ExtendedS3DestinationConfiguration).
BUFFER_SIZE_MB_RANGE = (1, 128)
BUFFER_INTERVAL_S_RANGE = (0, 900)
# Athena WorkGroupConfiguration.BytesScannedCutoffPerQuery minimum is 10 MB.
MIN_BYTES_SCANNED_CUTOFF = 10_000_000
LAMBDA_MEMORY_RANGE = (128, 10240)
LAMBDA_TIMEOUT_RANGE = (1, 900)

_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_IP_RE = re.compile(r"^\d+\.\d+\.\d+\.\d+$")
_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")  # IAM role, Lambda, Firehose, Athena workgroup names
_GLUE_NAME_RE = re.compile(r"^[a-z0-9_]{1,255}$")  # Athena wants lowercase Glue names
_LOG_GROUP_RE = re.compile(r"^[A-Za-z0-9_\-/.#]{1,512}$")
_VPC_RE = re.compile(r"^vpc-(?:[0-9a-f]{8}|[0-9a-f]{17})$")
_QS_PRINCIPAL_RE = re.compile(
    r"^arn:aws[a-z-]*:quicksight:[a-z0-9-]+:\d{12}:(user|group)/[A-Za-z0-9_.@+=,-]+/\S+$"
)
_KMS_RE = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)/\S+$")
_RUNTIME_RE = re.compile(r"^python3\.\d+$")
_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_PREFIX_RE = re.compile(r"^[A-Za-z0-9!_.*()=/-]+$")  # S3's safe key characters: no quote, space, ';', '{'.


_FIELD_TYPES = {"str": str, "int": int, "bool": bool}

# Prefixes of the bucket that vpcflow writes itself beside the configurable ones: the quality history, each
# hour's object manifest, the lines no format could read, and the compaction locks.
QUALITY_PREFIX = "quality/"
MANIFEST_PREFIX = "manifests/"
MALFORMED_PREFIX = "malformed/"
LOCK_PREFIX = "locks/"
# The enrichment's dimension tables (interfaces, CIDRs, address ranges, names), one folder each.
ENRICHMENT_PREFIX = "enrichment/"
FIXED_PREFIXES = (QUALITY_PREFIX, MANIFEST_PREFIX, MALFORMED_PREFIX, LOCK_PREFIX, ENRICHMENT_PREFIX)
AWS_IP_RANGES_URL = "https://ip-ranges.amazonaws.com/ip-ranges.json"


class ConfigError(ValueError):
    """An invalid stack parameter; the message names the parameter and the problem."""


def _env(name: str, default: Any) -> Any:
    """Default for a field from ``VPCFLOW_<NAME>``, converted to the default's type."""

    def make() -> Any:
        raw = os.environ.get(f"VPCFLOW_{name}")
        if raw is None:
            return default
        try:
            return _coerce(name.lower(), raw, type(default))
        except ConfigError as exc:
            raise ConfigError(f"environment variable VPCFLOW_{name}: {exc}") from None

    return field(default_factory=make)


def _coerce(name: str, value: Any, kind: type) -> Any:
    if kind is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off", ""):
            return False
        raise ConfigError(f"{name} must be a boolean (true/false), got {value!r}")
    if kind is int:
        if isinstance(value, bool):
            raise ConfigError(f"{name} must be an integer, got {value!r}")
        try:
            return int(str(value).strip())
        except ValueError:
            raise ConfigError(f"{name} must be an integer, got {value!r}") from None
    return "" if value is None else str(value)


@dataclass(frozen=True)
class StackConfig:
    """All parameters of one vpcflow stack. Names of derived resources are properties, not parameters."""

    stack_name: str = _env("STACK_NAME", "vpcflow")
    bucket: str = _env("BUCKET", "vpcflow-flow-logs")
    raw_prefix: str = _env("RAW_PREFIX", "raw/")
    error_prefix: str = _env("ERROR_PREFIX", "errors/")
    parquet_prefix: str = _env("PARQUET_PREFIX", "parquet/")
    athena_results_prefix: str = _env("ATHENA_RESULTS_PREFIX", "athena-results/")
    kms_key_arn: str = _env("KMS_KEY_ARN", "")  # empty: SSE-S3
    raw_expire_days: int = _env("RAW_EXPIRE_DAYS", 90)
    athena_results_expire_days: int = _env("ATHENA_RESULTS_EXPIRE_DAYS", 7)

    log_group: str = _env("LOG_GROUP", "/vpcflow/flow-logs")
    log_retention_days: int = _env("LOG_RETENTION_DAYS", 14)
    filter_pattern: str = _env("FILTER_PATTERN", "")  # "" forwards every flow log record
    flow_log_format: str = _env("FLOW_LOG_FORMAT", "")  # "" is the default (v2) format
    vpc_id: str = _env("VPC_ID", "")  # empty: do not create a VPC flow log

    delivery_stream: str = _env("DELIVERY_STREAM", "vpcflow-delivery")
    buffer_size_mb: int = _env("BUFFER_SIZE_MB", 5)
    buffer_interval_s: int = _env("BUFFER_INTERVAL_S", 300)

    lambda_runtime: str = _env("LAMBDA_RUNTIME", "python3.12")
    lambda_timeout_s: int = _env("LAMBDA_TIMEOUT_S", 60)
    lambda_memory_mb: int = _env("LAMBDA_MEMORY_MB", 256)
    s3_notification: bool = _env("S3_NOTIFICATION", False)  # real-time partitions via athena_partitioner

    partition_type: str = _env("PARTITION_TYPE", "Hour")
    workgroup: str = _env("WORKGROUP", "vpcflow")
    bytes_scanned_cutoff: int = _env("BYTES_SCANNED_CUTOFF", 10 * 1024**3)
    database: str = _env("DATABASE", "vpcflow")
    raw_table: str = _env("RAW_TABLE", "vpc_flow_logs")
    parquet_table: str = _env("PARQUET_TABLE", "vpc_flow_logs_parquet")

    quicksight: bool = _env("QUICKSIGHT", True)
    quicksight_principal: str = _env("QUICKSIGHT_PRINCIPAL", "")  # empty: no permissions granted
    quicksight_data_source_id: str = _env("QUICKSIGHT_DATA_SOURCE_ID", "vpcflow-athena")
    quicksight_dataset_id: str = _env("QUICKSIGHT_DATASET_ID", "vpcflow-flows")
    quicksight_dashboard_id: str = _env("QUICKSIGHT_DASHBOARD_ID", "vpcflow-dashboard")
    # SPICE holds a rolling window of the Parquet table (Athena keeps the whole history), refreshed at
    # most this many times a day (QuickSight's quota: 32 on Enterprise, 8 on Standard), by queries in a
    # workgroup of their own whose cutoff is sized for a window, not for an hour.
    spice_window_days: int = _env("SPICE_WINDOW_DAYS", 30)
    spice_daily_budget: int = _env("SPICE_DAILY_BUDGET", 24)
    spice_bytes_scanned_cutoff: int = _env("SPICE_BYTES_SCANNED_CUTOFF", 200 * 1024**3)

    # Enrichment. Where the interface inventory comes from: comma-separated ``region`` or
    # ``role_arn@region`` entries (a role in another account, assumed for the snapshot); empty: the
    # connection's own account and region, without a role.
    inventory_sources: str = _env("INVENTORY_SOURCES", "")
    # AWS's address ranges: fetched from here by vpcflow_enrichment (https://, or s3://bucket/key).
    ip_ranges_url: str = _env("IP_RANGES_URL", AWS_IP_RANGES_URL)
    # Country and AS organisation of public addresses, when the optional offline database is installed.
    geo: bool = _env("GEO", True)
    # Join the enrichment during compaction (false: the enriched columns stay NULL, e.g. to compare costs).
    enrichment: bool = _env("ENRICHMENT", True)

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            expected = _FIELD_TYPES[f.type]
            if expected is int and (isinstance(value, bool) or not isinstance(value, int)):
                raise ConfigError(f"{f.name} must be an integer, got {value!r}")
            if expected is bool and not isinstance(value, bool):
                raise ConfigError(f"{f.name} must be a boolean, got {value!r}")
            if expected is str and not isinstance(value, str):
                raise ConfigError(f"{f.name} must be a string, got {value!r}")
        self._validate()

    # -- validation -------------------------------------------------------------------------------------

    def _validate(self) -> None:
        _check(
            _NAME_RE.match(self.stack_name) and len(self.stack_name) <= 32,
            "stack_name",
            self.stack_name,
            "1-32 letters, digits, '_', '.', '-' (role names are built from it)",
        )
        _check_bucket(self.bucket)
        for name in ("raw_prefix", "error_prefix", "parquet_prefix", "athena_results_prefix"):
            _check_prefix(name, getattr(self, name))
        prefixes = [self.raw_prefix, self.error_prefix, self.parquet_prefix, self.athena_results_prefix]
        prefixes += list(FIXED_PREFIXES)
        for i, a in enumerate(prefixes):
            for b in prefixes[i + 1 :]:
                if a.startswith(b) or b.startswith(a):
                    raise ConfigError(
                        f"prefixes must not overlap: {a!r} and {b!r} "
                        "(lifecycle rules and IAM grants are per prefix)"
                    )
        if self.kms_key_arn:
            _check(
                _KMS_RE.match(self.kms_key_arn),
                "kms_key_arn",
                self.kms_key_arn,
                "a KMS key or alias ARN, or empty for SSE-S3",
            )
        _check_positive("raw_expire_days", self.raw_expire_days)
        _check_positive("athena_results_expire_days", self.athena_results_expire_days)

        _check(
            _LOG_GROUP_RE.match(self.log_group),
            "log_group",
            self.log_group,
            "1-512 characters of letters, digits, '_', '-', '/', '.', '#'",
        )
        _check_positive("log_retention_days", self.log_retention_days)
        _check(
            self.log_retention_days in LOG_RETENTION_DAYS,
            "log_retention_days",
            self.log_retention_days,
            f"one of CloudWatch Logs' retention periods {LOG_RETENTION_DAYS}",
        )
        _check(
            len(self.filter_pattern) <= 1024, "filter_pattern", self.filter_pattern, "at most 1024 characters"
        )
        if self.flow_log_format:
            from vpcflow.model.formats import FlowLogFormatError, check_served, parse_log_format

            try:
                check_served(parse_log_format(self.flow_log_format))
            except FlowLogFormatError as exc:
                raise ConfigError(f"flow_log_format is invalid: {exc}") from None
        if self.vpc_id:
            _check(_VPC_RE.match(self.vpc_id), "vpc_id", self.vpc_id, "'vpc-' and 8 or 17 hex digits")

        _check(
            _NAME_RE.match(self.delivery_stream),
            "delivery_stream",
            self.delivery_stream,
            "1-64 letters, digits, '_', '.', '-'",
        )
        _check_range("buffer_size_mb", self.buffer_size_mb, BUFFER_SIZE_MB_RANGE)
        _check_range("buffer_interval_s", self.buffer_interval_s, BUFFER_INTERVAL_S_RANGE)

        _check(
            _RUNTIME_RE.match(self.lambda_runtime),
            "lambda_runtime",
            self.lambda_runtime,
            "a Python Lambda runtime such as python3.12",
        )
        _check_range("lambda_timeout_s", self.lambda_timeout_s, LAMBDA_TIMEOUT_RANGE)
        _check_range("lambda_memory_mb", self.lambda_memory_mb, LAMBDA_MEMORY_RANGE)

        _check(
            self.partition_type in PARTITION_TYPES,
            "partition_type",
            self.partition_type,
            f"one of {'|'.join(PARTITION_TYPES)}",
        )
        _check(
            _NAME_RE.match(self.workgroup) and len(self.workgroup) <= 128,
            "workgroup",
            self.workgroup,
            "letters, digits, '_', '.', '-'",
        )
        _check(
            self.bytes_scanned_cutoff >= MIN_BYTES_SCANNED_CUTOFF,
            "bytes_scanned_cutoff",
            self.bytes_scanned_cutoff,
            f">= {MIN_BYTES_SCANNED_CUTOFF} (Athena's minimum, 10 MB)",
        )
        for name in ("database", "raw_table", "parquet_table"):
            _check(
                _GLUE_NAME_RE.match(getattr(self, name)),
                name,
                getattr(self, name),
                "lowercase letters, digits and '_' (Athena's rule for Glue names)",
            )
        _check(
            len(self.typed_table) <= 255,
            "raw_table",
            self.raw_table,
            f"at most {255 - len(self.typed_table) + len(self.raw_table)} characters (its typed companion "
            f"{self.typed_table!r} must fit Glue's 255)",
        )
        _check(
            self.parquet_table not in (self.raw_table, self.typed_table),
            "parquet_table",
            self.parquet_table,
            f"different from raw_table and from its typed companion {self.typed_table!r}",
        )

        _check_range("spice_window_days", self.spice_window_days, (1, 3650))
        _check_range("spice_daily_budget", self.spice_daily_budget, (1, 288))
        _check(
            self.spice_bytes_scanned_cutoff >= MIN_BYTES_SCANNED_CUTOFF,
            "spice_bytes_scanned_cutoff",
            self.spice_bytes_scanned_cutoff,
            f">= {MIN_BYTES_SCANNED_CUTOFF} (Athena's minimum, 10 MB)",
        )
        if self.quicksight_principal:
            _check(
                _QS_PRINCIPAL_RE.match(self.quicksight_principal),
                "quicksight_principal",
                self.quicksight_principal,
                "a QuickSight user or group ARN: arn:aws:quicksight:REGION:ACCOUNT:user/NAMESPACE/NAME",
            )
        for name in ("quicksight_data_source_id", "quicksight_dataset_id", "quicksight_dashboard_id"):
            _check(
                _ID_RE.match(getattr(self, name)),
                name,
                getattr(self, name),
                "1-128 letters, digits, '_' or '-'",
            )

        from vpcflow.enrichment.sources import SourceError, parse_sources

        try:
            parse_sources(self.inventory_sources)
        except SourceError as exc:
            raise ConfigError(f"inventory_sources is invalid: {exc}") from None
        _check(
            re.match(r"^(https://|s3://)[^\s'\"]+$", self.ip_ranges_url),
            "ip_ranges_url",
            self.ip_ranges_url,
            f"an https:// or s3:// URL of AWS's ip-ranges.json (default {AWS_IP_RANGES_URL})",
        )

    # -- construction -----------------------------------------------------------------------------------

    @classmethod
    def isolated(cls, label: str, suffix: str | None = None, **overrides: Any) -> StackConfig:
        """A stack whose every name (bucket, database, workgroup, QuickSight ids) carries one fresh suffix,
        so that several live side by side in one account: tests, benchmarks, trials."""
        suffix = suffix or uuid.uuid4().hex[:6]
        names = {
            "stack_name": f"{label[0]}{suffix}",
            "bucket": f"vpcflow-{label}-{suffix}",
            "database": f"{label}_{suffix}",
            "workgroup": f"{label}-{suffix}",
            "quicksight_data_source_id": f"src-{suffix}",
            "quicksight_dataset_id": f"flows-{suffix}",
            "quicksight_dashboard_id": f"dash-{suffix}",
        }
        return cls(**{**names, **overrides})

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> StackConfig:
        """A config from DAG params; missing keys take the environment defaults, unknown keys fail."""
        known = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(params) - set(known))
        if unknown:
            raise ConfigError(f"unknown stack parameter(s) {unknown}; known: {sorted(known)}")
        defaults = cls()
        values = {}
        for name, value in params.items():
            if value is None:
                continue
            values[name] = _coerce(name, value, _FIELD_TYPES[known[name].type])
        return dataclasses.replace(defaults, **values)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> StackConfig:
        """The stack named by ``environ`` (e.g. prepared for a subprocess) over this process's environment."""
        names = {f"VPCFLOW_{f.name.upper()}": f.name for f in dataclasses.fields(cls)}
        return cls.from_params({names[k]: v for k, v in environ.items() if k in names})

    def to_params(self) -> dict[str, Any]:
        """Plain values by field name."""
        return dataclasses.asdict(self)

    def to_env(self) -> dict[str, str]:
        """The ``VPCFLOW_*`` environment that gives this stack: how a deployment (or a test) names it."""
        return {
            f"VPCFLOW_{name.upper()}": str(value).lower() if isinstance(value, bool) else str(value)
            for name, value in dataclasses.asdict(self).items()
        }

    # -- derived names ----------------------------------------------------------------------------------

    @property
    def firehose_role(self) -> str:
        return f"{self.stack_name}-firehose-delivery"

    @property
    def forwarder_role(self) -> str:
        return f"{self.stack_name}-cloudwatch-to-firehose"

    @property
    def partitioner_role(self) -> str:
        return f"{self.stack_name}-athena-partitioner"

    @property
    def flow_log_role(self) -> str:
        return f"{self.stack_name}-flow-log-delivery"

    @property
    def forwarder_function(self) -> str:
        return f"{self.stack_name}-cloudwatch-to-firehose"

    @property
    def partitioner_function(self) -> str:
        return f"{self.stack_name}-athena-partitioner"

    @property
    def subscription_filter(self) -> str:
        return f"{self.stack_name}-to-firehose"

    @property
    def forwarder_failure_queue(self) -> str:
        """The SQS queue where Lambda puts the forwarder's asynchronous invocations that failed every
        attempt (its on-failure destination); `vpcflow replay` sends them on."""
        return f"{self.stack_name}-forwarder-failures"

    @property
    def alerts_topic(self) -> str:
        """The SNS topic every alarm of the stack notifies."""
        return f"{self.stack_name}-alerts"

    @property
    def alarm_prefix(self) -> str:
        return f"{self.stack_name}-"

    @property
    def firehose_error_log_group(self) -> str:
        return f"/aws/kinesisfirehose/{self.delivery_stream}"

    @property
    def firehose_error_output_prefix(self) -> str:
        # Firehose requires !{firehose:error-output-type} in an error prefix that uses expressions.
        return f"{self.error_prefix}!{{firehose:error-output-type}}/"

    @property
    def spice_workgroup(self) -> str:
        """The Athena workgroup QuickSight's refresh queries run in (its own cutoff, its own metrics)."""
        return f"{self.workgroup}-spice"

    @property
    def athena_output_location(self) -> str:
        return f"s3://{self.bucket}/{self.athena_results_prefix}"

    @property
    def typed_table(self) -> str:
        """The raw table's typed companion: the same objects, regex and partitions, with BIGINT packets,
        bytes, starttime and endtime. The blog's INT columns read a flow of 2^31 bytes or more as NULL, so
        the hourly quality check and compaction read this table instead."""
        return f"{self.raw_table}_typed"

    @property
    def raw_location(self) -> str:
        return f"s3://{self.bucket}/{self.raw_prefix}"

    @property
    def parquet_location(self) -> str:
        return f"s3://{self.bucket}/{self.parquet_prefix}"

    # -- what the hourly run keeps beside the flows (fixed prefixes, tables named after the raw table) ---

    @property
    def quality_table(self) -> str:
        """One row per check per hour: the quality history."""
        return f"{self.raw_table}_quality"

    @property
    def objects_table(self) -> str:
        """Each hour's objects as its run read them (key, ETag, size): what reconciliation compares."""
        return f"{self.raw_table}_objects"

    @property
    def malformed_table(self) -> str:
        """The lines of an hour its format could not read, with their object and line number."""
        return f"{self.raw_table}_malformed"

    def location(self, prefix: str) -> str:
        return f"s3://{self.bucket}/{prefix}"


IDENTITY_KEYS = frozenset(f.name for f in dataclasses.fields(StackConfig))


def refuse_identity(params: Mapping[str, Any], dag_id: str) -> None:
    """A run's conf may not name the stack's identity: which bucket, prefix, table or key it uses."""
    named = sorted(IDENTITY_KEYS & set(params))
    if named:
        variables = ", ".join(f"VPCFLOW_{k.upper()}" for k in named)
        raise ConfigError(
            f"{dag_id}: {named} belong to the stack's identity, which a run may not change; they are set "
            f"in the deployment's environment ({variables})"
        )


def _check(ok: Any, name: str, value: Any, expected: str) -> None:
    if not ok:
        raise ConfigError(f"{name}={value!r} is invalid: expected {expected}")


def _check_positive(name: str, value: int) -> None:
    _check(value > 0, name, value, "a number of days > 0")


def _check_range(name: str, value: int, bounds: tuple[int, int]) -> None:
    _check(bounds[0] <= value <= bounds[1], name, value, f"{bounds[0]}..{bounds[1]}")


def _check_prefix(name: str, value: str) -> None:
    # Prefixes become S3 locations inside single-quoted SQL literals (table and partition LOCATIONs): allow
    # only the characters vpcflow.model.partitions.validate_location accepts, so that a bad prefix fails here,
    # before anything is created, rather than when a statement is built.
    _check(
        value.endswith("/")
        and not value.startswith("/")
        and "//" not in value
        and len(value) > 1
        and _PREFIX_RE.match(value)
        and ".." not in value,
        name,
        value,
        "a non-empty S3 key prefix ending in '/', not starting with '/', of the characters "
        "A-Z a-z 0-9 ! _ . * ( ) = / - only (e.g. 'raw/')",
    )


def _check_bucket(bucket: str) -> None:
    # https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
    expected = (
        "3-63 lowercase letters, digits, '.', '-'; starting and ending with a letter or digit; "
        "no '..', not an IP address, not starting with 'xn--' or 'sthree-', not ending with '-s3alias'"
    )
    _check(
        _BUCKET_RE.match(bucket)
        and ".." not in bucket
        and ".-" not in bucket
        and "-." not in bucket
        and not _IP_RE.match(bucket)
        and not bucket.startswith(("xn--", "sthree-"))
        and not bucket.endswith(("-s3alias", "--ol-s3")),
        "bucket",
        bucket,
        expected,
    )
