"""Instructor-only checks: extra checks that live in the instructor's own folder.

A lab's checks.py ships in the repository, the wheel and every learner's machine, so a
"hidden" flag in it would hide nothing. Checks the learner must not see are kept apart::

    my-grading/                       never inside the course, a workspace or a template
      01-ec2-from-ami/checks.py       ordinary @check functions for lab 01

and passed to ``computelab grade --checks-overlay my-grading`` or ``computelab gradescope
--checks-overlay my-grading`` (the bundle keeps them with the lab's files, readable by root
only). Grading loads them where it loads the lab's checks: in the pool, before any
submission runs, never in the submission's zygote; the folder is hidden from submissions
like the course is. Their results are ``hidden`` in Gradescope unless the check says
``@check(..., visibility="after_due_date")`` (or ``after_published``, ``visible``).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from grader.checks import CheckSpec, collect
from grader.errors import CourseError
from grader.labs.model import Lab, load_checks_module
from grader.paths import course_root

OVERLAY_VISIBILITY = "hidden"


def overlay_file(folder: Path, lab: Lab) -> Path:
    return folder / lab.id / "checks.py"


def overlay_checks(folder: Path, lab: Lab) -> list[CheckSpec]:
    """The instructor's checks for ``lab`` in ``folder`` (``hidden`` unless they say)."""
    path = overlay_file(folder, lab)
    if not folder.is_dir():
        raise CourseError(f"--checks-overlay {folder}: no such folder.")
    inside = course_root().resolve()
    if (course_root() / "labs").is_dir() and folder.resolve().is_relative_to(inside):
        raise CourseError(f"--checks-overlay {folder} is inside the course ({inside}), which "
                          "learners get; keep instructor-only checks in a folder of your own.")
    if not path.is_file():
        raise CourseError(f"--checks-overlay {folder}: no {lab.id}/checks.py in it; put the "
                          f"extra checks for {lab.id} there.")
    module = load_checks_module(f"computelab_overlay.{lab.id}.checks", path)
    specs = [spec if spec.visibility else dataclasses.replace(spec, visibility=OVERLAY_VISIBILITY)
             for spec in collect(vars(module))]
    if not specs:
        raise CourseError(f"{path} defines no @check functions.")
    return specs


def grading_checks(lab: Lab, overlay: Path | None = None) -> list[CheckSpec]:
    """What grading runs: the lab's checks, then the instructor's (names must differ)."""
    specs = lab.checks()
    if overlay is None:
        return specs
    extra = overlay_checks(overlay, lab)
    taken = {spec.name for spec in specs}
    clash = [spec.name for spec in extra if spec.name in taken]
    if clash:
        raise CourseError(f"{overlay_file(overlay, lab)}: {clash[0]!r} is also a check of "
                          f"{lab.id}; give the instructor-only check another name.")
    return specs + extra
