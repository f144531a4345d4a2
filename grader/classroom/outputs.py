"""The ``--out`` folder of a graded class.

Layout (default ``./grades/LAB``)::

    gradebook.csv                 one row per student: score, status, each check, graded_by
                                  (ComputeLab version and checks hash), duration
    rows.json                     the same rows, whole (what merge, export and a late
                                  regrade read), with the shard it holds ("2/4" or "")
    junit.xml                     one <testsuite> per student, one <testcase> per check
    run.json                      the grading run: ComputeLab version, the walls in force
    report.html, similarity.csv   the class report (``grader.classroom.report``)
    lms/<lms>.csv                 with --lms: the file that LMS imports (grader.classroom.lms)
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
from typing import Any

from grader.classroom.ids import is_safe, student_id
from grader.classroom.rows import Row
from grader.classroom.submissions import Submission
from grader.errors import SubmissionError
from grader.grading import seal
from grader.grading.cells import submission_bytes
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
RUN_FILE = "run.json"
ROWS_FILE = "rows.json"
ROWS_FORMAT = 1


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


def student_folder(out: Path, student: str) -> Path:
    """Where a student's files are in ``out`` (ids that are not safe names are hashed)."""
    return out / "students" / (student if is_safe(student) else student_id(student))


def read_rows(out: Path) -> tuple[dict[str, Any], list[Row]]:
    """``out/rows.json``: its header (lab, checks, shard) and rows; nothing when absent,
    a one-line ``SubmissionError`` when it cannot be read."""
    path = out / ROWS_FILE
    if not path.exists():
        return {}, []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        rows = [Row.from_record(r) for r in data["rows"]]
        header = {k: v for k, v in data.items() if k != "rows"}
    except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
        raise SubmissionError(f"{path}: not a ComputeLab rows file ({type(exc).__name__}); "
                              "grade into a new --out folder.") from exc
    return header, rows


class OutputDir:
    """The ``--out`` folder: per-student files, records, gradebook and JUnit report.

    ``checks`` are the lab's check names (the gradebook's columns); ``shard`` is the
    slice it holds (``"2/4"``, or ``""`` for the whole class)."""

    def __init__(self, out: Path, lab: str, checks: list[str], shard: str = "") -> None:
        self.out = out
        self.lab = lab
        self.checks = checks
        self.shard = shard

    def earlier(self) -> list[Row]:
        """The rows an earlier run left here (a late regrade keeps them); refuses a folder
        holding another lab or another shard."""
        header, rows = read_rows(self.out)
        if header and (header.get("lab"), header.get("shard", "")) != (self.lab, self.shard):
            held = f"shard {header.get('shard')} of " if header.get("shard") else ""
            raise SubmissionError(
                f"{self.out} holds {held}{header.get('lab')}'s grades; give each lab and "
                "each shard its own --out folder.")
        return rows

    def student_dir(self, student: str) -> Path:
        return student_folder(self.out, student)

    def write_run(self, isolation: str) -> None:
        """``run.json``: the grading run's version and walls, for the class report."""
        from grader import __version__

        write_atomic(self.out / RUN_FILE, json.dumps(
            {"computelab": __version__, "isolation": isolation, "started": time.time()}) + "\n")

    def finished(self, sub: Submission) -> Row | None:
        """The stored row when this submission was already graded (same file contents)."""
        try:
            record = json.loads((self.student_dir(sub.student) / "record.json").read_text())
        except (OSError, ValueError, RecursionError):
            return None
        if not isinstance(record, dict) or record.get("lab") != self.lab:
            return None
        if record.get("sha256") != sha256_of(sub.path):
            return None
        if not seal.verify(record):  # forged or tampered with: grade it again
            return None
        try:
            result = LabResult.from_dict(record["result"])
            duration = float(record.get("duration", 0.0))
            graded_at = float(record.get("graded_at", 0.0))
        except (KeyError, TypeError, ValueError):
            return None
        return Row(sub.student, sub.path, result, duration, skipped=True, name=sub.name,
                   warning=sub.warning, graded_at=graded_at)

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
        row.graded_at = row.graded_at or time.time()
        record = {"student": row.student, "lab": self.lab,
                  "submission": str(row.submission) if row.submission else None,
                  "sha256": sha256_of(row.submission) if row.submission else "",
                  "duration": row.duration, "graded_at": row.graded_at,
                  "result": row.result.to_dict()}
        write_atomic(folder / "record.json", json.dumps(seal.sign(record), indent=2) + "\n")

    def write_reports(self, rows: list[Row], whole: bool = True) -> None:
        """The gradebook and JUnit report; with ``whole``, ``rows.json`` too (a batch writes
        it only before and after grading: it holds every result in full, so rewriting it
        after each of N students would cost O(N²); the records keep finished students)."""
        if whole:
            write_atomic(self.out / ROWS_FILE, self.rows_json(rows))
        write_atomic(self.out / "gradebook.csv", self.gradebook(rows))
        write_atomic(self.out / "junit.xml", self.junit(rows))

    def rows_json(self, rows: list[Row]) -> str:
        data = {"format": ROWS_FORMAT, "lab": self.lab, "checks": self.checks,
                "shard": self.shard, "rows": [r.to_record() for r in rows]}
        return json.dumps(data, indent=1, ensure_ascii=False) + "\n"

    def gradebook(self, rows: list[Row]) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        names = any(r.name for r in rows)
        header = ["student", *(["name"] if names else []), "lab", "score", "max", "status",
                  *self.checks, "graded_by", "duration_s", "submission", "note"]
        writer.writerow([csv_cell(h) for h in header])
        for row in rows:
            scores = {t.name: t.score for t in row.result.tests}
            cells = [row.student, *([row.name] if names else []), self.lab,
                     f"{row.result.score:g}", f"{row.result.max_score:g}", row.result.status,
                     *[f"{scores.get(name, 0):g}" for name in self.checks], row.result.stamp,
                     f"{row.duration:.2f}", str(row.submission) if row.submission else "",
                     row.note]
            writer.writerow([csv_cell(c) for c in cells])
        return buffer.getvalue()

    def junit(self, rows: list[Row]) -> str:
        return render_junit(self.lab, ((r.student, r.result, r.duration) for r in rows))
