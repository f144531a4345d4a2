"""The CSV files LMS gradebooks import (``--lms canvas|moodle|blackboard``).

Each file has one row per student and one grade column; the LMS matches a row to its
user by an id the roster supplies (columns below, headers compared as
``grader.classroom.roster.header_key`` does: ``SIS User ID`` is ``sis_user_id``):

=========== ================================================= ==========================
LMS         file (header)                                     roster columns used
=========== ================================================= ==========================
canvas      Student, ID, SIS User ID, SIS Login ID, Section,  name, canvas_id,
            then the assignment column                        sis_user_id, sis_login_id,
                                                              section
moodle      First name, Last name, ID number, Email address,  first_name, last_name (or
            the grade column, its feedback column             name), idnumber, email
blackboard  Last Name, First Name, Username, Student ID,      last_name, first_name (or
            then the Grade Center column; every cell quoted   name), username,
                                                              student_id
=========== ================================================= ==========================

The grade column is ``--lms-column`` as the LMS names it: Canvas ``Lab 1 (12345)``
(``Name (assignment id)`` updates that assignment; a name alone creates one), Blackboard
``Lab 1 |12345`` (with the column id it updates that column; without, Blackboard adds a
text column worth 0 points), Moodle any name (you map it to a grade item on import).
Without it the column is ``ComputeLab LAB``.

A student whose row has no LMS id gets ComputeLab's student id in the main id column
(Canvas: SIS User ID, Moodle: ID number, Blackboard: Username) and the file carries a
warning; with a roster, submissions not on it are left out (they have no LMS user).
Every cell goes through ``csv_cell`` (``grader.results``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

from grader.classroom.ids import id_key, student_id
from grader.classroom.outputs import write_atomic
from grader.classroom.roster import Roster, Student
from grader.classroom.rows import Row
from grader.errors import SubmissionError
from grader.results import csv_cell

LMS_NAMES = ("canvas", "moodle", "blackboard")


def lms_kinds(kinds: list[str]) -> list[str]:
    """``kinds`` checked (lower-cased, once each) before any grading starts."""
    wanted = list(dict.fromkeys(k.strip().lower() for k in kinds))
    for kind in wanted:
        if kind not in FORMATS:
            raise SubmissionError(f"--lms {kind}: choose one of {', '.join(LMS_NAMES)}.")
    return wanted


def _first(student: Student | None, *columns: str) -> str:
    fields = student.fields if student else {}
    return next((fields[c] for c in columns if fields.get(c)), "")


def _names(student: Student | None, row: Row) -> tuple[str, str]:
    """(first, last): the roster's columns, else its name split at the last space."""
    first, last = _first(student, "first_name"), _first(student, "last_name", "surname")
    if first or last:
        return first, last
    given, _, family = ((student.name if student else "") or row.name
                        or row.student).rpartition(" ")
    return (given, family) if given else (family, "")


def _canvas(row: Row, who: Student | None, score: str, feedback: str) -> tuple[list[str], bool]:
    ids = [_first(who, "canvas_id", "canvas_user_id"), _first(who, "sis_user_id"),
           _first(who, "sis_login_id", "login_id")]
    known = any(ids)
    if not known:
        ids[1] = row.student
    name = (who.name if who else "") or row.name or row.student
    return [name, *ids, _first(who, "section"), score], known


def _moodle(row: Row, who: Student | None, score: str, feedback: str) -> tuple[list[str], bool]:
    idnumber, email = _first(who, "idnumber", "id_number"), _first(who, "email",
                                                                   "email_address")
    known = bool(idnumber or email)
    return [*_names(who, row), idnumber if known else row.student, email, score,
            feedback], known


def _blackboard(row: Row, who: Student | None, score: str,
                feedback: str) -> tuple[list[str], bool]:
    username = _first(who, "username", "user_name", "blackboard_username")
    first, last = _names(who, row)
    return [last, first, username or row.student, _first(who, "student_id"), score], \
        bool(username)


Builder = Callable[[Row, Student | None, str, str], tuple[list[str], bool]]
FORMATS: dict[str, tuple[list[str], Builder, str]] = {
    # the header before the grade column, the row builder, the id column a fallback fills
    "canvas": (["Student", "ID", "SIS User ID", "SIS Login ID", "Section"], _canvas,
               "SIS User ID"),
    "moodle": (["First name", "Last name", "ID number", "Email address"], _moodle,
               "ID number"),
    "blackboard": (["Last Name", "First Name", "Username", "Student ID"], _blackboard,
                   "Username"),
}


def lms_csv(kind: str, rows: list[Row], roster: Roster | None, lab: str,
            column: str = "") -> tuple[str, list[str]]:
    """The ``kind`` LMS's import file for ``rows``, and warnings (one line each)."""
    kind = lms_kinds([kind])[0]
    lead, build, fallback = FORMATS[kind]
    column = column.strip() or f"ComputeLab {lab}"
    header = [*lead, column, *([f"{column} (feedback)"] if kind == "moodle" else [])]
    listed = {id_key(student_id(s.student)): s for s in roster.students} if roster else {}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n",  # Blackboard wants every cell quoted
                        quoting=csv.QUOTE_ALL if kind == "blackboard" else csv.QUOTE_MINIMAL)
    writer.writerow([csv_cell(h) for h in header])
    left_out, unknown = [], []
    for row in sorted(rows, key=lambda r: r.order):
        who = listed.get(id_key(row.student))
        if roster is not None and who is None:
            left_out.append(row.student)
            continue
        result = row.result
        feedback = (f"{result.score:g}/{result.max_score:g} {result.status}"
                    f"{'; ' + row.note if row.note else ''} (graded by {result.stamp})")
        cells, known = build(row, who, f"{result.score:g}", feedback)
        if not known:
            unknown.append(row.student)
        writer.writerow([csv_cell(c) for c in cells])
    warnings = []
    if unknown:
        source = "the roster has no LMS id for" if roster else "no --roster: no LMS ids for"
        warnings.append(f"{kind}: {source} {len(unknown)} student(s) ({', '.join(unknown[:5])}"
                        f"); their '{fallback}' is ComputeLab's student id: check it is the "
                        "LMS's before importing.")
    if left_out:
        warnings.append(f"{kind}: not on the roster, left out ({len(left_out)}): "
                        f"{', '.join(left_out[:5])}.")
    return buffer.getvalue(), warnings


def write_lms(out: Path, kind: str, rows: list[Row], roster: Roster | None, lab: str,
              column: str = "") -> tuple[Path, list[str]]:
    """Write ``out/lms/<kind>.csv``; return its path and the warnings."""
    text, warnings = lms_csv(kind, rows, roster, lab, column)
    target = out / "lms" / f"{kind}.csv"
    write_atomic(target, text)
    return target, warnings
