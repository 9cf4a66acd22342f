"""The faults table: one row per injected fault, written as Markdown at the end of the session.

`VPCFLOW_FAULTS_REPORT=docs/faults.md pytest tests/faults` rewrites the table in docs/faults.md (between
its markers); otherwise the table goes to the session's temporary folder and the terminal summary.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

BEGIN, END = "<!-- faults-table:begin -->", "<!-- faults-table:end -->"
COLUMNS = (
    "case",
    "fault injected",
    "records in",
    "delivered",
    "lost",
    "duplicates (bound)",
    "how it recovered",
)


@dataclass
class FaultReport:
    rows: list[tuple[str, ...]] = field(default_factory=list)

    def add(self, case: str, fault: str, records_in: int, delivered: int, lost: int, duplicates: int | str,
            bound: int | str, recovery: str) -> None:  # fmt: skip
        self.rows.append(
            (case, fault, str(records_in), str(delivered), str(lost), f"{duplicates} (<= {bound})", recovery)
        )

    def markdown(self) -> str:
        lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
        lines += [
            "| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in sorted(self.rows)
        ]
        lost = sum(int(row[4]) for row in self.rows)
        lines.append(f"\n{len(self.rows)} faults injected, {lost} records lost.")
        return "\n".join(lines) + "\n"

    def write(self, default: Path) -> Path:
        target = Path(os.environ.get("VPCFLOW_FAULTS_REPORT") or default)
        table = self.markdown()
        if target.exists() and BEGIN in target.read_text():
            text = re.sub(
                re.escape(BEGIN) + ".*?" + re.escape(END),
                lambda _: f"{BEGIN}\n{table}{END}",
                target.read_text(),
                flags=re.S,
            )
        else:
            text = f"{BEGIN}\n{table}{END}\n"
        target.write_text(text)
        return target
