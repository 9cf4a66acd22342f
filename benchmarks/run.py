"""Run the benchmarks: every benchmarks/bench_*.py file's ``main()``, or those named on the command line.

    .venv/bin/python benchmarks/run.py                 # all
    .venv/bin/python benchmarks/run.py localaws        # benchmarks/bench_localaws.py only

Each file runs in its own interpreter (the same Python), so one benchmark's imports, threads and
sys.path changes cannot colour another's figures. Exit status is non-zero if any benchmark failed.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RUNNER = "import runpy, sys; runpy.run_path(sys.argv[1], run_name='benchmark')['main']()"


def select(names: list[str]) -> list[Path]:
    found = sorted(HERE.glob("bench_*.py"))
    if not names:
        return found
    chosen = []
    for name in names:
        stem = Path(name).stem
        stem = stem if stem.startswith("bench_") else f"bench_{stem}"
        matches = [path for path in found if path.stem == stem]
        if not matches:
            raise SystemExit(f"no benchmark {name!r}: expected one of {[p.stem for p in found]}")
        chosen += matches
    return chosen


def main(argv: list[str] | None = None) -> int:
    failed = []
    for path in select(sys.argv[1:] if argv is None else argv):
        print(f"=== {path.name}", flush=True)
        started = time.monotonic()
        code = subprocess.call([sys.executable, "-c", RUNNER, str(path)], cwd=REPO)
        print(
            f"=== {path.name}: {'ok' if code == 0 else f'FAILED (exit {code})'} in {time.monotonic() - started:.1f} s\n"
        )
        if code:
            failed.append(path.name)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
