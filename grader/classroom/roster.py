"""The roster: a CSV that maps submission names to student ids (and names).

Matching is exact first, then ignoring case (GitHub user names are case-insensitive), then
the same two after stripping a declared prefix (``--prefix lab-01-`` for GitHub Classroom
repositories ``lab-01-alice``). Nothing else: a guess such as "ends with the user name"
would credit ``lab-01-bob-alice`` to ``alice``. A name matching several roster rows in the
first step that matches at all is ambiguous: the caller warns and credits nobody.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from grader.classroom.ids import id_key
from grader.errors import SubmissionError

KEY_COLUMNS = ("submission", "file", "folder", "repository", "repo", "github_username",
               "github", "login", "username")
ID_COLUMNS = ("student", "student_id", "identifier", "id", "email")
MAX_ROSTER_BYTES = 16 * 1024 * 1024


def header_key(header: str) -> str:
    """A column's header as the roster compares it: ``SIS User ID`` -> ``sis_user_id``."""
    return "_".join(header.strip().lower().replace("-", " ").split())


@dataclass(frozen=True)
class Student:
    """One roster row: the submission name it claims, its id as written, a display name."""

    key: str
    student: str
    name: str = ""
    fields: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    """Every column of the row by its normalised header (``SIS User ID`` -> ``sis_user_id``):
    the ids an LMS file needs (``grader.classroom.lms``)."""


@dataclass
class Roster:
    """Submission names -> student ids (and names), from a CSV file."""

    students: list[Student]
    warnings: list[str]
    _exact: dict[str, list[Student]] = field(init=False, repr=False)
    _folded: dict[str, list[Student]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._exact, self._folded = {}, {}
        for student in self.students:
            self._exact.setdefault(student.key, []).append(student)
            self._folded.setdefault(id_key(student.key), []).append(student)

    @classmethod
    def read(cls, where: Path) -> Roster:
        """Read a roster CSV; a one-line ``SubmissionError`` when it cannot be used."""
        try:
            with open(where, "rb") as f:
                data = f.read(MAX_ROSTER_BYTES + 1)
        except OSError as exc:
            raise SubmissionError(f"Cannot read the roster {where}: {exc.strerror}.") from exc
        if len(data) > MAX_ROSTER_BYTES:
            raise SubmissionError(f"{where.name}: a roster over 16 MB is not a class list.")
        try:
            return cls.parse(data.decode("utf-8-sig"), where.name)
        except UnicodeDecodeError as exc:
            raise SubmissionError(f"{where.name}: the roster is not UTF-8 text; save it as "
                                  "'CSV UTF-8' and try again.") from exc

    @classmethod
    def parse(cls, text: str, label: str = "roster") -> Roster:
        try:
            reader = csv.DictReader(io.StringIO(text))
            fields = {header_key(f): f for f in (reader.fieldnames or [])}
            id_col = next((fields[c] for c in ID_COLUMNS if c in fields), None)
            key_col = next((fields[c] for c in KEY_COLUMNS if c in fields), id_col)
            if id_col is None or key_col is None:
                raise SubmissionError(
                    f"{label}: the roster needs a 'student' column (and optionally 'file' "
                    "or 'github_username' naming each submission).")
            name_col = fields.get("name")
            students: list[Student] = []
            warnings: list[str] = []
            ids: set[str] = set()
            for line, row in enumerate(reader, 2):
                student = str(row.get(id_col) or "").strip()
                key = str(row.get(key_col) or "").strip() or student
                if not student:
                    continue
                if id_key(student) in ids:  # (ignoring case: one folder per student)
                    warnings.append(f"{label} line {line}: student {student!r} is listed "
                                    "again; only the first row is used.")
                    continue
                ids.add(id_key(student))
                name = str(row.get(name_col) or "").strip() if name_col else ""
                extra = {k: str(row.get(f) or "").strip() for k, f in fields.items()}
                students.append(Student(key, student, name, extra))
        except csv.Error as exc:
            raise SubmissionError(f"{label}: not a readable CSV file ({exc}).") from exc
        return cls(students, warnings)

    def match(self, name: str, prefix: str = "") -> list[Student]:
        """The roster rows ``name`` matches in the first step that matches anything (one:
        a match; several: ambiguous; none: not on the roster)."""
        names = [name]
        if prefix and len(name) > len(prefix) and id_key(name[:len(prefix)]) == id_key(prefix):
            names.append(name[len(prefix):])
        for candidate in names:
            hits = self._exact.get(candidate) or self._folded.get(id_key(candidate))
            if hits:
                return list(hits)
        return []
