"""The loaded stack the report tests query (one per session: loading it runs the hourly SQL)."""

from __future__ import annotations

import pytest

from tests.reports.stack_data import LoadedStack, shared_stack


@pytest.fixture(scope="module")
def loaded_stack(localaws) -> LoadedStack:
    return shared_stack(localaws.endpoint)
