"""Lab folders: discovery, lab.toml metadata, and loading checks/setup/solution.

A lab is a folder ``labs/NN-slug/`` holding lab.toml, lab.ipynb, checks.py and solution.py.
Nothing here knows any particular lab, so adding a lab never touches engine code.
"""

from __future__ import annotations

import functools
import importlib.util
import re
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from grader.checks import CheckSpec, collect
from grader.errors import LabDefinitionError, LabNotFound
from grader.paths import labs_dir

LAB_DIR_PATTERN = re.compile(r"^\d{2}-[a-z0-9-]+$")
_REQUIRED = ("title", "topic", "lesson", "objectives", "minutes", "services")


@dataclass(frozen=True)
class Lab:
    """One lab folder and its metadata."""

    id: str
    path: Path
    title: str
    topic: str
    lesson: str
    objectives: list[str]
    minutes: int
    services: list[str]
    managed_policies: bool = False
    rules: list[str] = field(default_factory=list)

    @property
    def number(self) -> str:
        return self.id[:2]

    @property
    def notebook(self) -> Path:
        return self.path / "lab.ipynb"

    def checks(self) -> list[CheckSpec]:
        specs = collect(vars(self._module("checks")))
        if not specs:
            raise LabDefinitionError(f"{self.id}/checks.py defines no @check functions.")
        return specs

    def setup_fn(self) -> Callable[[Any], None] | None:
        """The optional ``setup(aws)`` in checks.py that seeds prerequisites."""
        return getattr(self._module("checks"), "setup", None)

    def solve_fn(self) -> Callable[[Any], None]:
        solve = getattr(self._module("solution"), "solve", None)
        if not callable(solve):
            raise LabDefinitionError(f"{self.id}/solution.py has no solve(aws) function.")
        return solve

    def _module(self, name: str) -> ModuleType:
        path = self.path / f"{name}.py"
        if not path.is_file():
            raise LabDefinitionError(f"Lab {self.id} has no {name}.py.")
        return _load_module(f"computelab_labs.{self.id}.{name}", path, path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _load_module(module_name: str, path: Path, mtime_ns: int) -> ModuleType:
    """Import a lab's checks/solution once per file version (re-read after an edit)."""
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses and pickling look their module up here
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        sys.modules.pop(module_name, None)
        raise LabDefinitionError(f"{path.parent.name}/{path.name} failed to load: {exc}") from exc
    return module


def load_lab(path: Path) -> Lab:
    """Read one lab folder's lab.toml into a ``Lab``."""
    toml_path = path / "lab.toml"
    try:
        meta = tomllib.loads(toml_path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise LabDefinitionError(f"{toml_path}: {exc}") from exc
    missing = [k for k in _REQUIRED if k not in meta]
    if missing:
        raise LabDefinitionError(f"{toml_path} is missing: {', '.join(missing)}.")
    if meta.get("id", path.name) != path.name:
        raise LabDefinitionError(f"{toml_path}: id must equal the folder name {path.name!r}.")
    return Lab(
        id=path.name, path=path, title=meta["title"], topic=meta["topic"],
        lesson=meta["lesson"], objectives=list(meta["objectives"]), minutes=int(meta["minutes"]),
        services=list(meta["services"]),
        managed_policies=bool(meta.get("managed_policies", False)),
        rules=list(meta.get("rules", [])),
    )


def all_labs(root: Path | None = None) -> list[Lab]:
    """Every lab folder under ``root`` (default: the shipped labs), in number order."""
    base = root or labs_dir()
    if not base.is_dir():
        return []
    return [load_lab(p) for p in sorted(base.iterdir())
            if p.is_dir() and LAB_DIR_PATTERN.match(p.name) and (p / "lab.toml").is_file()]


def find_lab(name: str, root: Path | None = None) -> Lab:
    """A lab by folder name (``01-ec2-from-ami``) or number (``01`` or ``1``)."""
    labs = all_labs(root)
    key = name.strip().rstrip("/").split("/")[-1]
    if key.isdigit():
        key = f"{int(key):02d}"
    for lab in labs:
        if key in (lab.id, lab.number):
            return lab
    known = ", ".join(lab.id for lab in labs) or "none"
    raise LabNotFound(f"No lab called {name!r}. Known labs: {known}.")
