"""Who handed in what: submissions found in files and folders, and the roster.

Student ids (see content/instructor/grading.md): a file ``alice.ipynb`` is student
``alice``; a folder passed on the command line holds one submission per entry (a file, or a
sub-folder named after the student with the notebook somewhere inside); a roster CSV maps
those names to ids and lists who did not submit.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from grader.errors import SubmissionError
from grader.labs import Lab

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


def safe_id(raw: str) -> str:
    """A student id usable as a folder name."""
    cleaned = re.sub(r"[^A-Za-z0-9._@+-]", "_", raw.strip()).lstrip(".")
    return cleaned or "_"


def pick_notebook(folder: Path, lab: Lab) -> tuple[Path | None, str]:
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
                    picked, problem = pick_notebook(entry, lab)
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


def check_unique(subs: list[Submission]) -> None:
    seen: dict[str, Path] = {}
    for sub in subs:
        key = safe_id(sub.student)
        if key in seen:
            raise SubmissionError(
                f"Two submissions for student {sub.student!r}: {seen[key]} and {sub.path}. "
                "Keep one, or map them with --roster.")
        seen[key] = sub.path
