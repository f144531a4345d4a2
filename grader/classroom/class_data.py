"""A graded class read back from its ``--out`` folder, for the instructor report.

The numbers come from ``gradebook.csv`` (so the report can never disagree with the
gradebook the instructor uploads); what each check said comes from the students'
``record.json``. Both are the grader's own files in a private folder, but they are parsed
defensively all the same: a damaged record costs its messages, never the report.
"""

from __future__ import annotations

import csv
import json
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.classroom.outputs import RUN_FILE, student_folder
from grader.errors import ComputeLabError
from grader.results import Status

FIXED_COLUMNS = {"student", "name", "lab", "score", "max", "status", "duration_s",
                 "submission", "note"}


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
    gradebook = out / "gradebook.csv"
    try:
        text = gradebook.read_text(encoding="utf-8")
    except OSError as exc:
        raise ComputeLabError(f"{out}: no gradebook.csv here; give the --out folder of "
                              "`computelab grade` (e.g. grades/01-ec2-from-ami).") from exc
    reader = csv.DictReader(text.splitlines())
    checks = [c for c in (reader.fieldnames or []) if c not in FIXED_COLUMNS]
    rows = [_row(line, checks) for line in reader]
    lab = next((line["lab"] for line in csv.DictReader(text.splitlines()) if line.get("lab")),
               out.name)
    data = ClassData(lab, checks, {}, rows, isolation=_run_info(out).get("isolation", ""))
    for row in rows:
        record = _record(student_folder(out, row.student) / "record.json")
        result = record.get("result", {}) if isinstance(record.get("result"), dict) else {}
        data.stamp = data.stamp or str(result.get("stamp", ""))
        for test in result.get("tests", []) if isinstance(result.get("tests"), list) else []:
            if isinstance(test, dict) and test.get("name") in checks:
                name = str(test["name"])
                data.titles.setdefault(name, str(test.get("title", name)))
                row.messages[name] = (str(test.get("status", "")), str(test.get("output", "")))
    return data


def _number(value: str | None) -> float:
    try:
        return float(value or 0)
    except ValueError:
        return 0.0


def _row(line: dict[str, str], checks: list[str]) -> StudentRow:
    return StudentRow(student=line.get("student", ""), score=_number(line.get("score")),
                      max_score=_number(line.get("max")), status=line.get("status", ""),
                      duration=_number(line.get("duration_s")),
                      check_scores={c: _number(line.get(c)) for c in checks},
                      submission=line.get("submission", ""), note=line.get("note", ""))


def _record(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def _run_info(out: Path) -> dict[str, str]:
    data = _record(out / RUN_FILE)
    return {k: str(v) for k, v in data.items()}
