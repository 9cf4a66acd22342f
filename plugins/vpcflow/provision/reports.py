"""The saved reports as Athena named queries in the stack's workgroup.

A named query holds plain SQL, so each report is saved rendered for the default window (the last
``reports.DEFAULT_HOURS`` ingest hours); `vpcflow query NAME --hours N` runs another window. Reports that
need a value only a person can give (the blog's ``since``), or fields the stack's LogFormat does not carry,
are not saved (one saved before such a format change is deleted).
"""

from __future__ import annotations

from typing import Any

from vpcflow import reports
from vpcflow.model.config import StackConfig
from vpcflow.provision.common import Result


def named_query_name(config: StackConfig, report: str) -> str:
    return f"{config.stack_name}-{report}"


def wanted_named_queries(config: StackConfig) -> dict[str, dict[str, str]]:
    """Name -> {Description, Database, QueryString} of every saved report."""
    wanted = {}
    for report in reports.REPORTS.values():
        if not report.saved or report.missing(config):
            continue
        window = (
            f" (last {reports.DEFAULT_HOURS} h; vpcflow query {report.name} --hours N)"
            if report.windowed
            else ""
        )
        wanted[named_query_name(config, report.name)] = {
            "Description": (report.description + window)[:1024],
            "Database": config.database,
            "QueryString": reports.render(report.name, config),
        }
    return wanted


def _existing(athena: Any, workgroup: str) -> dict[str, dict[str, Any]]:
    ids: list[str] = []
    kwargs: dict[str, Any] = {"WorkGroup": workgroup}
    while True:
        page = athena.list_named_queries(**kwargs)
        ids += page.get("NamedQueryIds", [])
        if not page.get("NextToken"):
            break
        kwargs["NextToken"] = page["NextToken"]
    # GetNamedQuery one by one: BatchGetNamedQuery is not in moto, and a stack has a handful.
    found = {}
    for query_id in ids:
        query = athena.get_named_query(NamedQueryId=query_id)["NamedQuery"]
        found.setdefault(query["Name"], query)
    return found


def ensure_named_queries(athena: Any, config: StackConfig) -> dict[str, Result]:
    """Create missing named queries, update changed ones (by name, in the stack's workgroup)."""
    have = _existing(athena, config.workgroup)
    results = {}
    for name, want in wanted_named_queries(config).items():
        current = have.get(name)
        if current is None:
            answer = athena.create_named_query(Name=name, WorkGroup=config.workgroup, **want)
            results[f"named_query:{name}"] = Result("created", answer["NamedQueryId"])
        elif any(current.get(k) != v for k, v in want.items()):
            # UpdateNamedQuery cannot change the database: a query saved for another one is replaced.
            if current.get("Database") != want["Database"]:
                athena.delete_named_query(NamedQueryId=current["NamedQueryId"])
                answer = athena.create_named_query(Name=name, WorkGroup=config.workgroup, **want)
                results[f"named_query:{name}"] = Result("updated", answer["NamedQueryId"])
                continue
            athena.update_named_query(
                NamedQueryId=current["NamedQueryId"],
                Name=name,
                Description=want["Description"],
                QueryString=want["QueryString"],
            )
            results[f"named_query:{name}"] = Result("updated", current["NamedQueryId"])
        else:
            results[f"named_query:{name}"] = Result("unchanged", current["NamedQueryId"])
    # A report saved before a format change that took its fields away: it would fail if run.
    for name, current in have.items():
        report = name.removeprefix(f"{config.stack_name}-")
        if name != report and report in reports.REPORTS and f"named_query:{name}" not in results:
            athena.delete_named_query(NamedQueryId=current["NamedQueryId"])
            results[f"named_query:{name}"] = Result("deleted", current["NamedQueryId"])
    return results
