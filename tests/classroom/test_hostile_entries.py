"""Attacks through what is handed in: links, hard links, FIFOs, devices, sockets, huge
files, link loops and hostile names. Each gets exactly one row (an error row with a
one-line reason where it cannot be graded), nothing is followed, nothing hangs, and the
batch goes on. Grading is a small fake that reads each submission exactly as the grading
process does (``read_submission``) and gives full marks to anything that holds the
reference solution: following a link would show up as a full score."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import socket
import stat
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from typer.testing import CliRunner

from grader.checks import zero_result
from grader.classroom import batch, grade_class
from grader.cli import app
from grader.errors import SubmissionError
from grader.grading import Graded
from grader.grading.cells import read_submission
from grader.labs import find_lab
from grader.results import Status

LAB = find_lab("01")
SPECS = LAB.checks()
SOLUTION = LAB.path / "solution.ipynb"
MARKER = "create_image"  # in the solution's code, in no hand-made file here


def graded_like_the_worker(path: Path):
    try:
        cells, _ = read_submission(path)
    except SubmissionError as exc:
        return zero_result(LAB.id, SPECS, Status.ERROR, str(exc))
    full = any(MARKER in cell for cell in cells)
    result = zero_result(LAB.id, SPECS, Status.FAILED, "")
    for t in result.tests:
        t.score = t.max_score if full else 0
        t.status = Status.PASSED if full else Status.FAILED
    result.status = Status.PASSED if full else Status.FAILED
    return result


@pytest.fixture
def reading_engine(monkeypatch):
    graded: list[str] = []

    def fake_grade_iter(lab, paths, limits=None, jobs=None, hide=None, on_ready=None, **_):
        for index, path in enumerate(paths):
            graded.append(path.name)
            yield Graded(index, graded_like_the_worker(path), 0.1)

    monkeypatch.setattr(batch, "grade_iter", fake_grade_iter)
    return graded


def notebook(path: Path, code: str = "x = 1") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"cells": [{"cell_type": "code", "source": code}],
                                "nbformat": 4, "nbformat_minor": 5, "metadata": {}}))
    return path


def rows_of(report):
    return {r.student: r for r in report.rows}


def test_a_link_to_the_solution_scores_nothing_and_gets_an_error_row(tmp_path, reading_engine):
    cls = tmp_path / "class"
    notebook(cls / "honest.ipynb")
    (cls / "alice.ipynb").symlink_to(SOLUTION)
    (cls / "bob").mkdir()
    (cls / "bob" / "lab.ipynb").symlink_to(SOLUTION)
    rows = rows_of(grade_class(LAB, [cls], tmp_path / "out"))
    assert set(rows) == {"honest", "alice", "bob"}
    for student in ("alice", "bob"):
        assert rows[student].result.score == 0
        assert rows[student].result.status == "error"
        assert "is a symbolic link" in rows[student].result.output
    assert reading_engine == ["honest.ipynb"]  # the links never reached grading


def test_the_grading_read_refuses_a_link_even_when_handed_one(tmp_path):
    link = tmp_path / "sneaky.ipynb"
    link.symlink_to(SOLUTION)
    with pytest.raises(SubmissionError, match="is a symbolic link"):
        read_submission(link)


def test_a_linked_folder_is_not_walked(tmp_path, reading_engine):
    cls = tmp_path / "class"
    (cls / "carol").mkdir(parents=True)
    (cls / "carol" / "work").symlink_to(LAB.path, target_is_directory=True)
    (cls / "dave").symlink_to(LAB.path, target_is_directory=True)
    rows = rows_of(grade_class(LAB, [cls], tmp_path / "out"))
    assert "holds no notebook" in rows["carol"].result.output
    assert "is a symbolic link" in rows["dave"].result.output
    assert all(r.result.score == 0 for r in rows.values()) and reading_engine == []


def test_a_link_loop_inside_a_folder_ends(tmp_path, reading_engine):
    cls = tmp_path / "class"
    notebook(cls / "erin" / "lab.ipynb", f"# {MARKER}? no: honest work")
    (cls / "erin" / "loop").symlink_to(cls / "erin", target_is_directory=True)
    (cls / "erin" / "up").symlink_to("..", target_is_directory=True)
    (cls / "self").symlink_to("self")
    rows = rows_of(grade_class(LAB, [cls], tmp_path / "out"))
    assert rows["erin"].result.status == "passed"  # its own notebook, found once
    assert "is a symbolic link" in rows["self"].result.output


def test_a_fifo_does_not_hang_and_gets_an_error_row(tmp_path, reading_engine):
    cls = tmp_path / "class"
    (cls / "gina").mkdir(parents=True)
    os.mkfifo(cls / "frank.ipynb")
    os.mkfifo(cls / "gina" / "lab.ipynb")
    rows = rows_of(grade_class(LAB, [cls], tmp_path / "out"))
    assert "FIFO" in rows["frank"].result.output and "FIFO" in rows["gina"].result.output
    assert reading_engine == []
    with pytest.raises(SubmissionError, match="FIFO"):
        read_submission(cls / "frank.ipynb")


def test_a_device_is_never_read(tmp_path, reading_engine):
    """/dev/zero given on the command line (followed: it is the instructor's argument) and,
    where mknod is allowed, a device node inside the class folder."""
    cls = tmp_path / "class"
    cls.mkdir()
    inputs = [cls, Path("/dev/zero")]
    try:
        os.mknod(cls / "dev.ipynb", stat.S_IFCHR | 0o600, os.makedev(1, 5))
    except (PermissionError, OSError):
        pass
    report = grade_class(LAB, inputs, tmp_path / "out")
    rows = rows_of(report)
    assert "is a device" in rows["zero"].result.output  # /dev/zero itself
    assert all("is a device" in r.result.output for r in report.rows)
    assert reading_engine == []


def test_a_socket_gets_an_error_row(tmp_path, reading_engine):
    cls = tmp_path / "class"
    cls.mkdir()
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(cls / "sock.ipynb"))
        rows = rows_of(grade_class(LAB, [cls], tmp_path / "out"))
    finally:
        server.close()
    assert "is a socket" in rows["sock"].result.output


def test_a_huge_file_is_refused_without_reading_it(tmp_path, reading_engine):
    cls = tmp_path / "class"
    cls.mkdir()
    with open(cls / "huge.ipynb", "wb") as f:
        f.truncate(30 * 2**20)  # sparse: costs nothing to make
    rows = rows_of(grade_class(LAB, [cls], tmp_path / "out"))
    assert "too large" in rows["huge"].result.output
    assert rows["huge"].result.status == "error"


def test_a_hard_link_is_refused(tmp_path, reading_engine):
    """A hard link cannot be told apart from the file it names: a second name for a course
    file (say, a copy of the solution) is refused, so the student hands in a copy."""
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(SOLUTION, course / "solution.ipynb")
    cls = tmp_path / "class"
    cls.mkdir()
    os.link(course / "solution.ipynb", cls / "henry.ipynb")
    rows = rows_of(grade_class(LAB, [cls], tmp_path / "out"))
    assert rows["henry"].result.score == 0 and "hard links" in rows["henry"].result.output


def test_the_instructors_own_arguments_may_be_links(tmp_path, reading_engine):
    cls = tmp_path / "class"
    notebook(cls / "ivy.ipynb")
    (tmp_path / "latest").symlink_to(cls, target_is_directory=True)
    (tmp_path / "one.ipynb").symlink_to(cls / "ivy.ipynb")
    report = grade_class(LAB, [tmp_path / "latest"], tmp_path / "out")
    assert [r.student for r in report.rows] == ["ivy"] and report.rows[0].result.status == "failed"
    single = grade_class(LAB, [tmp_path / "one.ipynb"], tmp_path / "out2")
    assert [r.student for r in single.rows] == ["one"]
    assert single.rows[0].result.status == "failed"


def test_junk_is_listed_once_and_a_repeated_argument_graded_once(tmp_path, reading_engine):
    cls = tmp_path / "class"
    notebook(cls / "jo.ipynb")
    notebook(cls / ".ipynb_checkpoints" / "jo-checkpoint.ipynb")
    (cls / ".DS_Store").write_bytes(b"\0\0")
    (cls / "__MACOSX").mkdir()
    notebook(cls / ".hidden.ipynb")
    report = grade_class(LAB, [cls, cls / "jo.ipynb"], tmp_path / "out")
    assert [r.student for r in report.rows] == ["jo"]
    assert report.warnings == [
        "not submissions, ignored (4): class/.DS_Store, class/.hidden.ipynb, "
        "class/.ipynb_checkpoints, class/__MACOSX.",
        "given more than once, graded once (1): jo.ipynb."]


def test_a_missing_argument_is_an_error_row(tmp_path, reading_engine):
    report = grade_class(LAB, [tmp_path / "nobody.ipynb"], tmp_path / "out")
    assert report.rows[0].student == "nobody" and "cannot be read" in report.rows[0].note


HOSTILE_NAMES = ["José García", "=HYPERLINK(\"http:x\")", "+1", "-2", "@SUM(A1)",
                 "[bold red]boom[/]", "\x1b[31mred", "tab\there", "line\nbreak", "Alice",
                 "alice", "a" * 200, "a..b", "-rf", "Ωμέγα", "名前", "x-deadbeef", "\u202egnp.exe"]


def test_hostile_names_get_unique_ids_and_outputs_stay_well_formed(tmp_path, reading_engine):
    cls = tmp_path / "class"
    for name in HOSTILE_NAMES:
        notebook(cls / f"{name}.ipynb")
    (cls / "bad-utf8").mkdir()
    notebook(Path(os.fsdecode(bytes(cls / "bad-utf8") + b"/\xff\xfe.ipynb")))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["grade", "01", str(cls), str(cls / "bad-utf8"),
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "\x1b[31m" not in result.output  # no terminal escape reached the table
    rows = list(csv.reader(io.StringIO((out / "gradebook.csv").read_text())))
    ids = [r[0] for r in rows[1:]]
    assert len(ids) == len(set(ids)) == len(HOSTILE_NAMES) + 2  # + bad-utf8/ and its file
    assert len({i.casefold() for i in ids}) == len(ids)  # one folder each on macOS too
    assert not [c for r in rows for c in r if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    ET.parse(out / "junit.xml")
    folders = sorted(p.name for p in (out / "students").iterdir())
    assert len(folders) == len(ids) and all("/" not in f and not f.startswith(".")
                                            for f in folders)


def test_out_is_private(tmp_path, reading_engine):
    notebook(tmp_path / "class" / "kim.ipynb")
    out = tmp_path / "grades" / "01"
    grade_class(LAB, [tmp_path / "class"], out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    for path in out.rglob("*"):
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), path


HOSTILE_REPORTER = r'''
import gc, os
for obj in gc.get_objects():
    if type(obj).__name__ == "Reporter" and getattr(obj, "fd", None) is not None:
        for line in (b"[" * 60000, b"x" * 200000, b'{"cell": "\xff"}', b'{"cell": 1e999}',
                     b'{"done": true, "cell": 99, "error": "\x1b[2J=cmd"}', b"{" * 40000):
            try:
                os.write(obj.fd, line + b"\n")
            except OSError:
                pass
'''


@pytest.mark.slow
def test_real_pool_grades_no_link_and_a_broken_report_marks_only_its_submission(tmp_path):
    """The real grading path: a link to the solution scores nothing, a submission that
    floods its report channel with garbage (then solves the lab) still gets its marks, and
    the solved copy next to them is untouched."""
    import nbformat

    cls = tmp_path / "class"
    cls.mkdir()
    shutil.copy(SOLUTION, cls / "solved.ipynb")
    (cls / "linked.ipynb").symlink_to(SOLUTION)
    nb = nbformat.read(SOLUTION, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(HOSTILE_REPORTER))
    nbformat.write(nb, cls / "noisy.ipynb")
    report = grade_class(LAB, [cls], tmp_path / "out", jobs=2)
    rows = rows_of(report)
    assert rows["solved"].result.score == rows["solved"].result.max_score
    assert rows["linked"].result.score == 0 and "symbolic link" in rows["linked"].note
    assert rows["noisy"].result.score == rows["noisy"].result.max_score
    assert "\x1b" not in rows["noisy"].note


def test_an_entry_that_cannot_be_read_is_an_error_row(tmp_path, reading_engine, monkeypatch):
    """(As root nothing is unreadable, so the refusal is simulated at ``lstat``.)"""
    from grader.classroom import submissions

    cls = tmp_path / "class"
    notebook(cls / "liz.ipynb")
    notebook(cls / "max.ipynb")
    real_lstat = os.lstat

    def refusing(path, *args, **kwargs):
        if str(path).endswith("max.ipynb"):
            raise PermissionError(13, "Permission denied")
        return real_lstat(path, *args, **kwargs)

    monkeypatch.setattr(submissions.os, "lstat", refusing)
    rows = rows_of(grade_class(LAB, [cls], tmp_path / "out"))
    assert rows["max"].note == "max.ipynb: cannot be read (Permission denied)."
    assert rows["liz"].result.status == "failed" and reading_engine == ["liz.ipynb"]


def test_a_folder_with_too_many_files_is_an_error_row_not_a_long_walk(tmp_path, reading_engine):
    crowd = tmp_path / "class" / "ned"
    crowd.mkdir(parents=True)
    for number in range(5001):
        (crowd / f"{number}.txt").touch()
    rows = rows_of(grade_class(LAB, [tmp_path / "class"], tmp_path / "out"))
    assert "more than 5000 files" in rows["ned"].note


def test_gradescope_submission_folder_refuses_a_linked_notebook(tmp_path):
    from grader.classroom.submissions import pick_notebook

    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / "lab.ipynb").symlink_to(SOLUTION)
    path, problem = pick_notebook(tmp_path / "submission", LAB)
    assert path is None and "is a symbolic link" in problem


def test_an_existing_out_keeps_its_mode_but_its_contents_are_private(tmp_path, reading_engine):
    notebook(tmp_path / "class" / "lee.ipynb")
    out = tmp_path / "existing"
    out.mkdir(mode=0o755)
    (out / "students" / "lee").mkdir(parents=True, mode=0o755)  # an older run's folders
    grade_class(LAB, [tmp_path / "class"], out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o755
    for path in out.rglob("*"):
        assert stat.S_IMODE(path.stat().st_mode) == (0o700 if path.is_dir() else 0o600), path


@pytest.mark.parametrize("code", ["x = 1" + " + 1" * 200_000, "x = " + "-" * 500_000 + "1"],
                         ids=["recursion", "parser-stack"])
def test_a_script_too_deep_to_compile_is_an_error_not_a_crash(tmp_path, code):
    script = tmp_path / "deep.py"
    script.write_text(code)
    with pytest.raises(SubmissionError, match="the script does not parse"):
        read_submission(script)
