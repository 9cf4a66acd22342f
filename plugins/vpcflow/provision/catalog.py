"""Athena workgroup, Glue database, and tables created from DDL through Athena."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from vpcflow.athena import Athena
from vpcflow.model.config import StackConfig
from vpcflow.provision import history
from vpcflow.provision.common import Result, delete_if_present, get_or_none, log
from vpcflow.provision.iam_policies import StackArns

# -- workgroup ------------------------------------------------------------------------------------------


def workgroup_configuration(config: StackConfig) -> dict[str, Any]:
    encryption: dict[str, Any] = {"EncryptionOption": "SSE_S3"}
    if config.kms_key_arn:
        encryption = {"EncryptionOption": "SSE_KMS", "KmsKey": config.kms_key_arn}
    return {
        "ResultConfiguration": {
            "OutputLocation": config.athena_output_location,
            "EncryptionConfiguration": encryption,
        },
        # Enforced, so a client cannot send results elsewhere or lift the bytes-scanned cutoff.
        "EnforceWorkGroupConfiguration": True,
        "PublishCloudWatchMetricsEnabled": True,
        "BytesScannedCutoffPerQuery": config.bytes_scanned_cutoff,
    }


def ensure_workgroup(
    athena: Any, config: StackConfig, arns: StackArns, name: str | None = None, cutoff: int | None = None
) -> Result:
    """The stack's workgroup (or another of its workgroups, ``name`` with its own bytes-scanned ``cutoff``)."""
    name = name or config.workgroup
    want = workgroup_configuration(config)
    if cutoff is not None:
        want["BytesScannedCutoffPerQuery"] = cutoff
    arn = arns.workgroup.rsplit("/", 1)[0] + f"/{name}"
    current = _get_workgroup(athena, name)
    if current is None:
        athena.create_work_group(
            Name=name, Configuration=want, Description=f"vpcflow stack {config.stack_name}"
        )
        return Result("created", arn)
    have = current.get("Configuration", {})
    have_result = have.get("ResultConfiguration", {})
    want_result = want["ResultConfiguration"]
    same = (
        current.get("State", "ENABLED") == "ENABLED"
        and have_result.get("OutputLocation") == want_result["OutputLocation"]
        and have_result.get("EncryptionConfiguration", want_result["EncryptionConfiguration"])
        == want_result["EncryptionConfiguration"]
        and all(
            have.get(k) == want[k]
            for k in (
                "EnforceWorkGroupConfiguration",
                "PublishCloudWatchMetricsEnabled",
                "BytesScannedCutoffPerQuery",
            )
        )
    )
    if same:
        return Result("unchanged", arn)
    athena.update_work_group(
        WorkGroup=name,
        State="ENABLED",
        ConfigurationUpdates={
            "ResultConfigurationUpdates": want_result,
            "EnforceWorkGroupConfiguration": True,
            "PublishCloudWatchMetricsEnabled": True,
            "BytesScannedCutoffPerQuery": want["BytesScannedCutoffPerQuery"],
        },
    )
    return Result("updated", arn)


def _get_workgroup(athena: Any, name: str) -> dict[str, Any] | None:
    # Athena answers a missing workgroup with InvalidRequestException "WorkGroup ... is not found" (which
    # is_missing knows); moto answers with an empty document rather than an error.
    answer = get_or_none(lambda: athena.get_work_group(WorkGroup=name))
    return (answer or {}).get("WorkGroup") or None


def delete_workgroup(athena: Any, name: str) -> Result:
    if _get_workgroup(athena, name) is None:
        return Result("absent", name)
    athena.delete_work_group(WorkGroup=name, RecursiveDeleteOption=True)
    return Result("deleted", name)


# -- Glue database --------------------------------------------------------------------------------------


def ensure_database(glue: Any, config: StackConfig, arns: StackArns) -> Result:
    description = f"vpcflow stack {config.stack_name}"
    current = get_or_none(lambda: glue.get_database(Name=config.database)["Database"])
    if current is None:
        glue.create_database(DatabaseInput={"Name": config.database, "Description": description})
        return Result("created", arns.glue_database)
    if current.get("Description") != description:
        glue.update_database(
            Name=config.database, DatabaseInput={"Name": config.database, "Description": description}
        )
        return Result("updated", arns.glue_database)
    return Result("unchanged", arns.glue_database)


def delete_database(glue: Any, name: str) -> Result:
    """Drops the catalog entries only; the tables are EXTERNAL, so their S3 data stays."""
    return delete_if_present(lambda: glue.delete_database(Name=name), name)


# -- tables from DDL ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TableShape:
    """What a CREATE TABLE defines that Glue can be compared with."""

    database: str | None
    name: str
    columns: tuple[tuple[str, str], ...]
    partition_keys: tuple[tuple[str, str], ...]
    location: str | None
    serde_pattern: str | None = None  # a RegexSerDe's input.regex: another pattern reads other rows


def _norm_type(kind: str) -> str:
    return kind.lower().replace(" ", "")


def parse_ddl(sql_text: str) -> TableShape:
    """Table name, columns, partition keys and location of a Hive/Athena CREATE TABLE."""
    import sqlglot
    from sqlglot import exp

    ast = sqlglot.parse_one(sql_text, read="athena")
    if not isinstance(ast, exp.Create) or not isinstance(ast.this, exp.Schema):
        raise ValueError(f"not a CREATE TABLE statement with columns: {sql_text[:80]!r}")
    table = ast.this.this
    columns = tuple(
        (c.name.lower(), _norm_type(c.args["kind"].sql("hive")))
        for c in ast.this.expressions
        if isinstance(c, exp.ColumnDef)
    )
    partition_keys: tuple[tuple[str, str], ...] = ()
    location = pattern = None
    for prop in (ast.args.get("properties") or exp.Properties(expressions=[])).expressions:
        if isinstance(prop, exp.PartitionedByProperty):
            partition_keys = tuple(
                (c.name.lower(), _norm_type(c.args["kind"].sql("hive"))) for c in prop.this.expressions
            )
        elif isinstance(prop, exp.LocationProperty):
            location = prop.this.name
        elif isinstance(prop, exp.RowFormatSerdeProperty):
            serde = {q.name: q.args["value"].name for q in prop.args.get("serde_properties").expressions}
            pattern = serde.get("input.regex")
    return TableShape(table.db or None, table.name.lower(), columns, partition_keys, location, pattern)


def _glue_shape(table: dict[str, Any]) -> TableShape:
    sd = table.get("StorageDescriptor", {})
    return TableShape(
        table.get("DatabaseName"),
        table["Name"].lower(),
        tuple((c["Name"].lower(), _norm_type(c["Type"])) for c in sd.get("Columns", [])),
        tuple((c["Name"].lower(), _norm_type(c["Type"])) for c in table.get("PartitionKeys", [])),
        sd.get("Location"),
        (sd.get("SerdeInfo") or {}).get("Parameters", {}).get("input.regex"),
    )


def _same_table(want: TableShape, have: TableShape) -> bool:
    def loc(value: str | None) -> str | None:
        return value.rstrip("/") if value else value

    return (
        want.columns == have.columns
        and want.partition_keys == have.partition_keys
        and (want.location is None or loc(want.location) == loc(have.location))
        and want.serde_pattern == have.serde_pattern
    )


def ensure_table(
    athena: Any,
    glue: Any,
    sql_text: str,
    database: str,
    workgroup: str,
    on_drift: Literal["replace", "error"] = "replace",
) -> Result:
    """Create the table with ``sql_text`` (a CREATE EXTERNAL TABLE [IF NOT EXISTS]) when Glue lacks it.

    A table whose columns, partition keys, location or SerDe pattern differ from the DDL is dropped and
    recreated with every registered partition kept (``on_drift="replace"``: vpcflow.provision.history; the
    data stays in S3) or reported as an error (``on_drift="error"``).
    """
    want = parse_ddl(sql_text)
    database = want.database or database
    arn_id = f"{database}.{want.name}"
    table = get_or_none(lambda: glue.get_table(DatabaseName=database, Name=want.name)["Table"])
    have = None if table is None else _glue_shape(table)
    if have is not None and _same_table(want, have):
        return Result("unchanged", arn_id)
    if have is not None:
        if on_drift == "error":
            raise RuntimeError(
                f"table {arn_id} differs from its DDL (columns, partition keys or location): "
                f"Glue has {have}, DDL wants {want}"
            )
        kept = history.partitions(glue, database, want.name)
        log.warning("table %s differs from its DDL: recreating it with its %d partitions", arn_id, len(kept))
        Athena(athena, database=database, workgroup=workgroup).run(
            f"DROP TABLE IF EXISTS `{database}`.`{want.name}`"
        )
        Athena(athena, database=database, workgroup=workgroup).run(sql_text)
        history.register(glue, database, want.name, kept)
        return Result("updated", arn_id)
    Athena(athena, database=database, workgroup=workgroup).run(sql_text)
    return Result("created", arn_id)


def delete_table(athena: Any, glue: Any, database: str, table: str, workgroup: str) -> Result:
    return delete_if_present(
        lambda: glue.delete_table(DatabaseName=database, Name=table), f"{database}.{table}"
    )
