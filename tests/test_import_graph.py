"""vpcflow and localaws have no import cycles: every module imports alone in a fresh interpreter, and the
static import graph of each package is acyclic.

The graph counts every ``import``/``from`` statement, at the top of a module or inside a function (an
import moved into a function to dodge a cycle still counts), ``TYPE_CHECKING`` blocks included. An edge
goes to the module named (``from pkg import mod`` to ``pkg.mod`` when that is a module); the implicit
import of a module's parent packages is not an edge, so an ``__init__`` that gathers its submodules is
allowed, and the fresh-interpreter check proves such a package still imports from any of its modules.
"""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGES = ["vpcflow", "localaws"]


def modules(package: str) -> dict[str, Path]:
    folder = Path(importlib.import_module(package).__file__).parent
    found = {}
    for path in sorted(folder.rglob("*.py")):
        parts = list(path.relative_to(folder.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _resolve(name: str, known: dict[str, Path]) -> str | None:
    """The package's module an import of ``name`` loads: the longest prefix of it that is a module."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def import_graph(known: dict[str, Path]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, path in known.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        targets: set[str | None] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets.update(_resolve(alias.name, known) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: STYLE.md asks for absolute imports, but count them anyway
                    anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                    base = f"{anchor}.{base}" if base else anchor
                for alias in node.names:
                    submodule = f"{base}.{alias.name}"
                    targets.add(submodule if submodule in known else _resolve(base, known))
        graph[module] = {t for t in targets if t and t != module}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as [a, b, ..., a], or None (depth-first search, colouring modules on the current path)."""
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = "on path"
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == "on path":
                return path[path.index(target) :] + [target]
            if target not in state:
                cycle = visit(target)
                if cycle:
                    return cycle
        path.pop()
        state[module] = "done"
        return None

    for module in sorted(graph):
        if module not in state:
            cycle = visit(module)
            if cycle:
                return cycle
    return None


# One fresh interpreter: before each module, every module of the package is forgotten, so each is imported
# as the first of its package in the process (third-party packages stay loaded, which keeps it fast).
IMPORT_EACH = """
import importlib, json, sys, traceback
package, names = sys.argv[1], json.loads(sys.argv[2])
failures = {}
for name in names:
    for loaded in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except BaseException:
        failures[name] = traceback.format_exc()
print(json.dumps(failures))
"""


@pytest.mark.parametrize("package", PACKAGES)
def test_every_module_imports_alone_in_a_fresh_interpreter(package):
    names = sorted(modules(package))
    assert len(names) > 40, names  # the walk found the package
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_EACH, package, json.dumps(names)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    failures = json.loads(done.stdout.strip().splitlines()[-1])
    assert not failures, "\n".join(f"{name}:\n{error}" for name, error in failures.items())


@pytest.mark.parametrize("package", PACKAGES)
def test_the_import_graph_has_no_cycle(package):
    graph = import_graph(modules(package))
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_cycle_finder_finds_cycles_through_function_local_imports(tmp_path):
    # GIVEN two modules that import each other, one of them inside a function (the dodge this test forbids)
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg.b import g\n\ndef f():\n    return g()\n")
    (package / "b.py").write_text("def g():\n    from pkg import a\n    return a\n")
    known = {"pkg": package / "__init__.py", "pkg.a": package / "a.py", "pkg.b": package / "b.py"}
    # WHEN the graph is built THEN the loop is reported, named module by module
    assert find_cycle(import_graph(known)) == ["pkg.a", "pkg.b", "pkg.a"]
