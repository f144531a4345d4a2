"""The ``--out`` folder of a graded class.

Layout (default ``./grades/LAB``)::

    gradebook.csv                 one row per student: score, status, each check, duration
    junit.xml                     one <testsuite> per student, one <testcase> per check
    students/<id>/results.json    Gradescope's results.json format
    students/<id>/feedback.md     each check: pass/fail, message, hint
    students/<id>/feedback.html   the same, as the notebook panel shows it
    students/<id>/record.json     what resume reads: the submission's sha256 and the result

Every file is written atomically (temporary file, then rename), and ``record.json`` last: a
student is finished exactly when it exists.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import time
from pathlib import Path

from grader.checks import CheckSpec
from grader.classroom.rows import Row
from grader.classroom.submissions import Submission, safe_id
from grader.grading import seal
from grader.labs import Lab
from grader.results import (
    LabResult,
    gradescope_results,
    render_html_page,
    render_junit,
    render_markdown,
)


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` so that readers see the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def sha256_of(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


class OutputDir:
    """The ``--out`` folder: per-student files, records, gradebook and JUnit report."""

    def __init__(self, out: Path, lab: Lab, specs: list[CheckSpec]) -> None:
        self.out = out
        self.lab = lab
        self.specs = specs

    def student_dir(self, student: str) -> Path:
        return self.out / "students" / safe_id(student)

    def finished(self, sub: Submission) -> Row | None:
        """The stored row when this submission was already graded (same file contents)."""
        try:
            record = json.loads((self.student_dir(sub.student) / "record.json").read_text())
        except (OSError, ValueError):
            return None
        if record.get("lab") != self.lab.id or record.get("sha256") != sha256_of(sub.path):
            return None
        if not seal.verify(record):  # forged or tampered with: grade it again
            return None
        return Row(sub.student, sub.path, LabResult.from_dict(record["result"]),
                   record.get("duration", 0.0), skipped=True, name=sub.name)

    def save(self, row: Row) -> None:
        folder = self.student_dir(row.student)
        write_atomic(folder / "results.json",
                     json.dumps(gradescope_results(row.result, row.student), indent=2) + "\n")
        write_atomic(folder / "feedback.md", render_markdown(row.result, row.student))
        write_atomic(folder / "feedback.html", render_html_page(row.result, row.student))
        record = {"student": row.student, "lab": self.lab.id,
                  "submission": str(row.submission) if row.submission else None,
                  "sha256": sha256_of(row.submission) if row.submission else "",
                  "duration": row.duration, "graded_at": time.time(),
                  "result": row.result.to_dict()}
        write_atomic(folder / "record.json", json.dumps(seal.sign(record), indent=2) + "\n")

    def write_reports(self, rows: list[Row]) -> None:
        write_atomic(self.out / "gradebook.csv", self.gradebook(rows))
        write_atomic(self.out / "junit.xml", self.junit(rows))

    def gradebook(self, rows: list[Row]) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        names = any(r.name for r in rows)
        writer.writerow(["student", *(["name"] if names else []), "lab", "score", "max",
                         "status", *[s.name for s in self.specs], "duration_s", "submission",
                         "note"])
        for row in rows:
            scores = {t.name: t.score for t in row.result.tests}
            writer.writerow([row.student, *([row.name] if names else []), self.lab.id,
                             f"{row.result.score:g}", f"{row.result.max_score:g}",
                             row.result.status,
                             *[f"{scores.get(s.name, 0):g}" for s in self.specs],
                             f"{row.duration:.2f}",
                             str(row.submission) if row.submission else "",
                             row.result.output])
        return buffer.getvalue()

    def junit(self, rows: list[Row]) -> str:
        return render_junit(self.lab.id, ((r.student, r.result, r.duration) for r in rows))
