"""Read the deployment files as Docker Compose, Docker and the code would: no Docker daemon needed."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yaml"
DOCKERFILE = REPO / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"
ENV_EXAMPLE = REPO / ".env.example"
HELM_VALUES = REPO / "deploy" / "helm" / "values.yaml"
SCHEMA = Path(__file__).resolve().parent / "schemas" / "compose-spec.json"

# Compose interpolation: $$ is a literal $, ${VAR}, ${VAR:-default} / ${VAR-default}, ${VAR:?err}, $VAR.
_INTERPOLATION = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
    r"|(?P<named>[A-Za-z_][A-Za-z0-9_]*))"
)


class InterpolationError(ValueError):
    pass


def interpolate(text: str, env: Mapping[str, str]) -> str:
    """Substitute variables in one string the way Compose does (the subset the compose file uses)."""

    def replace(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        name = match["braced"] or match["named"]
        op, arg = match["op"], match["arg"] or ""
        value = env.get(name)
        if op in (":-", ":?") and not value or op in ("-", "?") and value is None:
            if op.endswith("?"):
                raise InterpolationError(f"required variable {name} is missing: {arg}")
            return arg
        if op in (":+", "+"):
            return arg if (value if op == ":+" else value is not None) else ""
        return value or ""

    return _INTERPOLATION.sub(replace, text)


def variables(text: str) -> Iterator[tuple[str, str | None]]:
    """(name, default operator) of every variable a string interpolates; $$ escapes are not variables."""
    for match in _INTERPOLATION.finditer(text):
        if not match["escaped"]:
            yield match["braced"] or match["named"], match["op"]


def _walk(node: Any, env: Mapping[str, str]) -> Any:
    if isinstance(node, str):
        return interpolate(node, env)
    if isinstance(node, list):
        return [_walk(item, env) for item in node]
    if isinstance(node, dict):
        return {key: _walk(value, env) for key, value in node.items()}
    return node


def compose_text() -> str:
    return COMPOSE_FILE.read_text()


def compose(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The compose model after YAML anchors/merge keys and interpolation with ``env`` (default: nothing set)."""
    return _walk(yaml.safe_load(compose_text()), env or {})


def service_environment(service: Mapping[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def depends_on(service: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return {name: {"condition": "service_started"} for name in deps}
    return deps


def env_example() -> dict[str, str]:
    """KEY=VALUE lines of .env.example, including the commented-out examples (``# KEY=VALUE``)."""
    values = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = re.match(r"^#?\s?([A-Za-z_][A-Za-z0-9_]*)=(.*)$", line)
        if match:
            values[match[1]] = match[2]
    return values


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    lines, current = [], ""
    for raw in DOCKERFILE.read_text().splitlines():
        stripped = raw.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if current and stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        instruction, _, args = current.partition(" ")
        lines.append((instruction.upper(), args.strip()))
        current = ""
    return lines


@cache
def lock() -> dict[str, Any]:
    return tomllib.loads((REPO / "uv.lock").read_text())


def locked_version(package: str) -> str:
    for entry in lock()["package"]:
        if entry["name"] == package:
            return entry["version"]
    raise KeyError(f"{package} is not in uv.lock")


def makefile_variable(name: str) -> str:
    match = re.search(rf"^{name}\s*\??=\s*(\S+)", (REPO / "Makefile").read_text(), re.MULTILINE)
    if not match:
        raise KeyError(f"Makefile sets no {name}")
    return match[1]


# Settings modules build their variable names as f"VPCFLOW_{name}" in small helpers called with the bare
# name: _env("BUCKET", ...), _env_int("HOUR_GRACE_S", ...), _bool("DEFERRABLE", ...).
_ENV_HELPER = re.compile(r"""\b_\w+\(\s*["']([A-Z][A-Z0-9_]*)["']""")
_LITERAL = re.compile(r"\bVPCFLOW_[A-Z0-9_]+\b")


def vpcflow_variables_read_by_code() -> set[str]:
    """Every VPCFLOW_* environment variable that the product's code (not its tests) mentions or builds."""
    names: set[str] = set()
    for folder in ("plugins", "dags", "lambdas", "localaws"):
        for path in (REPO / folder).rglob("*.py"):
            text = path.read_text()
            names.update(_LITERAL.findall(text))
            if 'f"VPCFLOW_{' in text or "f'VPCFLOW_{" in text:
                names.update(f"VPCFLOW_{name}" for name in _ENV_HELPER.findall(text))
    return names
