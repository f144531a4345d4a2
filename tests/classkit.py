"""What the class-grading tests share: lab 01, results without a sandbox, and a stand-in
for the grading pool whose scores are written in each submission's text."""

from __future__ import annotations

from pathlib import Path

from grader.checks import zero_result
from grader.grading import Graded
from grader.labs import find_lab
from grader.results import LabResult

LAB = find_lab("01")
SPECS = LAB.checks()
FULL = {s.name for s in SPECS}


def partial_result(passed: set[str]) -> LabResult:
    """A result where only ``passed`` checks passed (no sandbox needed)."""
    result = zero_result(LAB.id, SPECS, "failed", "")
    for t in result.tests:
        if t.name in passed:
            t.score, t.status, t.output = t.max_score, "passed", "Done."
        else:
            t.output = f"Not done: {t.title}"
    result.status = "passed" if len(passed) == len(SPECS) else "failed"
    result.output = ""
    return result


def write(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def fake_grade_iter(calls: list[list[str]]):
    """A ``grade_iter`` that records what it was asked and scores by the file's text:
    ``solved`` -> full marks, anything else -> one check."""

    def grade_iter(lab, paths, limits=None, jobs=None, hide=None, on_ready=None):
        calls.append([p.name for p in paths])
        for index, path in enumerate(paths):
            text = path.read_text()
            result = partial_result(FULL if "solved" in text else {"key_pair_created"})
            yield Graded(index, result, 1.5)

    return grade_iter
