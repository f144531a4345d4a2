"""Combine shards' ``--out`` folders into one (``computelab merge SHARD_DIR... --out DIR``).

Each shard folder's ``rows.json`` says which lab, checks and shard it holds. The merge
refuses, with one line naming the problem, anything that would make a gradebook lie:
folders of different labs or check lists, shards of different splits (``2/4`` with
``1/3``) or the same shard twice, a student in two folders, and results graded by more
than one ComputeLab version or checks hash (``LabResult.stamp``). Otherwise it copies
each student's files, then writes ``rows.json``, ``gradebook.csv`` and ``junit.xml`` with
the rows in the order one unsharded run gives them.

Rows already in ``--out`` are kept unless a shard has a better one for the student
(``grader.classroom.rows.preferred``): merging the same shards again changes nothing, and
a late regrade made in ``--out`` is not undone by a second merge.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from grader.classroom.ids import id_key
from grader.classroom.outputs import OutputDir, read_rows, write_atomic
from grader.classroom.rows import Row, combine
from grader.errors import SubmissionError
from grader.grading.cells import shown

STUDENT_FILES = ("results.json", "feedback.md", "feedback.html", "record.json")


@dataclass
class Merged:
    """What ``merge`` wrote."""

    out: Path
    rows: list[Row]
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Part:
    folder: Path
    lab: str
    checks: list[str]
    shard: str
    rows: list[Row]


def _read(folder: Path) -> _Part:
    header, rows = read_rows(folder)
    if not header:
        raise SubmissionError(f"{shown(folder)}: no rows.json here; give the --out folders "
                              "that `computelab grade --shard` wrote.")
    return _Part(folder, str(header.get("lab")), [str(c) for c in header.get("checks") or []],
                 str(header.get("shard") or ""), rows)


def _same(what: str, values: dict[str, str]) -> None:
    """Refuse when the folders disagree on ``what``."""
    if len(set(values.values())) > 1:
        shownv = "; ".join(f"{k}: {v or '(none)'}" for k, v in list(values.items())[:4])
        raise SubmissionError(f"The folders hold different {what} ({shownv}); merge only "
                              "shards of one grading run.")


def _check_shards(parts: list[_Part]) -> list[str]:
    """Refuse mixed splits or a shard given twice; warn about shards not given."""
    counts = {shown(p.folder): p.shard.partition("/")[2] for p in parts}
    _same("shard counts", counts)
    seen: dict[str, Path] = {}
    for part in parts:
        if part.shard and part.shard in seen:
            raise SubmissionError(f"Shard {part.shard} is given twice ({shown(seen[part.shard])}"
                                  f" and {shown(part.folder)}); give each shard once.")
        seen[part.shard] = part.folder
    total = next(iter(counts.values()), "")
    if not total:
        return []
    absent = [f"{i}/{total}" for i in range(1, int(total) + 1) if f"{i}/{total}" not in seen]
    return [f"shards not given, their students have no rows: {', '.join(absent)}."] \
        if absent else []


def merge(folders: list[Path], out: Path) -> Merged:
    """Merge the shard folders into ``out`` (see the module docstring)."""
    if not folders:
        raise SubmissionError("Give at least one shard folder to merge.")
    target = os.path.realpath(out)
    if any(os.path.realpath(f) == target for f in folders):
        raise SubmissionError(f"{shown(out)} is one of the shards; merge into a new folder.")
    parts = [_read(f) for f in folders]
    _same("labs", {shown(p.folder): p.lab for p in parts})
    _same("check lists", {shown(p.folder): ",".join(p.checks) for p in parts})
    warnings = _check_shards(parts)
    owner: dict[str, _Part] = {}
    for part in parts:
        for row in part.rows:
            other = owner.setdefault(id_key(row.student), part)
            if other is not part:
                raise SubmissionError(
                    f"Student {row.student!r} is in {shown(other.folder)} and in "
                    f"{shown(part.folder)}: shards must not overlap.")
    kinds = sorted({r.result.stamp for p in parts for r in p.rows})
    if len(kinds) > 1:
        raise SubmissionError(
            f"The shards were graded by different ComputeLab versions or checks "
            f"({'; '.join(k or '(unstamped)' for k in kinds[:3])}); regrade the odd shard "
            "with --force, then merge.")
    lab, checks = parts[0].lab, parts[0].checks
    output = OutputDir(out, lab, checks)
    earlier = output.earlier()
    incoming = sorted((r for p in parts for r in p.rows), key=lambda r: r.order)
    rows = combine(earlier, incoming)
    taken = {id(r) for r in incoming}
    for row in rows:
        if id(row) in taken:
            _copy_student(owner[id_key(row.student)], row, output)
    output.write_reports(rows)
    return Merged(out, rows, warnings)


def _copy_student(part: _Part, row: Row, output: OutputDir) -> None:
    """The student's files from the shard (a missing student has none)."""
    source = OutputDir(part.folder, part.lab, part.checks).student_dir(row.student)
    target = output.student_dir(row.student)
    for name in STUDENT_FILES:
        path = source / name
        if path.is_file() and not path.is_symlink():
            write_atomic(target / name, path.read_text(encoding="utf-8"))
