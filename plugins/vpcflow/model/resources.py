"""Where vpcflow finds the files it ships beside its code: the SQL templates (sql/) and the Lambda sources
(lambdas/), and, for the developer stack, the project checkout.

In order: the environment (``VPCFLOW_SQL_DIR``, ``VPCFLOW_LAMBDAS_DIR``: a container that mounts them), the
copies the wheel carries (``vpcflow/_data/``, see pyproject.toml), then the checkout vpcflow runs from
(``plugins/vpcflow`` inside it, as with ``uv sync``).
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]
_PACKAGED = PACKAGE_DIR / "_data"


def checkout() -> Path | None:
    """The project checkout this vpcflow runs from, or None when it is installed from a wheel."""
    root = PACKAGE_DIR.parents[1]
    return root if (root / "pyproject.toml").is_file() and (root / "dags").is_dir() else None


def require_checkout(what: str) -> Path:
    root = checkout()
    if root is None:
        raise FileNotFoundError(
            f"{what} runs from a vpcflow checkout (git clone), not from an installed wheel"
        )
    return root


def _folder(name: str, env: str) -> Path:
    if os.environ.get(env):
        return Path(os.environ[env])
    if (_PACKAGED / name).is_dir():
        return _PACKAGED / name
    root = checkout()
    if root is None:
        raise FileNotFoundError(f"no {name}/ folder: set {env}, or install vpcflow from its wheel")
    return root / name


def sql_dir() -> Path:
    """The folder of templated statements (one per file, see sql/)."""
    return _folder("sql", "VPCFLOW_SQL_DIR")


def lambdas_dir() -> Path:
    """The folder holding one sub-folder per Lambda function."""
    return _folder("lambdas", "VPCFLOW_LAMBDAS_DIR")
