"""A graded class written through the real ``OutputDir``, for the report tests.

Fast: no grading pool. Each row's result is made as the grader makes them, so the
gradebook, records and run.json are byte-for-byte the formats a real run writes.
"""

from __future__ import annotations

from pathlib import Path

from grader.checks import zero_result
from grader.classroom.outputs import OutputDir
from grader.classroom.rows import Row
from grader.labs import Lab, find_lab
from grader.results import CheckResult, LabResult, Status

LAB = "01"


def lab() -> Lab:
    return find_lab(LAB)


def result(lab: Lab, failing: dict[str, str], status: str = "") -> LabResult:
    """Every check passes except ``failing`` (check name -> message)."""
    tests = []
    for spec in lab.checks():
        message = failing.get(spec.name)
        tests.append(CheckResult(spec.name, spec.title, 0 if message else spec.points,
                                 spec.points, Status.FAILED if message else Status.PASSED,
                                 message or "Done.", spec.hint))
    return LabResult(lab.id, tests, status=status, stamp="computelab 0.1.0, checks abc123")


def write_class(out: Path, students: dict[str, tuple[dict[str, str], float, Path | None]],
                *, missing: tuple[str, ...] = (), errors: tuple[str, ...] = (),
                isolation: str = "all walls in force") -> list[Row]:
    """Grade nobody, but write what grading ``students`` would have written."""
    the_lab = lab()
    output = OutputDir(out, the_lab.id, [spec.name for spec in the_lab.checks()])
    output.write_run(isolation)
    rows = []
    for student, (failing, seconds, submission) in students.items():
        row = Row(student, submission, result(the_lab, failing), seconds)
        output.save(row)
        rows.append(row)
    for student in errors:
        row = Row(student, None, zero_result(the_lab.id, the_lab.checks(), Status.ERROR,
                                             "the notebook raised in cell 3"), 4.0)
        output.save(row)
        rows.append(row)
    rows += [Row(s, None, zero_result(the_lab.id, the_lab.checks(), Status.MISSING,
                                      "no submission")) for s in missing]
    output.write_reports(rows)
    return rows
