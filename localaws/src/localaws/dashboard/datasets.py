"""A dashboard's datasets as DuckDB views, each made the first time a visual of the view needs it.

A SPICE dataset reads its extract (the Parquet file the last completed ingestion wrote); a DIRECT_QUERY
dataset runs its SQL through the local Athena now, as QuickSight would on every load. Loading only what
the requested sheet uses keeps a re-query of the flows sheet from re-running the quality table's SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from localaws.quicksight import athena_query, columns, spice, transforms


class Unsupported(ValueError):
    """A part of the definition localaws does not compute; the message names it."""


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


@dataclass
class DataSetView:
    identifier: str
    data_set_id: str | None
    name: str = ""
    mode: str = ""
    rows: int = 0
    error: str | None = None
    refreshed_at: str | None = None  # SPICE: when the extract was written (UTC, ISO 8601)
    calculated: dict[str, str] = field(default_factory=dict)  # name -> QuickSight expression

    def summary(self) -> dict[str, Any]:
        return {
            "identifier": self.identifier,
            "data_set_id": self.data_set_id,
            "name": self.name,
            "mode": self.mode,
            "rows": self.rows,
            "error": self.error,
            "refreshed_at": self.refreshed_at,
        }


class DataSets:
    """The definition's DataSetIdentifierDeclarations, loaded into ``con`` on first use."""

    def __init__(
        self, qs: Any, endpoint: str, account_id: str | None, con: Any, work: Path, definition: dict
    ):
        self.qs, self.endpoint, self.account_id = qs, endpoint, account_id
        self.con, self.work = con, work
        self.declared = {
            d["Identifier"]: d["DataSetArn"] for d in definition.get("DataSetIdentifierDeclarations", [])
        }
        self.views: dict[str, DataSetView] = {}
        self.calculated: dict[str, dict[str, str]] = {}
        for calc in definition.get("CalculatedFields", []):
            self.calculated.setdefault(calc.get("DataSetIdentifier"), {})[calc["Name"]] = calc["Expression"]

    def get(self, identifier: str) -> DataSetView:
        if identifier not in self.declared:
            raise Unsupported(f"data set identifier {identifier} is not declared")
        if identifier not in self.views:
            self.views[identifier] = self._load(identifier, self.declared[identifier])
        view = self.views[identifier]
        if view.error:
            raise Unsupported(view.error)
        return view

    def summaries(self) -> list[dict[str, Any]]:
        return [v.summary() for v in self.views.values()]

    def _load(self, identifier: str, arn: str) -> DataSetView:
        data_set_id = self.qs.data_set_id_of(arn)
        view = DataSetView(identifier, data_set_id, calculated=dict(self.calculated.get(identifier, {})))
        data_set = self.qs.data_set(data_set_id, self.account_id, None) if data_set_id else None
        if data_set is None:
            view.error = f"data set {arn} does not exist"
            return view
        view.name, view.mode = data_set.get("Name", ""), data_set.get("ImportMode", "")
        try:
            if view.mode == "SPICE":
                path = self.qs.spice_extract_path(data_set_id)
                if path is None:
                    view.error = f"data set {data_set_id} has no SPICE extract yet (no completed ingestion)"
                    return view
                written = datetime.fromtimestamp(path.stat().st_mtime, UTC)
                view.refreshed_at = written.strftime("%Y-%m-%dT%H:%M:%SZ")
            else:
                path = self.work / f"{identifier}.parquet"
                self._direct_query(data_set, path)
            self.con.execute(f"CREATE VIEW {quote(identifier)} AS SELECT * FROM read_parquet('{path}')")
            view.rows = self.con.execute(f"SELECT count(*) FROM {quote(identifier)}").fetchall()[0][0]
        except Exception as err:  # shown on the page and in its status, never a blank chart
            view.error = f"{type(err).__name__}: {err}"
        return view

    def _direct_query(self, data_set: dict[str, Any], target: Path) -> None:
        """Run a DIRECT_QUERY dataset's SQL through the local Athena into a Parquet file, typed as SPICE types."""
        import boto3

        tables = list(data_set["PhysicalTableMap"].values())
        if len(tables) != 1 or not ({"RelationalTable", "CustomSql"} & set(tables[0])):
            raise Unsupported(
                f"data set {data_set['DataSetId']}: localaws queries one RelationalTable or CustomSql"
            )
        spec = tables[0].get("RelationalTable") or tables[0]["CustomSql"]
        account = spec["DataSourceArn"].split(":")[4]
        region = spec["DataSourceArn"].split(":")[3]

        def client(name: str) -> Any:
            return boto3.client(
                name,
                endpoint_url=self.endpoint,
                region_name=region,
                aws_access_key_id="localaws",
                aws_secret_access_key="localaws",
            )

        source = client("quicksight").describe_data_source(
            AwsAccountId=account, DataSourceId=spec["DataSourceArn"].rsplit("/", 1)[1]
        )["DataSource"]
        work_group = (
            source.get("DataSourceParameters", {}).get("AthenaParameters", {}).get("WorkGroup") or "primary"
        )
        athena, s3 = client("athena"), client("s3")
        query_id = athena_query.start(
            athena, s3, athena_query.build_sql(tables[0]), work_group, account, region
        )
        execution = athena_query.wait(athena, query_id, cancelled=lambda: False, poll_seconds=0.05)
        physical = columns.physical_columns(data_set) or [
            {"Name": c["Name"], "Type": columns.athena_column_type(c["Type"])}
            for c in athena_query.column_info(athena, query_id)
        ]
        csv_path = target.with_suffix(".csv")
        athena_query.download(athena, s3, execution, csv_path)
        partial, _ = spice.build_extract(
            csv_path, physical, target, outputs=transforms.outputs(data_set, physical)
        )
        spice.commit(partial, target)
