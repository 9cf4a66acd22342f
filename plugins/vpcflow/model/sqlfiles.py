"""Render the templated statements in sql/ outside Airflow (tests, tools, provisioning helpers).

Inside a DAG, AthenaOperator renders the same files itself (``template_searchpath`` points at sql/), with
the values under ``params``; this module renders them the same way so both paths give the same text.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from vpcflow.model.resources import sql_dir

__all__ = ["render", "sql_dir"]


@cache
def _environment(folder: str) -> Any:
    import jinja2

    # StrictUndefined: a parameter missing from the call is an error, never an empty string in SQL.
    # keep_trailing_newline=False, as in Airflow, so a rendered file ends where its statement ends.
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
        autoescape=False,
    )


def render_template(name: str, **context: Any) -> str:
    """Render ``sql/<name>`` with ``context`` as its top-level names (e.g. ``hour`` for sql/hourly/)."""
    folder = sql_dir()
    if not (folder / name).is_file():
        raise FileNotFoundError(f"no SQL template {name!r} in {folder}")
    return _environment(str(folder)).get_template(name).render(**context)


def render(name: str, **params: Any) -> str:
    """Render ``sql/<name>`` with ``params`` (referenced as ``{{ params.x }}`` in the file)."""
    return render_template(name, params=params)
