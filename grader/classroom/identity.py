"""Who each submission belongs to: one row per submission, ids unique, never an abort.

Each submission claims ids in order until one is its alone (each made an id by
``grader.classroom.ids.student_id``):

1. the roster's student it matches (``grader.classroom.roster``), if any;
2. its own name (``alice.ipynb`` and the folder ``alice/`` are ``alice``);
3. its full entry name (``alice.ipynb``, ``alice.py``);
4. its name plus a hash of its path (two folders on the command line holding ``alice``).

Ids are compared as a case-insensitive, normalising file system would (``id_key``). When
several submissions claim one id, a roster match wins over a name (a roster id is only
ever its own student's); otherwise none of them gets it, each moves on and carries a
warning, and a roster student claimed by several submissions is listed as missing with a
note naming them: the instructor decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from grader.classroom.ids import id_key, name_hash, student_id
from grader.classroom.roster import Roster, Student
from grader.classroom.submissions import Submission
from grader.grading.cells import shown


@dataclass
class Missing:
    """A roster student without a submission of their own (``note`` says why)."""

    student: str
    name: str
    note: str = "No submission found for this student."


@dataclass
class Identities:
    missing: list[Missing] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _claims(sub: Submission, matched: Student | None) -> list[str]:
    first = student_id(matched.student) if matched else student_id(sub.key)
    return list(dict.fromkeys([first, student_id(sub.key), student_id(sub.entry.name),
                               f"{student_id(sub.key)[:30]}-{name_hash(str(sub.entry))}"]))


def assign(subs: list[Submission], roster: Roster | None, prefix: str = "") -> Identities:
    """Set ``student``, ``name`` and ``warning`` on every submission; return the roster
    students left without one and the batch's warnings (one line each)."""
    done = Identities(warnings=list(roster.warnings) if roster else [])
    matched: list[Student | None] = []
    for sub in subs:
        hits = roster.match(sub.key, prefix) if roster else []
        students = list(dict.fromkeys(h.student for h in hits))
        if len(students) > 1:
            sub.warning = (f"matches several students on the roster ({', '.join(students[:4])}); "
                           "credited to none: fix the roster and rerun.")
        elif roster is not None and not hits:
            sub.warning = "not on the roster"  # "; graded as ..." once its id is known
        matched.append(hits[0] if len(students) == 1 else None)
    claims = [_claims(sub, hit) for sub, hit in zip(subs, matched, strict=True)]
    reserved = {id_key(student_id(s.student)) for s in roster.students} if roster else set()
    level = [0] * len(subs)
    owner: dict[str, int] = {}  # id_key -> the submission that holds it
    contested: dict[str, list[int]] = {}  # roster id -> submissions that lost it
    pending = list(range(len(subs)))
    while pending:
        wanted: dict[str, list[int]] = {}
        for i in pending:
            wanted.setdefault(id_key(_claim(claims[i], level[i], i)), []).append(i)
        pending = []
        for key, group in wanted.items():
            ranked = [i for i in group if level[i] == 0 and matched[i] is not None]
            allowed = ranked if key in reserved else group  # a roster id is its student's
            winner = None
            if key not in owner and len(ranked if len(ranked) == 1 else allowed) == 1:
                winner = (ranked if len(ranked) == 1 else allowed)[0]
            for i in group:
                if i == winner:
                    owner[key] = i
                    continue
                hit = matched[i]
                if level[i] == 0 and hit is not None:
                    contested.setdefault(hit.student, []).append(i)
                    matched[i] = None
                level[i] += 1
                pending.append(i)
    for i in sorted(owner.values()):
        sub = subs[i]
        sub.student = _claim(claims[i], level[i], i)
        hit = matched[i]
        if hit is not None:
            sub.name = hit.name
        unlisted = sub.warning == "not on the roster"
        if level[i] > 0 or unlisted:
            clash = f"another submission or roster student also has the id {claims[i][0]!r}"
            sub.warning = "; ".join(filter(None, [
                sub.warning, clash if level[i] > 0 else "", f"graded as {sub.student!r}."]))
        if sub.warning:
            done.warnings.append(f"{shown(sub.entry)}: {sub.warning}")
    if roster is not None:
        taken = {id_key(sub.student) for sub, hit in zip(subs, matched, strict=True)
                 if hit is not None}
        for student in roster.students:
            sid = student_id(student.student)
            if id_key(sid) in taken:
                continue
            missing = Missing(sid, student.name)
            if student.student in contested:
                names = ", ".join(shown(subs[i].entry) for i in contested[student.student][:4])
                missing.note = (f"Several submissions map to this student ({names}); "
                                "see their rows, keep one and rerun.")
            done.missing.append(missing)
    return done


def _claim(claims: list[str], level: int, index: int) -> str:
    """The id at ``level`` of the claims; past the last, the last with the row number and
    the level (a new id each time, so the loop in ``assign`` always ends)."""
    if level < len(claims):
        return claims[level]
    return f"{claims[-1]}-{index}-{level - len(claims)}"
