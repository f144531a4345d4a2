"""Grade a class: resumable per-student results, gradebook and reports.

No input aborts the batch or loses a row: every submission found
(``grader.classroom.submissions``) gets exactly one row, under an id of its own
(``grader.classroom.identity``); one that cannot run gets an error row with the reason.

A rerun grades only students without a record (or whose submission changed); ``force``
regrades everyone. The gradebook and JUnit file are rebuilt from the records after every
student, so a crash or Ctrl-C loses nothing; rows an earlier run left in ``out`` for
students not in this run are kept (a late submission graded on its own joins the class's
gradebook: ``grader.classroom.rows.combine``). The files are described in
``grader.classroom.outputs``.

With a ``shard`` (``grader.classroom.shards``), the whole class is still found and given
its ids (so ids are the same in every shard), then only the shard's students are graded.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from grader.checks import checks_stamp, zero_result
from grader.classroom.identity import assign
from grader.classroom.outputs import OutputDir
from grader.classroom.roster import Roster
from grader.classroom.rows import ClassReport, Row, combine
from grader.classroom.shards import Shard
from grader.classroom.submissions import find_submissions
from grader.grading import Limits, PoolInfo, grade_iter
from grader.labs import Lab
from grader.labs.course import Course
from grader.labs.overlay import grading_checks
from grader.results import Status

MAX_LISTED = 10


def listed(what: str, names: list[str]) -> str:
    """One warning line naming up to ``MAX_LISTED`` entries."""
    shown = ", ".join(names[:MAX_LISTED]) + (f" and {len(names) - MAX_LISTED} more"
                                             if len(names) > MAX_LISTED else "")
    return f"{what} ({len(names)}): {shown}."


def grade_class(lab: Lab, inputs: list[Path], out: Path, *, limits: Limits | None = None,
                jobs: int | None = None, roster: Path | None = None, prefix: str = "",
                force: bool = False, shard: Shard | None = None, overlay: Path | None = None,
                course: Course | None = None,
                on_plan: Callable[[int, int], None] | None = None,
                on_ready: Callable[[PoolInfo], None] | None = None,
                on_row: Callable[[Row], None] | None = None) -> ClassReport:
    """Grade every submission in ``inputs`` into ``out``; resumable; rows in input order.

    ``prefix`` is stripped from submission names when matching the roster; ``shard``
    grades only its slice of the class. ``overlay`` adds the instructor-only checks in that
    folder; with variants on in ``course``, each student is graded against the values
    derived from their id.
    ``on_plan(to_grade, skipped)`` is called once before grading starts, ``on_row`` after
    each student is finished (graded or resumed).
    """
    specs = grading_checks(lab, overlay)
    course = course or Course()
    found = find_submissions(inputs, lab)
    subs = found.submissions
    identities = assign(subs, Roster.read(roster) if roster else None, prefix)
    warnings = list(identities.warnings)
    if found.ignored:
        warnings.append(listed("not submissions, ignored", found.ignored))
    if found.repeated:
        warnings.append(listed("given more than once, graded once", found.repeated))
    output = OutputDir(out, lab.id, [s.name for s in specs], str(shard or ""))
    earlier = output.earlier()
    mine = [i for i, sub in enumerate(subs) if shard is None or shard.holds(sub.student)]
    rows: list[Row | None] = [None] * len(subs)
    todo: list[int] = []
    for i in mine:
        sub = subs[i]
        done = None if force or sub.problem else output.finished(sub)
        if done is not None:
            done.order = i
            rows[i] = done
        elif sub.problem:
            failed = zero_result(lab.id, specs, Status.ERROR, sub.problem,
                                 course.values(lab, sub.student))
            row = Row(sub.student, sub.path, failed, name=sub.name, warning=sub.warning,
                      order=i)
            rows[i] = row
            output.save(row)
        else:
            todo.append(i)
    now = time.time()
    missing_rows = [Row(m.student, None, zero_result(lab.id, specs, Status.MISSING, m.note,
                                                     course.values(lab, m.student)),
                        name=m.name, order=len(subs) + j, graded_at=now)
                    for j, m in enumerate(identities.missing)
                    if shard is None or shard.holds(m.student)]
    report = ClassReport(lab.id, out, [], skipped=sum(1 for r in rows if r and r.skipped),
                         warnings=warnings)
    if on_plan:
        on_plan(len(todo), len(mine) - len(todo))
    for resumed in rows:
        if resumed is not None and on_row:
            on_row(resumed)

    def current() -> list[Row]:
        return combine(earlier, [r for r in rows if r is not None] + missing_rows)

    output.write_reports(current())

    def ready(info: PoolInfo) -> None:
        report.isolation = info.isolation
        output.write_run(info.isolation)
        if on_ready:
            on_ready(info)

    stamp = checks_stamp(specs)  # which ComputeLab and checks graded it, in every output
    try:
        if todo:
            paths = [subs[i].path for i in todo]
            hide = [out, *(item for item in inputs if item.is_dir())]  # the whole class
            params = [course.values(lab, subs[i].student) for i in todo]
            for graded in grade_iter(lab, paths, limits, jobs, hide=hide, on_ready=ready,
                                     overlay=overlay, params=params):
                i = todo[graded.index]
                sub = subs[i]
                graded.result.stamp = graded.result.stamp or stamp
                row = Row(sub.student, sub.path, graded.result, graded.duration,
                          name=sub.name, warning=sub.warning, order=i)
                output.save(row)
                rows[i] = row
                report.graded += 1
                output.write_reports(current(), whole=False)
                if on_row:
                    on_row(row)
    finally:
        output.write_reports(current())
    report.rows = current()
    return report
