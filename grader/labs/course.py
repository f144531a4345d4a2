"""The course file: what an instructor publishes to a class about variants and grading.

::

    # course.toml
    [variants]
    secret = "a long random string, new each term"
    labs = ["01", "06"]          # optional: default every lab that declares parameters

    [graded_later]               # optional: how many instructor-only checks each lab has
    "01" = 2

Instructors pass it to ``computelab grade --course``; a learner passes it once to
``computelab start --student ID --course``, which keeps a copy (with the id) in
ComputeLab's data folder, so "Check my work" and ``computelab check`` read the learner's
values and say how many checks run only at grading. Without a course file (or without a
``[variants]`` table) every lab uses its defaults, exactly as before variants existed.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.errors import CourseError
from grader.labs.model import Lab
from grader.labs.variants import Values, defaults, derive
from grader.paths import data_dir

LEARNER_FILE = "course.json"
MIN_SECRET = 16


@dataclass(frozen=True)
class Course:
    """The published course settings (``Course()``: variants off, nothing graded later)."""

    secret: str = ""
    labs: tuple[str, ...] | None = None  # None: every lab with parameters
    graded_later: dict[str, int] = field(default_factory=dict)

    def varies(self, lab: Lab) -> bool:
        """Whether ``lab``'s students get values of their own."""
        if not self.secret or not lab.parameters:
            return False
        return self.labs is None or any(_names(lab, key) for key in self.labs)

    def values(self, lab: Lab, student: str | None) -> Values:
        """``student``'s values for ``lab``: the defaults unless variants are on for it."""
        if student and self.varies(lab):
            return derive(lab.id, lab.parameters, student, self.secret)
        return defaults(lab.parameters)

    def later(self, lab: Lab) -> int:
        """The published number of checks that run only when work is graded (0: unsaid)."""
        return next((count for key, count in self.graded_later.items() if _names(lab, key)), 0)


def _names(lab: Lab, key: str) -> bool:
    key = key.strip()
    return key == lab.id or (key.isdigit() and int(key) == int(lab.number))


def parse_course(data: Mapping[str, Any], where: str) -> Course:
    """A ``Course`` from the file's tables; ``CourseError`` names what is wrong."""
    unknown = sorted(set(data) - {"variants", "graded_later"})
    if unknown:
        raise CourseError(f"{where}: unknown table [{unknown[0]}]; use [variants] and "
                          "[graded_later].")
    variants = data.get("variants", {})
    secret = variants.get("secret", "") if isinstance(variants, dict) else None
    if not isinstance(secret, str) or (variants and len(secret) < MIN_SECRET):
        raise CourseError(f"{where}: [variants] secret must be text of at least {MIN_SECRET} "
                          "characters (e.g. `python -c 'import secrets; "
                          "print(secrets.token_hex(16))'`).")
    labs = variants.get("labs")
    if labs is not None and not (isinstance(labs, list)
                                 and all(isinstance(x, str) for x in labs)):
        raise CourseError(f"{where}: [variants] labs must be a list of lab ids or numbers.")
    later = data.get("graded_later", {})
    if not (isinstance(later, dict) and all(isinstance(v, int) and not isinstance(v, bool)
                                            and v >= 0 for v in later.values())):
        raise CourseError(f"{where}: [graded_later] maps lab ids to whole numbers of checks.")
    return Course(secret, tuple(labs) if labs is not None else None, dict(later))


def read_course(path: Path) -> Course:
    """Read a course.toml (``CourseError`` when it is missing or malformed)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CourseError(f"Cannot read the course file {path}: {exc.strerror}.") from exc
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CourseError(f"{path}: not valid TOML ({exc}).") from exc
    return parse_course(data, str(path))


@dataclass(frozen=True)
class Learner:
    """Who this machine's learner is, and the course they were given."""

    student: str = ""
    course: Course = field(default_factory=Course)

    def values(self, lab: Lab) -> Values:
        return self.course.values(lab, self.student)


def save_learner(student: str, course: Path) -> Learner:
    """Remember the learner's id and course file (``computelab start --student``)."""
    if not student.strip():
        raise CourseError("--student needs your student id, as your instructor gave it.")
    parsed = read_course(course)
    raw = tomllib.loads(course.read_text(encoding="utf-8"))
    (data_dir() / LEARNER_FILE).write_text(
        json.dumps({"student": student.strip(), "course": raw}, indent=2) + "\n",
        encoding="utf-8")
    return Learner(student.strip(), parsed)


def current_learner() -> Learner:
    """The saved learner, or nobody in particular (defaults, nothing graded later)."""
    path = data_dir() / LEARNER_FILE
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        return Learner(str(saved["student"]), parse_course(saved["course"], str(path)))
    except FileNotFoundError:
        return Learner()
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CourseError(f"{path} is damaged ({exc}); run `computelab start --student ID "
                          "--course FILE` again.") from exc
