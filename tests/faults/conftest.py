"""Fault suite fixtures: the faults table is collected across the session and written at its end."""

from __future__ import annotations

import pytest

from tests.faults.report import FaultReport

_REPORT = FaultReport()
_WRITTEN: list[str] = []


@pytest.fixture(scope="session")
def fault_report(tmp_path_factory: pytest.TempPathFactory):
    yield _REPORT
    if _REPORT.rows:
        _WRITTEN.append(str(_REPORT.write(tmp_path_factory.getbasetemp() / "faults.md")))


def pytest_terminal_summary(terminalreporter) -> None:
    if _REPORT.rows:
        terminalreporter.section("faults injected and records lost")
        terminalreporter.write(_REPORT.markdown())
        for path in _WRITTEN:
            terminalreporter.write_line(f"(written to {path})")
