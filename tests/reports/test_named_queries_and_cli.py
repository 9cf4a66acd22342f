"""Provisioning saves the reports as Athena named queries; `vpcflow query` runs one and prints a table."""

from __future__ import annotations

import time

from vpcflow import reports
from vpcflow.devstack.cli import main
from vpcflow.provision.common import CallRecorder, Clients
from vpcflow.provision.reports import ensure_named_queries, named_query_name


def _saved(athena, workgroup):
    ids = athena.list_named_queries(WorkGroup=workgroup)["NamedQueryIds"]
    return {q["Name"]: q for q in (athena.get_named_query(NamedQueryId=i)["NamedQuery"] for i in ids)}


def test_provisioning_saved_every_report_once_and_repairs_drift(loaded_stack, localaws):
    config = loaded_stack.config
    athena = loaded_stack.clients("athena")
    saved = _saved(athena, config.workgroup)
    # Every report the stack's format can serve (the default format: none of version 3-8 fields)
    wanted = {
        named_query_name(config, r.name)
        for r in reports.REPORTS.values()
        if r.saved and not r.missing(config)
    }
    assert set(saved) == wanted
    talkers = saved[named_query_name(config, "top_talkers")]
    assert talkers["Database"] == config.database
    assert talkers["QueryString"] == reports.render("top_talkers", config, reports.DEFAULT_HOURS)
    assert "interval '24' hour" in talkers["QueryString"]

    # A second run writes nothing; a query edited by hand is put back.
    recorder = CallRecorder()
    clients = Clients(endpoint_url=localaws.endpoint, region="us-east-1", recorder=recorder)
    assert {r.action for r in ensure_named_queries(clients("athena"), config).values()} == {"unchanged"}
    assert recorder.writes == []
    athena.update_named_query(
        NamedQueryId=talkers["NamedQueryId"], Name=talkers["Name"], QueryString="SELECT 1"
    )
    results = ensure_named_queries(clients("athena"), config)
    assert {k for k, r in results.items() if r.action == "updated"} == {f"named_query:{talkers['Name']}"}
    assert _saved(athena, config.workgroup)[talkers["Name"]]["QueryString"] == talkers["QueryString"]


def test_saved_query_runs_as_saved(loaded_stack):
    config = loaded_stack.config
    athena = loaded_stack.clients("athena")
    saved = _saved(athena, config.workgroup)[named_query_name(config, "ip_versions")]
    qid = athena.start_query_execution(
        QueryString=saved["QueryString"],
        WorkGroup=config.workgroup,
        QueryExecutionContext={"Database": saved["Database"]},
    )["QueryExecutionId"]
    while athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]["Status"]["State"] in (
        "QUEUED",
        "RUNNING",
    ):
        time.sleep(0.05)
    rows = athena.get_query_results(QueryExecutionId=qid)["ResultSet"]["Rows"]
    assert [c["VarCharValue"] for c in rows[0]["Data"]] == [
        "ip_version",
        "flows",
        "total_packets",
        "total_bytes",
    ]
    assert len(rows) == 3


def _use_stack(monkeypatch, config):
    for name in ("stack_name", "bucket", "database", "workgroup"):
        monkeypatch.setenv(f"VPCFLOW_{name.upper()}", getattr(config, name))


def test_vpcflow_query_prints_a_table(loaded_stack, localaws, monkeypatch, capsys):
    _use_stack(monkeypatch, loaded_stack.config)
    assert main(["query", "ip_versions", "--hours", "6", "--endpoint-url", localaws.endpoint]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["ip_version", "flows", "total_packets", "total_bytes"]
    assert set(out[1]) <= {"-", " "}
    expected = reports.run(loaded_stack.clients("athena"), "ip_versions", loaded_stack.config, 6)
    assert [line.split() for line in out[2:4]] == expected.rows
    assert out[4].startswith("(2 rows;")


def test_vpcflow_query_names_bad_input(localaws, monkeypatch, capsys):
    assert main(["query", "nope", "--endpoint-url", localaws.endpoint]) == 2
    assert "no report 'nope'" in capsys.readouterr().err
    assert main(["query", "--list"]) == 0
    assert "port_scan_suspects" in capsys.readouterr().out
