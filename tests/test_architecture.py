"""The house rules of ``grader/`` (CONTRIBUTING.md), read from the code's own imports.

Every import counts, at module level or inside a function; only ``if TYPE_CHECKING:``
blocks are left out (they never run).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import grader

PACKAGE = Path(grader.__file__).resolve().parent
CORES = ("grader.quiz", "grader.kit", "grader.checks", "grader.results")
FACES = ("grader.ui", "grader.cli", "ipywidgets", "rich", "typer")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "_course" not in p.parts}


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node except those under ``if TYPE_CHECKING:``."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (n for child in node.orelse for n in [child, *_runtime_nodes(child)])
            continue
        yield node
        yield from _runtime_nodes(node)


def imports(name: str) -> list[tuple[str, list[str]]]:
    """(module imported, names taken from it) for every import in module ``name``."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in _runtime_nodes(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.append((base, [alias.name for alias in node.names]))
    return found


def grader_edges(name: str) -> set[str]:
    """The grader modules ``name`` imports (``from pkg import mod`` counts as pkg.mod)."""
    edges = set()
    for target, names in imports(name):
        for candidate in [f"{target}.{n}" for n in names] + [target]:
            if candidate in MODULES:
                edges.add(candidate)
                break
    own_packages = {name.rsplit(".", i)[0] for i in range(1, name.count(".") + 1)}
    return edges - own_packages - {name}


def test_no_import_cycles() -> None:
    graph = {name: grader_edges(name) for name in MODULES}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)


def test_no_module_imports_another_modules_private_name() -> None:
    offences = [f"{name} imports {n} from {target}" for name in MODULES
                for target, names in imports(name) if target.startswith("grader")
                for n in names if n.startswith("_") and not n.startswith("__")]
    assert not offences


def _importers(prefixes: tuple[str, ...]) -> set[str]:
    return {name for name in MODULES for target, names in imports(name)
            if any(f"{target}.{n}".startswith(prefixes) or target == p or
                   target.startswith(p + ".") for p in prefixes for n in names or [""])}


def test_only_the_sandbox_package_imports_moto() -> None:
    assert {m for m in _importers(("moto",)) if not m.startswith("grader.sandbox")} == set()


def test_only_the_ui_package_imports_ipywidgets() -> None:
    assert {m for m in _importers(("ipywidgets",)) if not m.startswith("grader.ui")} == set()


def test_cores_never_import_faces() -> None:
    cores = {m for m in MODULES if m.startswith(CORES)}
    assert cores, "the core modules moved: update CORES"
    assert {m for m in _importers(FACES) if m in cores} == set()


def test_the_top_level_stays_small() -> None:
    top = [p.name for p in PACKAGE.glob("*.py")]
    assert len(top) <= 14, sorted(top)


def test_importing_the_package_imports_neither_moto_nor_ipywidgets() -> None:
    import subprocess
    import sys

    code = ("import sys, grader, grader.sandbox, grader.grading, grader.classroom, grader.cli;"
            "print(sorted(m for m in ('moto', 'ipywidgets') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
