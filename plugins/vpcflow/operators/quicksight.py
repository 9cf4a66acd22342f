"""SPICE refresh that tolerates an ingestion already running on the dataset."""

from __future__ import annotations

import time
from typing import Any

from airflow.providers.amazon.aws.operators.quicksight import QuickSightCreateIngestionOperator

ACTIVE_STATES = ("INITIALIZED", "QUEUED", "RUNNING")


class QuickSightRefreshSpiceOperator(QuickSightCreateIngestionOperator):
    """QuickSightCreateIngestionOperator that first waits out an ingestion already running on the dataset.

    QuickSight runs one ingestion per dataset at a time and refuses another while one runs; a backfill's
    last hour and a scheduled run may meet there. Waiting (up to ``active_wait_seconds``) and then starting
    our own keeps this run's data in SPICE, instead of failing the run or skipping the refresh.
    """

    def __init__(self, *, active_wait_seconds: int = 1800, **kwargs: Any):
        super().__init__(**kwargs)
        self.active_wait_seconds = active_wait_seconds

    def execute(self, context: Any) -> Any:
        client = self.hook.conn
        deadline = time.monotonic() + self.active_wait_seconds
        while active := self._active_ingestions(client):
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"dataset {self.data_set_id}: ingestion(s) {active} still running after "
                    f"{self.active_wait_seconds}s; not starting another"
                )
            self.log.info("Dataset %s has ingestion(s) %s running; waiting before refreshing", self.data_set_id, active)
            time.sleep(min(int(self.waiter_delay), 30))
        return super().execute(context)

    def _active_ingestions(self, client: Any) -> list[str]:
        pages = client.get_paginator("list_ingestions").paginate(
            DataSetId=self.data_set_id, AwsAccountId=self.hook.account_id
        )
        return [
            item["IngestionId"]
            for page in pages
            for item in page.get("Ingestions", [])
            if item["IngestionStatus"] in ACTIVE_STATES
        ]
