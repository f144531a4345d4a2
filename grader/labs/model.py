"""Lab folders: discovery, lab.toml metadata, and loading checks/setup.

A lab is a folder ``labs/NN-slug/`` holding lab.toml, checks.py, solution.py (the one
source of the notebooks) and the generated lab.ipynb and solution.ipynb. Nothing here
knows any particular lab, so adding a lab never touches engine code.
"""

from __future__ import annotations

import dataclasses
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
from grader.labs.schema import key_line, validate_metadata
from grader.labs.topics import topic_lessons
from grader.labs.variants import Values, check_parameters, defaults
from grader.paths import labs_dir

LAB_DIR_PATTERN = re.compile(r"^\d{2}-[a-z0-9-]+$")


@dataclass(frozen=True)
class Lab:
    """One lab folder and its metadata (lab.toml, checked against labs/lab.schema.json)."""

    id: str
    path: Path
    title: str
    topics: tuple[str, ...]
    objectives: list[str]
    minutes: int
    services: list[str]
    managed_policies: bool = False
    rules: list[str] = field(default_factory=list)
    rule_checks: dict[str, tuple[str, ...]] = field(default_factory=dict)  # rule -> checks
    learner_files: tuple[str, ...] = ()
    parameters: dict[str, Any] = field(default_factory=dict)
    check_options: dict[str, Any] = field(default_factory=dict)

    @property
    def number(self) -> str:
        return self.id[:2]

    @property
    def topic(self) -> str:
        """The main topic (the first listed)."""
        return self.topics[0]

    @property
    def lesson(self) -> str:
        """The main topic's lesson, from topics.yaml (``""`` when the course has none)."""
        return topic_lessons().get(self.topic, "")

    @property
    def notebook(self) -> Path:
        return self.path / "lab.ipynb"

    @property
    def solution_source(self) -> Path:
        return self.path / "solution.py"

    @property
    def defaults(self) -> Values:
        """Every parameter's default (what each learner gets while variants are off)."""
        return defaults(self.parameters)

    def checks(self) -> list[CheckSpec]:
        """checks.py's checks, with lab.toml's ``[checks.NAME] visibility`` applied."""
        specs = collect(vars(self._module("checks")))
        if not specs:
            raise LabDefinitionError(f"{self.id}/checks.py defines no @check functions.")
        return [dataclasses.replace(spec, visibility=self.check_options[spec.name]["visibility"])
                if "visibility" in self.check_options.get(spec.name, {}) else spec
                for spec in specs]

    def setup_fn(self) -> Callable[[Any], None] | None:
        """The optional ``setup(aws)`` in checks.py that seeds prerequisites."""
        return getattr(self._module("checks"), "setup", None)

    def solve_fn(self) -> Callable[[Any], Any]:
        """``solve(aws)``: run the reference solution (solution.py) in ``aws``'s account."""
        from grader.labs.solve import run_solution

        if not self.solution_source.is_file():
            raise LabDefinitionError(f"Lab {self.id} has no solution.py.")
        return lambda aws: run_solution(self.solution_source, aws,
                                        values=getattr(aws, "params", None) or self.defaults)

    def _module(self, name: str) -> ModuleType:
        path = self.path / f"{name}.py"
        if not path.is_file():
            raise LabDefinitionError(f"Lab {self.id} has no {name}.py.")
        return _load_module(f"computelab_labs.{self.id}.{name}", path, path.stat().st_mtime_ns)


def load_checks_module(module_name: str, path: Path) -> ModuleType:
    """Import a checks file (a lab's or an instructor's) once per version of the file."""
    return _load_module(module_name, path, path.stat().st_mtime_ns)


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
    """Read one lab folder's lab.toml into a ``Lab`` (errors name file and line)."""
    toml_path = path / "lab.toml"
    try:
        text = toml_path.read_text(encoding="utf-8")
        meta = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise LabDefinitionError(f"{toml_path}: cannot read it ({exc}).") from exc
    except tomllib.TOMLDecodeError as exc:
        raise LabDefinitionError(f"{toml_path}: not valid TOML: {exc}.") from exc
    validate_metadata(meta, toml_path, text)
    known = topic_lessons()
    unknown = [t for t in meta["topics"] if known and t not in known]
    if unknown:
        raise LabDefinitionError(
            f"{toml_path}:{key_line(text, 'topics')}: unknown topic {unknown[0]!r}; "
            f"use ids from content/topics.yaml: {', '.join(sorted(known))}.")
    missing = [name for name in meta.get("learner_files", []) if not (path / name).is_file()]
    if missing:
        raise LabDefinitionError(
            f"{toml_path}:{key_line(text, 'learner_files')}: learner file {missing[0]!r} "
            f"is not in {path.name}/.")
    check_parameters(str(toml_path), meta.get("parameters", {}))
    return Lab(
        id=path.name, path=path, title=meta["title"], topics=tuple(meta["topics"]),
        objectives=list(meta["objectives"]), minutes=int(meta["minutes"]),
        services=list(meta["services"]),
        managed_policies=bool(meta.get("managed_policies", False)),
        rules=[_rule_text(rule) for rule in meta["rules"]],
        rule_checks={rule["text"]: tuple(rule["checks"]) for rule in meta["rules"]
                     if isinstance(rule, dict)},
        learner_files=tuple(meta.get("learner_files", [])),
        parameters=dict(meta.get("parameters", {})), check_options=dict(meta.get("checks", {})),
    )


def _rule_text(rule: str | dict[str, Any]) -> str:
    return rule if isinstance(rule, str) else str(rule["text"])


def all_labs(root: Path | None = None) -> list[Lab]:
    """Every lab folder under ``root`` (default: the shipped labs), in number order."""
    base = root or labs_dir()
    if not base.is_dir():
        return []
    return [load_lab(p) for p in sorted(base.iterdir())
            if p.is_dir() and LAB_DIR_PATTERN.match(p.name) and (p / "lab.toml").is_file()]


def labs_by_topic(root: Path | None = None) -> dict[str, list[str]]:
    """Topic id -> the ids of the labs that list it (a topic may have several labs)."""
    out: dict[str, list[str]] = {}
    for lab in all_labs(root):
        for topic in lab.topics:
            out.setdefault(topic, []).append(lab.id)
    return out


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
