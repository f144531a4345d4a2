"""A graded class read back from its ``--out`` folder, for the instructor report.

Everything comes from ``rows.json``, the file ``gradebook.csv`` is written from at the
end of every run, ``merge`` and ``export`` (so the report cannot disagree with the gradebook
the instructor uploads); the walls in force come from ``run.json``.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from grader.classroom.outputs import RUN_FILE, read_rows
from grader.errors import ComputeLabError
from grader.results import Status


@dataclass
class StudentRow:
    """One gradebook row, with what each check said (from the student's record)."""

    student: str
    score: float
    max_score: float
    status: str
    duration: float
    check_scores: dict[str, float]
    submission: str = ""
    note: str = ""
    messages: dict[str, tuple[str, str]] = field(default_factory=dict)  # check -> (status, msg)

    def passed(self, check: str) -> bool:
        status = self.messages.get(check, ("", ""))[0]
        return status == Status.PASSED


@dataclass
class CheckSummary:
    """How the class did on one check."""

    name: str
    title: str
    passed: int
    attempted: int
    failures: list[tuple[str, int]]  # the most common messages, most frequent first

    @property
    def pass_rate(self) -> float:
        return self.passed / self.attempted if self.attempted else 0.0


@dataclass
class ClassData:
    """Everything the report shows."""

    lab: str
    checks: list[str]
    titles: dict[str, str]
    rows: list[StudentRow]
    stamp: str = ""
    isolation: str = ""

    @property
    def submitted(self) -> list[StudentRow]:
        return [r for r in self.rows if r.status != Status.MISSING]

    @property
    def max_score(self) -> float:
        return max((r.max_score for r in self.rows), default=0.0)

    def scores(self) -> list[float]:
        return [r.score for r in self.submitted]

    def mean(self) -> float:
        return statistics.fmean(self.scores()) if self.submitted else 0.0

    def median(self) -> float:
        return statistics.median(self.scores()) if self.submitted else 0.0

    def with_status(self, *statuses: str) -> list[StudentRow]:
        return [r for r in self.rows if r.status in statuses]

    def slowest(self, count: int = 10) -> list[StudentRow]:
        return sorted(self.submitted, key=lambda r: -r.duration)[:count]

    def check_summaries(self, top: int = 3) -> list[CheckSummary]:
        """Per check: pass rate among submitted work and its commonest failure messages."""
        graded = [r for r in self.submitted if r.messages]
        out = []
        for check in self.checks:
            failures = Counter(r.messages[check][1] for r in graded
                               if check in r.messages and not r.passed(check))
            out.append(CheckSummary(check, self.titles.get(check, check),
                                    sum(1 for r in graded if r.passed(check)), len(graded),
                                    failures.most_common(top)))
        return out


def read_class(out: Path) -> ClassData:
    """The class graded into ``out`` (``ComputeLabError`` when it is not a grades folder)."""
    header, rows = read_rows(out)
    if not header:
        raise ComputeLabError(f"{out}: no rows.json here; give the --out folder of "
                              "`computelab grade` (e.g. grades/01-ec2-from-ami).")
    checks = [str(c) for c in header.get("checks", [])]
    data = ClassData(str(header.get("lab", out.name)), checks, {}, [],
                     isolation=_run_info(out).get("isolation", ""))
    for row in rows:
        result = row.result
        data.stamp = data.stamp or result.stamp
        for test in result.tests:
            data.titles.setdefault(test.name, test.title)
        data.rows.append(StudentRow(
            row.student, result.score, result.max_score, str(result.status), row.duration,
            {t.name: t.score for t in result.tests},
            str(row.submission) if row.submission else "", row.note,
            {t.name: (str(t.status), t.output) for t in result.tests}))
    return data


def _run_info(out: Path) -> dict[str, str]:
    try:
        data = json.loads((out / RUN_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
