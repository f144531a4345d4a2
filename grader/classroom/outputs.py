"""The ``--out`` folder of a graded class.

Layout (default ``./grades/LAB``)::

    gradebook.csv                 one row per student: score, status, each check, duration
    junit.xml                     one <testsuite> per student, one <testcase> per check
    students/<id>/results.json    Gradescope's results.json format (each test's visibility)
    students/<id>/feedback.md     each visible check: pass/fail, message, hint (checks that
                                  are hidden or shown later are counted, never shown)
    students/<id>/feedback.html   the same, as the notebook panel shows it
    students/<id>/record.json     what resume reads: the submission's sha256 and the result

Every file is written atomically (temporary file, then rename), and ``record.json`` last: a
student is finished exactly when it exists. The folder holds personal data (names, ids,
grades): files are created ``0600`` and folders ``0700`` whatever the umask. Every text
that came from a submission or the roster goes through its sink's escaping function
(``grader.results``: ``csv_cell``; the renderers do the rest).
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
from grader.classroom.ids import is_safe, student_id
from grader.classroom.rows import Row
from grader.classroom.submissions import Submission
from grader.errors import SubmissionError
from grader.grading import seal
from grader.grading.cells import submission_bytes
from grader.labs import Lab
from grader.results import (
    LabResult,
    csv_cell,
    gradescope_results,
    render_html_page,
    render_junit,
    render_markdown,
)

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def private_dir(path: Path) -> None:
    """Create ``path`` and its missing parents as folders only the owner can open (an
    existing folder keeps its mode: ``--out .`` must not lock the current folder)."""
    missing = []
    for folder in [path, *path.parents]:
        if folder.is_dir():
            break
        missing.append(folder)
    for folder in reversed(missing):
        folder.mkdir(mode=PRIVATE_DIR, exist_ok=True)
        os.chmod(folder, PRIVATE_DIR)  # whatever the umask


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` so that readers see the old file or the new one, never half of one;
    the file is private (``0600``) and never written through a link."""
    private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.unlink()  # a leftover of a crashed run (unlink never follows a link)
    except FileNotFoundError:
        pass
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(tmp, flags | getattr(os, "O_CLOEXEC", 0), PRIVATE_FILE)
    os.fchmod(fd, PRIVATE_FILE)
    with open(fd, "w", encoding="utf-8", errors="replace") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def sha256_of(path: Path) -> str:
    """The submission's digest, read as ``grader.grading`` reads it (no links, no FIFOs,
    size capped); empty when it cannot be read."""
    try:
        return hashlib.sha256(submission_bytes(path)).hexdigest()
    except SubmissionError:
        return ""


class OutputDir:
    """The ``--out`` folder: per-student files, records, gradebook and JUnit report."""

    def __init__(self, out: Path, lab: Lab, specs: list[CheckSpec]) -> None:
        self.out = out
        self.lab = lab
        self.specs = specs

    def student_dir(self, student: str) -> Path:
        return self.out / "students" / (student if is_safe(student) else student_id(student))

    def finished(self, sub: Submission) -> Row | None:
        """The stored row when this submission was already graded (same file contents)."""
        try:
            record = json.loads((self.student_dir(sub.student) / "record.json").read_text())
        except (OSError, ValueError, RecursionError):
            return None
        if not isinstance(record, dict) or record.get("lab") != self.lab.id:
            return None
        if record.get("sha256") != sha256_of(sub.path):
            return None
        if not seal.verify(record):  # forged or tampered with: grade it again
            return None
        try:
            result = LabResult.from_dict(record["result"])
            duration = float(record.get("duration", 0.0))
        except (KeyError, TypeError, ValueError):
            return None
        return Row(sub.student, sub.path, result, duration, skipped=True, name=sub.name,
                   warning=sub.warning)

    def save(self, row: Row) -> None:
        folder = self.student_dir(row.student)
        private_dir(folder)
        for mine in (folder.parent, folder):  # also when an older run left them open
            os.chmod(mine, PRIVATE_DIR)
        write_atomic(folder / "results.json",
                     json.dumps(gradescope_results(row.result, row.student), indent=2) + "\n")
        shown = row.result.for_learner()  # feedback files go to students
        write_atomic(folder / "feedback.md", render_markdown(shown, row.student))
        write_atomic(folder / "feedback.html", render_html_page(shown, row.student))
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
        header = ["student", *(["name"] if names else []), "lab", "score", "max", "status",
                  *[s.name for s in self.specs], "duration_s", "submission", "note"]
        writer.writerow([csv_cell(h) for h in header])
        for row in rows:
            scores = {t.name: t.score for t in row.result.tests}
            cells = [row.student, *([row.name] if names else []), self.lab.id,
                     f"{row.result.score:g}", f"{row.result.max_score:g}", row.result.status,
                     *[f"{scores.get(s.name, 0):g}" for s in self.specs],
                     f"{row.duration:.2f}", str(row.submission) if row.submission else "",
                     row.note]
            writer.writerow([csv_cell(c) for c in cells])
        return buffer.getvalue()

    def junit(self, rows: list[Row]) -> str:
        return render_junit(self.lab.id, ((r.student, r.result, r.duration) for r in rows))
