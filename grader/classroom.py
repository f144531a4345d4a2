"""Grade a class: student ids, roster, resumable per-student results, gradebook and reports.

Layout of ``--out`` (default ``./grades/LAB``)::

    gradebook.csv                 one row per student: score, status, each check, duration
    junit.xml                     one <testsuite> per student, one <testcase> per check
    students/<id>/results.json    Gradescope's results.json format
    students/<id>/feedback.md     each check: pass/fail, message, hint
    students/<id>/feedback.html   the same, as the notebook panel shows it
    students/<id>/record.json     what resume reads: the submission's sha256 and the result

Every file is written atomically (temporary file, then rename), and ``record.json`` last: a
student is finished exactly when it exists. A rerun grades only students without a record
(or whose submission changed); ``force`` regrades everyone. The gradebook and JUnit file
are rebuilt from the records after every student, so a crash or Ctrl-C loses nothing.

Student ids (see content/instructor/grading.md): a file ``alice.ipynb`` is student
``alice``; a folder passed on the command line holds one submission per entry (a file, or a
sub-folder named after the student with the notebook somewhere inside); a roster CSV maps
those names to ids and lists who did not submit.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from grader.checks import ERROR, PASSED, CheckSpec, LabResult, render_html, zero_result
from grader.errors import SubmissionError
from grader.grading import Limits, PoolInfo, grade_iter
from grader.labs import Lab

MISSING = "missing"
SKIP_DIRS = {".ipynb_checkpoints", "__pycache__", ".git", ".github", "node_modules"}
_KEY_COLUMNS = ("submission", "file", "folder", "repository", "repo", "github_username",
                "github", "login", "username")
_ID_COLUMNS = ("student", "student_id", "identifier", "id", "email")


@dataclass
class Submission:
    """One student's work (``problem`` set when there is nothing runnable to grade)."""

    student: str
    path: Path
    name: str = ""
    problem: str = ""


@dataclass
class Row:
    """One gradebook row."""

    student: str
    submission: Path | None
    result: LabResult
    duration: float = 0.0
    skipped: bool = False
    name: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"student": self.student,
                "submission": str(self.submission) if self.submission else None,
                "skipped": self.skipped, "duration": self.duration, **self.result.to_dict()}


@dataclass
class ClassReport:
    """What ``grade_class`` did."""

    lab: str
    out: Path
    rows: list[Row]
    graded: int = 0
    skipped: int = 0
    isolation: str = ""
    warnings: list[str] = field(default_factory=list)


# --- finding submissions ----------------------------------------------------------------


def safe_id(raw: str) -> str:
    """A student id usable as a folder name."""
    cleaned = re.sub(r"[^A-Za-z0-9._@+-]", "_", raw.strip()).lstrip(".")
    return cleaned or "_"


def _pick_notebook(folder: Path, lab: Lab) -> tuple[Path | None, str]:
    """The notebook (or script) inside a student's folder, or a reason there is none."""
    candidates: dict[str, list[Path]] = {".ipynb": [], ".py": []}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).parts
        if any(part in SKIP_DIRS or part.startswith(".") for part in rel):
            continue
        if path.is_file() and path.suffix in candidates:
            candidates[path.suffix].append(path)
    for suffix in (".ipynb", ".py"):
        found = candidates[suffix]
        if len(found) == 1:
            return found[0], ""
        if found:
            preferred = [p for p in found if p.stem == "lab" or lab.id in p.parts
                         or p.stem.startswith(lab.number)]
            if len(preferred) == 1:
                return preferred[0], ""
            names = ", ".join(str(p.relative_to(folder)) for p in found[:5])
            return None, (f"{folder.name}/ holds several {suffix} files ({names}); "
                          "keep only the one to grade (or name it lab.ipynb).")
    return None, f"{folder.name}/ holds no notebook (.ipynb) or script (.py)."


def find_submissions(inputs: list[Path], lab: Lab) -> list[Submission]:
    """Expand the command line's files and folders into named submissions, in order."""
    found: list[Submission] = []
    for item in inputs:
        if item.is_dir():
            for entry in sorted(item.iterdir()):
                if entry.name.startswith(".") or entry.name in SKIP_DIRS:
                    continue
                if entry.is_dir():
                    picked, problem = _pick_notebook(entry, lab)
                    found.append(Submission(entry.name, picked or entry, problem=problem))
                elif entry.is_file():
                    found.append(Submission(entry.stem, entry))
        else:
            found.append(Submission(item.stem, item))
    return found


@dataclass
class Roster:
    """Submission names -> student ids (and names), from a CSV file."""

    students: list[tuple[str, str, str]]  # (key, student id, display name)

    @classmethod
    def read(cls, path: Path) -> Roster:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise SubmissionError(f"Cannot read the roster {path}: {exc.strerror}.") from exc
        reader = csv.DictReader(io.StringIO(text))
        fields = {f.strip().lower(): f for f in (reader.fieldnames or [])}
        id_col = next((fields[c] for c in _ID_COLUMNS if c in fields), None)
        key_col = next((fields[c] for c in _KEY_COLUMNS if c in fields), id_col)
        if id_col is None:
            raise SubmissionError(
                f"{path.name}: the roster needs a 'student' column (and optionally 'file' or "
                "'github_username' naming each submission).")
        name_col = fields.get("name")
        students = []
        for row in reader:
            student = (row.get(id_col) or "").strip()
            key = (row.get(key_col) or "").strip() if key_col else student
            if student:
                students.append((key or student, student,
                                 (row.get(name_col) or "").strip() if name_col else ""))
        return cls(students)

    def match(self, name: str) -> tuple[str, str] | None:
        """The (student id, display name) for a submission name, if on the roster."""
        lowered = name.lower()
        for key, student, display in self.students:
            key_lower = key.lower()
            if lowered == key_lower or lowered.endswith("-" + key_lower):
                return student, display
        return None


def apply_roster(subs: list[Submission], roster: Roster | None) -> tuple[list[Submission],
                                                                        list[str], list[str]]:
    """Rename submissions by the roster; return them, the roster ids without a submission,
    and warnings about submissions not on the roster."""
    if roster is None:
        return subs, [], []
    warnings = []
    for sub in subs:
        hit = roster.match(sub.student)
        if hit:
            sub.student, sub.name = hit
        else:
            warnings.append(f"{sub.path.name}: not on the roster; graded as {sub.student!r}.")
    submitted = {s.student for s in subs}
    missing = [student for _, student, _ in roster.students if student not in submitted]
    return subs, list(dict.fromkeys(missing)), warnings


def _check_unique(subs: list[Submission]) -> None:
    seen: dict[str, Path] = {}
    for sub in subs:
        key = safe_id(sub.student)
        if key in seen:
            raise SubmissionError(
                f"Two submissions for student {sub.student!r}: {seen[key]} and {sub.path}. "
                "Keep one, or map them with --roster.")
        seen[key] = sub.path


# --- files -------------------------------------------------------------------------------


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


def gradescope_results(result: LabResult, student: str = "") -> dict[str, Any]:
    """Gradescope's results.json for one submission (deterministic: no timings)."""
    tests = []
    for t in result.tests:
        output = t.output
        if t.hint and not t.passed:
            output += f"\nHint: {t.hint}"
        tests.append({"name": t.title, "number": t.name, "score": t.score,
                      "max_score": t.max_score,
                      "status": "passed" if t.passed else "failed",
                      "output": output, "visibility": "visible"})
    output = result.output or ("All objectives done!" if result.passed else
                               "Some objectives are not done yet: see each test.")
    return {"score": result.score, "output": output, "visibility": "visible",
            "stdout_visibility": "hidden", "tests": tests,
            "extra_data": {"lab": result.lab, "status": result.status, "student": student,
                           "max_score": result.max_score}}


def feedback_markdown(result: LabResult, student: str) -> str:
    lines = [f"# {result.lab}: {result.score:g}/{result.max_score:g} — {student}", "",
             f"Status: **{result.status}**", ""]
    if result.output:
        lines += [f"> {result.output}", ""]
    lines += ["| | Objective | Points | Feedback |", "|---|---|---|---|"]
    for t in result.tests:
        mark = "✅" if t.passed else ("❌" if t.status == "failed" else "⚠️")
        note = t.output.replace("|", "\\|").replace("\n", " ")
        if t.hint and not t.passed:
            note += f"<br>Hint: `{t.hint.replace('|', '/')}`"
        lines.append(f"| {mark} | {t.title} | {t.score:g}/{t.max_score:g} | {note} |")
    return "\n".join(lines) + "\n"


def feedback_html(result: LabResult, student: str) -> str:
    title = html.escape(f"{result.lab}: {result.score:g}/{result.max_score:g} — {student}")
    note = f"<p><b>Note:</b> {html.escape(result.output)}</p>" if result.output else ""
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
            f"<body><h1>{title}</h1>{note}{render_html(result)}</body></html>\n")


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
        return Row(sub.student, sub.path, LabResult.from_dict(record["result"]),
                   record.get("duration", 0.0), skipped=True, name=sub.name)

    def save(self, row: Row) -> None:
        folder = self.student_dir(row.student)
        write_atomic(folder / "results.json",
                     json.dumps(gradescope_results(row.result, row.student), indent=2) + "\n")
        write_atomic(folder / "feedback.md", feedback_markdown(row.result, row.student))
        write_atomic(folder / "feedback.html", feedback_html(row.result, row.student))
        record = {"student": row.student, "lab": self.lab.id,
                  "submission": str(row.submission) if row.submission else None,
                  "sha256": sha256_of(row.submission) if row.submission else "",
                  "duration": row.duration, "graded_at": time.time(),
                  "result": row.result.to_dict()}
        write_atomic(folder / "record.json", json.dumps(record, indent=2) + "\n")

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
        suites = ET.Element("testsuites", name=f"computelab {self.lab.id}")
        totals = {"tests": 0, "failures": 0, "errors": 0}
        for row in rows:
            tests = row.result.tests
            failures = sum(t.status == "failed" for t in tests)
            errors = sum(t.status not in (PASSED, "failed") for t in tests)
            suite = ET.SubElement(suites, "testsuite", name=row.student, tests=str(len(tests)),
                                  failures=str(failures), errors=str(errors),
                                  time=f"{row.duration:.3f}")
            for key, value in (("tests", len(tests)), ("failures", failures),
                               ("errors", errors)):
                totals[key] += value
            if row.result.output:
                ET.SubElement(suite, "system-out").text = row.result.output
            for t in tests:
                case = ET.SubElement(suite, "testcase", classname=f"{self.lab.id}.{row.student}",
                                     name=t.name, time="0")
                if not t.passed:
                    tag = "failure" if t.status == "failed" else "error"
                    node = ET.SubElement(case, tag, message=t.output, type=t.status)
                    node.text = f"{t.title}\n{t.output}\nHint: {t.hint}"
        for key, value in totals.items():
            suites.set(key, str(value))
        ET.indent(suites)
        return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(
            suites, encoding="unicode") + "\n"


# --- the batch ---------------------------------------------------------------------------


def grade_class(lab: Lab, inputs: list[Path], out: Path, *, limits: Limits | None = None,
                jobs: int | None = None, roster: Path | None = None, force: bool = False,
                on_plan: Callable[[int, int], None] | None = None,
                on_ready: Callable[[PoolInfo], None] | None = None,
                on_row: Callable[[Row], None] | None = None) -> ClassReport:
    """Grade every submission in ``inputs`` into ``out``; resumable; rows in input order.

    ``on_plan(to_grade, skipped)`` is called once before grading starts, ``on_row`` after
    each student is finished (graded or resumed).
    """
    specs = lab.checks()
    subs = find_submissions(inputs, lab)
    subs, missing, warnings = apply_roster(subs, Roster.read(roster) if roster else None)
    _check_unique(subs)
    output = OutputDir(out, lab, specs)
    rows: list[Row | None] = [None] * len(subs)
    todo: list[int] = []
    for i, sub in enumerate(subs):
        done = None if force else output.finished(sub)
        if done is not None:
            rows[i] = done
        elif sub.problem:
            rows[i] = Row(sub.student, sub.path, zero_result(lab.id, specs, ERROR, sub.problem),
                          name=sub.name)
            output.save(rows[i])
        else:
            todo.append(i)
    missing_rows = [Row(student, None, zero_result(
        lab.id, specs, MISSING, "No submission found for this student."))
        for student in missing]
    report = ClassReport(lab.id, out, [], skipped=sum(1 for r in rows if r and r.skipped),
                         warnings=warnings)
    if on_plan:
        on_plan(len(todo), len(subs) - len(todo))
    for row in rows:
        if row is not None and on_row:
            on_row(row)

    def current() -> list[Row]:
        return [r for r in rows if r is not None] + missing_rows

    output.write_reports(current())

    def ready(info: PoolInfo) -> None:
        report.isolation = info.isolation
        if on_ready:
            on_ready(info)

    try:
        if todo:
            paths = [subs[i].path for i in todo]
            hide = [out, *(item for item in inputs if item.is_dir())]  # the whole class
            for graded in grade_iter(lab, paths, limits, jobs, hide=hide, on_ready=ready):
                i = todo[graded.index]
                sub = subs[i]
                row = Row(sub.student, sub.path, graded.result, graded.duration, name=sub.name)
                output.save(row)
                rows[i] = row
                report.graded += 1
                output.write_reports(current())
                if on_row:
                    on_row(row)
    finally:
        output.write_reports(current())
    report.rows = current()
    return report
