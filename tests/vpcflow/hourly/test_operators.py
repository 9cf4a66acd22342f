"""The hourly operators' logs end with what happened: the statement's state, rows and bytes scanned."""

from __future__ import annotations

from vpcflow.athena import Athena
from vpcflow.hourly.operators import HourAthenaOperator
from vpcflow.model.config import StackConfig
from vpcflow.provision.common import Clients
from vpcflow.provision.stack import provision_catalog, provision_storage


def test_an_athena_task_logs_the_final_state_rows_and_bytes(localaws, aws_conn, unique):
    config = StackConfig.isolated("oplog", unique[:6])
    clients = Clients(endpoint_url=localaws.endpoint, region="us-east-1")
    provision_storage(clients, config)
    provision_catalog(clients, config)
    query_id = Athena.for_stack(clients("athena"), config).run("SELECT 1 AS one UNION ALL SELECT 2")[
        "QueryExecutionId"
    ]
    operator = HourAthenaOperator(task_id="t", query="SELECT 1", aws_conn_id=aws_conn)
    line = operator.report(query_id)  # what the task logs last
    assert line.startswith(f"Athena query {query_id} SUCCEEDED: 2 rows, ") and " bytes scanned" in line
