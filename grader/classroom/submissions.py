"""What was handed in: the submissions in the command line's files and folders.

Every entry is treated as hostile. A folder on the command line holds one submission per
entry; an entry that looks like a submission always becomes exactly one ``Submission`` —
graded, or with a one-line ``problem`` when it is a symbolic link, a device, a FIFO, a
socket, unreadable, or a folder without a notebook. Nothing is followed or opened while
looking: entries are ``lstat``-ed, student folders are walked without following links, and
the grader later opens the chosen file with ``O_NOFOLLOW``
(``grader.grading.cells.submission_bytes``). Entries that are not submissions (hidden
files, ``.DS_Store``, ``.ipynb_checkpoints``, ``__MACOSX``...) are listed in ``ignored``.
The instructor's own command-line arguments may be links: they are resolved once.

Which student a submission belongs to is decided later (``grader.classroom.identity``).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from grader.grading.cells import refusal, shown
from grader.labs import Lab

JUNK = {"__MACOSX", "__pycache__", "node_modules", "Thumbs.db", "desktop.ini",
        "Icon\r"}
SUFFIXES = (".ipynb", ".py")
MAX_WALK = 5000  # entries looked at inside one student's folder


def is_junk(name: str) -> bool:
    """Not a submission: hidden files and folders (``.DS_Store``, ``.git``,
    ``.ipynb_checkpoints``), OS and tool leftovers."""
    return name.startswith(".") or name in JUNK or name.startswith("~$")


@dataclass
class Submission:
    """One entry handed in. ``key`` is the name it was handed in under (a file's stem, a
    folder's name); ``student``, ``name`` and ``warning`` are set by
    ``grader.classroom.identity``; ``problem`` when there is nothing runnable to grade."""

    key: str
    path: Path  # the notebook or script to grade (the entry itself when there is none)
    entry: Path  # the file or folder handed in
    problem: str = ""
    student: str = ""
    name: str = ""
    warning: str = ""


@dataclass
class Found:
    """Submissions in input order, and the entries that are not submissions."""

    submissions: list[Submission] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    repeated: list[str] = field(default_factory=list)


def _walk(folder: Path) -> tuple[dict[str, list[tuple[Path, int]]], str]:
    """Candidate files (path, lstat mode) by suffix under ``folder``, never following a
    link, skipping junk; or a reason the folder could not be looked through."""
    found: dict[str, list[tuple[Path, int]]] = {s: [] for s in SUFFIXES}
    stack = [folder]
    seen = 0
    while stack:
        current = stack.pop()
        try:
            with os.scandir(current) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            if current == folder:
                return found, f"{shown(folder)}/ cannot be read ({exc.strerror})."
            continue
        for entry in entries:
            seen += 1
            if seen > MAX_WALK:
                return found, (f"{shown(folder)}/ holds more than {MAX_WALK} files; hand in "
                               "the lab's folder only.")
            if is_junk(entry.name):
                continue
            try:
                mode = entry.stat(follow_symlinks=False).st_mode
            except OSError:
                continue
            if stat.S_ISDIR(mode):
                stack.append(Path(entry.path))
            elif os.path.splitext(entry.name)[1] in found:
                found[os.path.splitext(entry.name)[1]].append((Path(entry.path), mode))
    for paths in found.values():
        paths.sort(key=lambda item: str(item[0]))
    return found, ""


def pick_notebook(folder: Path, lab: Lab) -> tuple[Path | None, str]:
    """The notebook (or script) inside a student's folder, or a reason there is none."""
    candidates, problem = _walk(folder)
    if problem:
        return None, problem
    for suffix in SUFFIXES:
        found = candidates[suffix]
        if len(found) > 1:
            preferred = [(p, m) for p, m in found if p.stem == "lab" or lab.id in p.parts
                         or p.stem.startswith(lab.number)]
            if len(preferred) != 1:
                names = ", ".join(shown(p) for p, _ in found[:5])
                return None, (f"{shown(folder)}/ holds several {suffix} files ({names}); "
                              "keep only the one to grade (or name it lab.ipynb).")
            found = preferred
        if found:
            path, mode = found[0]
            reason = refusal(path, mode)
            return (None, reason) if reason else (path, "")
    return None, f"{shown(folder)}/ holds no notebook (.ipynb) or script (.py)."


def _entry(path: Path, lab: Lab) -> Submission:
    """One entry of a folder (``path`` is not followed if it is a link)."""
    try:
        mode = os.lstat(path).st_mode
    except OSError as exc:
        return Submission(path.stem, path, path,
                          f"{shown(path)}: cannot be read ({exc.strerror}).")
    if stat.S_ISDIR(mode):  # a folder is named by its whole name, a file by its stem
        picked, problem = pick_notebook(path, lab)
        return Submission(path.name, picked or path, path, problem)
    return Submission(path.stem, path, path, refusal(path, mode))


def inside(path: Path, folder: Path) -> bool:
    """``path`` names a file physically inside ``folder`` (a resolved folder), with no link
    on the way: what the walk guarantees, checked once more before anything is read."""
    real = os.path.realpath(path)
    return real == os.path.abspath(path) and real.startswith(os.path.join(str(folder), ""))


def find_submissions(inputs: list[Path], lab: Lab) -> Found:
    """Expand the command line's files and folders into submissions, in order."""
    found = Found()
    seen: set[str] = set()

    def add(sub: Submission, folder: Path | None = None) -> None:
        where = os.path.normpath(os.path.abspath(sub.entry))
        if where in seen:
            found.repeated.append(shown(sub.entry))
            return
        seen.add(where)
        if folder is not None and not sub.problem and not inside(sub.path, folder):
            sub.problem = f"{shown(sub.path)}: is reached through a link; hand in the file itself."
        found.submissions.append(sub)

    for item in inputs:
        try:
            target = Path(os.path.realpath(item))  # the instructor's own links are followed
            mode = os.stat(target).st_mode
        except OSError as exc:
            add(Submission(item.stem, item, item,
                           f"{shown(item)}: cannot be read ({exc.strerror})."))
            continue
        if not stat.S_ISDIR(mode):
            sub = _entry(target, lab)
            add(Submission(item.stem, sub.path, target, sub.problem))
            continue
        try:
            with os.scandir(target) as it:
                names = sorted(e.name for e in it)
        except OSError as exc:
            add(Submission(item.name, item, item,
                           f"{shown(item)}/ cannot be read ({exc.strerror})."))
            continue
        for name in names:
            if is_junk(name):
                found.ignored.append(f"{shown(item)}/{shown(Path(name))}")
            else:
                add(_entry(target / name, lab), target)
    return found
