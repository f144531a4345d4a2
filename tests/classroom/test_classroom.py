"""Class grading around the engine: ids, roster, outputs, resume, Gradescope bundle."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from typer.testing import CliRunner

from grader import classroom
from grader.checks import zero_result
from grader.classroom import batch, grade_class
from grader.classroom.gradescope import build_bundle
from grader.classroom.identity import assign
from grader.classroom.outputs import OutputDir, write_atomic
from grader.classroom.roster import Roster
from grader.classroom.submissions import find_submissions
from grader.cli import app
from grader.errors import SubmissionError
from grader.grading import Graded
from grader.labs import find_lab
from grader.results import LabResult, Status, gradescope_results

LAB = find_lab("01")
SPECS = LAB.checks()


def partial_result(passed: set[str]) -> LabResult:
    """A result where only ``passed`` checks passed (no sandbox needed)."""
    result = zero_result(LAB.id, SPECS, "failed", "", LAB.defaults)
    for t in result.tests:
        if t.name in passed:
            t.score, t.status, t.output = t.max_score, "passed", "Done."
        else:
            t.output = f"Not done: {t.title}"
    result.status = "passed" if len(passed) == len(SPECS) else "failed"
    result.output = ""
    return result


FULL = {s.name for s in SPECS}


@pytest.fixture
def fake_engine(monkeypatch):
    """Replace the process pool: a submission's score is written in its file name."""
    calls = []

    def fake_grade_iter(lab, paths, limits=None, jobs=None, hide=None, on_ready=None, **_):
        calls.append([p.name for p in paths])
        for index, path in enumerate(paths):
            text = path.read_text()
            result = partial_result(FULL if "solved" in text else {"key_pair_created"})
            yield Graded(index, result, 1.5)

    monkeypatch.setattr(batch, "grade_iter", fake_grade_iter)
    return calls


def write(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# --- student ids and the roster ----------------------------------------------------------


def test_student_ids_come_from_file_and_folder_names(tmp_path):
    write(tmp_path / "class" / "alice.ipynb")
    write(tmp_path / "class" / "bob" / "work" / "lab.ipynb")
    write(tmp_path / "class" / "bob" / ".ipynb_checkpoints" / "lab-checkpoint.ipynb")
    write(tmp_path / "class" / "carol" / "notes.md")
    write(tmp_path / "class" / "dan" / "a.ipynb")
    write(tmp_path / "class" / "dan" / "b.ipynb")
    write(tmp_path / "class" / ".DS_Store")
    write(tmp_path / "erin.py")
    found = find_submissions([tmp_path / "class", tmp_path / "erin.py"], LAB)
    assign(found.submissions, None)
    by_id = {s.student: s for s in found.submissions}
    assert list(by_id) == ["alice", "bob", "carol", "dan", "erin"]
    assert by_id["bob"].path.name == "lab.ipynb" and not by_id["bob"].problem
    assert "holds no notebook" in by_id["carol"].problem
    assert "several .ipynb files" in by_id["dan"].problem
    assert found.ignored == ["class/.DS_Store"]


def test_roster_maps_github_classroom_repos_by_declared_prefix_and_lists_missing(tmp_path):
    roster = write(tmp_path / "roster.csv", "identifier,github_username,name\n"
                   "s001,alice-gh,Alice A\ns002,bob-gh,Bob B\ns003,carol-gh,Carol C\n")
    write(tmp_path / "class" / "lab-01-alice-gh.ipynb")
    write(tmp_path / "class" / "lab-01-Bob-GH" / "lab.ipynb")
    write(tmp_path / "class" / "stranger.ipynb")
    subs = find_submissions([tmp_path / "class"], LAB).submissions
    done = assign(subs, Roster.read(roster), prefix="lab-01-")
    assert [(s.student, s.name) for s in subs] == [("s002", "Bob B"), ("s001", "Alice A"),
                                                   ("stranger", "")]
    assert [m.student for m in done.missing] == ["s003"]
    assert done.warnings == ["stranger.ipynb: not on the roster; graded as 'stranger'."]


def test_roster_without_the_prefix_never_guesses_by_suffix(tmp_path):
    roster = Roster.parse("student,github_username\ns001,alice\n")
    assert roster.match("lab-01-alice") == []
    assert roster.match("lab-01-bob-alice", "lab-01-") == []
    assert [s.student for s in roster.match("ALICE")] == ["s001"]
    assert [s.student for s in roster.match("lab-01-alice", "lab-01-")] == ["s001"]


def test_roster_without_a_student_column_is_a_one_line_error(tmp_path):
    with pytest.raises(SubmissionError, match="needs a 'student' column"):
        Roster.read(write(tmp_path / "r.csv", "who,what\na,b\n"))


def test_a_roster_that_is_not_utf8_is_a_one_line_error(tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(b"student\n\xff\xfe\n")
    with pytest.raises(SubmissionError, match="not UTF-8"):
        Roster.read(path)


def test_two_submissions_for_one_student_both_get_rows_with_warnings(tmp_path, fake_engine):
    write(tmp_path / "alice.ipynb", "solved")
    write(tmp_path / "alice.py", "half")
    report = grade_class(LAB, [tmp_path / "alice.ipynb", tmp_path / "alice.py"],
                         tmp_path / "out")
    assert [r.student for r in report.rows] == ["alice.ipynb", "alice.py"]
    assert all("also has the id 'alice'" in r.warning for r in report.rows)
    assert len(report.warnings) == 2


def test_an_exact_roster_match_wins_over_one_ignoring_case(tmp_path, fake_engine):
    write(tmp_path / "class" / "alice.ipynb", "solved")
    roster = write(tmp_path / "roster.csv", "student,login\ns001,alice\ns002,Alice\n")
    report = grade_class(LAB, [tmp_path / "class"], tmp_path / "out", roster=roster)
    rows = {r.student: r for r in report.rows}
    assert rows["s001"].result.status == "passed" and not rows["s001"].warning
    assert rows["s002"].result.status == "missing" and report.warnings == []


def test_two_roster_rows_claiming_one_submission_credit_nobody(tmp_path, fake_engine):
    write(tmp_path / "class" / "ALICE.ipynb", "solved")
    roster = write(tmp_path / "roster.csv", "student,login\ns001,alice\ns002,Alice\n")
    report = grade_class(LAB, [tmp_path / "class"], tmp_path / "out", roster=roster)
    rows = {r.student: r for r in report.rows}
    assert rows["ALICE"].result.score == 15
    assert "matches several students on the roster (s001, s002)" in rows["ALICE"].warning
    assert "matches several students" in (tmp_path / "out" / "gradebook.csv").read_text()
    assert rows["s001"].result.status == rows["s002"].result.status == "missing"


def test_a_roster_student_claimed_by_two_submissions_is_missing_with_a_note(
        tmp_path, fake_engine):
    write(tmp_path / "class" / "lab-01-alice.ipynb", "solved")
    write(tmp_path / "class" / "alice.ipynb", "half")
    roster = write(tmp_path / "roster.csv", "student,login\ns001,alice\n")
    report = grade_class(LAB, [tmp_path / "class"], tmp_path / "out", roster=roster,
                         prefix="lab-01-")
    rows = {r.student: r for r in report.rows}
    assert set(rows) == {"alice", "lab-01-alice", "s001"}
    assert rows["s001"].result.status == "missing"
    assert "Several submissions map to this student" in rows["s001"].result.output


def test_a_submission_named_like_another_students_roster_id_does_not_take_it(
        tmp_path, fake_engine):
    write(tmp_path / "class" / "s001.ipynb", "half")
    write(tmp_path / "class" / "alice.ipynb", "solved")
    roster = write(tmp_path / "roster.csv", "student,login\ns001,alice\n")
    report = grade_class(LAB, [tmp_path / "class"], tmp_path / "out", roster=roster)
    rows = {r.student: r for r in report.rows}
    assert rows["s001"].result.score == 15  # alice's work
    assert rows["s001.ipynb"].result.score == 1 and "s001.ipynb" in rows


# --- outputs -----------------------------------------------------------------------------


def test_outputs_gradebook_junit_results_and_feedback(tmp_path, fake_engine):
    subs = tmp_path / "class"
    write(subs / "alice.ipynb", "solved")
    write(subs / "bob.ipynb", "half")
    write(subs / "carol" / "notes.md")
    out = tmp_path / "out"
    report = grade_class(LAB, [subs], out)
    assert [r.student for r in report.rows] == ["alice", "bob", "carol"]
    assert report.graded == 2 and fake_engine == [["alice.ipynb", "bob.ipynb"]]

    rows = list(csv.DictReader(io.StringIO((out / "gradebook.csv").read_text())))
    assert list(rows[0])[:5] == ["student", "lab", "score", "max", "status"]
    assert [s.name for s in SPECS] == list(rows[0])[5:5 + len(SPECS)]
    assert list(rows[0])[-3:] == ["duration_s", "submission", "note"]
    assert [(r["student"], r["score"], r["status"]) for r in rows] == [
        ("alice", "15", "passed"), ("bob", "1", "failed"), ("carol", "0", "error")]
    assert rows[1]["key_pair_created"] == "1" and rows[1]["two_web_instances"] == "0"
    assert "holds no notebook" in rows[2]["note"]

    junit = ET.parse(out / "junit.xml").getroot()
    assert junit.get("tests") == str(3 * len(SPECS))
    suites = {s.get("name"): s for s in junit}
    assert suites["alice"].get("failures") == "0"
    assert suites["bob"].get("failures") == str(len(SPECS) - 1)
    assert suites["carol"].get("errors") == str(len(SPECS))

    results = json.loads((out / "students" / "bob" / "results.json").read_text())
    assert results["score"] == 1 and len(results["tests"]) == len(SPECS)
    assert {t["status"] for t in results["tests"]} == {"passed", "failed"}
    assert "Hint:" in results["tests"][0]["output"]
    assert "execution_time" not in results  # deterministic files: no timings
    markdown = (out / "students" / "bob" / "feedback.md").read_text()
    assert markdown.startswith("# 01-ec2-from-ami: 1/15 — bob")
    assert "Key pair web-key exists" in markdown and "Hint: `" in markdown
    page = (out / "students" / "bob" / "feedback.html").read_text()
    assert page.startswith("<!doctype html>") and "computelab-result" in page


def test_gradescope_results_use_only_passed_and_failed():
    result = zero_result(LAB.id, SPECS, "timeout", "Stopped after 5 s (time limit).")
    data = gradescope_results(result, "alice")
    assert data["score"] == 0 and data["output"] == "Stopped after 5 s (time limit)."
    assert {t["status"] for t in data["tests"]} == {"failed"}
    assert data["extra_data"] == {"lab": LAB.id, "status": "timeout", "student": "alice",
                                  "max_score": 15.0}


def test_missing_roster_students_get_a_row(tmp_path, fake_engine):
    write(tmp_path / "class" / "alice.ipynb", "solved")
    roster = write(tmp_path / "roster.csv", "student\nalice\nzoe\n")
    report = grade_class(LAB, [tmp_path / "class"], tmp_path / "out", roster=roster)
    assert [(r.student, r.result.status) for r in report.rows] == [("alice", "passed"),
                                                                  ("zoe", "missing")]
    assert "zoe,01-ec2-from-ami,0,15,missing" in (tmp_path / "out" / "gradebook.csv").read_text()


# --- resume --------------------------------------------------------------------------------


def test_rerun_grades_only_what_is_missing_or_changed(tmp_path, fake_engine):
    subs = tmp_path / "class"
    write(subs / "alice.ipynb", "solved")
    write(subs / "bob.ipynb", "half")
    out = tmp_path / "out"
    grade_class(LAB, [subs], out)
    again = grade_class(LAB, [subs], out)
    assert again.graded == 0 and again.skipped == 2 and len(fake_engine) == 1
    assert [r.result.score for r in again.rows] == [15, 1]
    write(subs / "bob.ipynb", "solved now")
    third = grade_class(LAB, [subs], out)
    assert fake_engine[-1] == ["bob.ipynb"] and third.graded == 1
    forced = grade_class(LAB, [subs], out, force=True)
    assert fake_engine[-1] == ["alice.ipynb", "bob.ipynb"] and forced.graded == 2


def test_an_interrupted_batch_keeps_finished_rows_and_resumes(tmp_path, fake_engine):
    subs = tmp_path / "class"
    for name in ("a", "b", "c"):
        write(subs / f"{name}.ipynb", "solved")
    out = tmp_path / "out"

    def stop_after_first(row):
        if not row.skipped:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        grade_class(LAB, [subs], out, on_row=stop_after_first)
    gradebook = (out / "gradebook.csv").read_text()
    assert "a,01-ec2-from-ami,15,15,passed" in gradebook and "\nb," not in gradebook
    assert sorted(p.name for p in (out / "students").iterdir()) == ["a"]
    rest = grade_class(LAB, [subs], out)
    assert fake_engine[-1] == ["b.ipynb", "c.ipynb"] and rest.skipped == 1


def test_a_half_written_student_is_graded_again(tmp_path, fake_engine):
    subs = tmp_path / "class"
    write(subs / "a.ipynb", "solved")
    out = tmp_path / "out"
    grade_class(LAB, [subs], out)
    (out / "students" / "a" / "record.json").unlink()  # crashed before the last write
    assert grade_class(LAB, [subs], out).graded == 1


def test_writes_are_atomic(tmp_path):
    target = tmp_path / "f.txt"
    write_atomic(target, "one")
    write_atomic(target, "two")
    assert target.read_text() == "two" and [p.name for p in tmp_path.iterdir()] == ["f.txt"]


def test_output_dir_rejects_stale_records(tmp_path):
    path = write(tmp_path / "alice.ipynb", "v1")
    sub = classroom.Submission("alice", path, path, student="alice")
    output = OutputDir(tmp_path / "out", LAB, SPECS)
    output.save(classroom.Row("alice", sub.path, zero_result(LAB.id, SPECS, Status.ERROR, "x")))
    assert output.finished(sub) is not None
    sub.path.write_text("v2")
    assert output.finished(sub) is None


# --- the command line ------------------------------------------------------------------------


def test_grade_command_prints_a_table_and_where_the_files_are(tmp_path, fake_engine):
    write(tmp_path / "class" / "alice.ipynb", "solved")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["grade", "01", str(tmp_path / "class"), "--out",
                                      str(out)])
    assert result.exit_code == 0, result.output
    assert "alice" in result.output and "15/15" in result.output
    assert "gradebook.csv" in result.output
    again = CliRunner().invoke(app, ["grade", "01", str(tmp_path / "class"), "--out",
                                     str(out)])
    assert "1 already graded" in again.output and "earlier run" in again.output


def test_grade_command_json_is_only_json(tmp_path, fake_engine):
    write(tmp_path / "class" / "alice.ipynb", "solved")
    result = CliRunner().invoke(app, ["grade", "01", str(tmp_path / "class"), "--out",
                                      str(tmp_path / "out"), "--json"])
    rows = json.loads(result.output)
    assert rows[0]["student"] == "alice" and rows[0]["score"] == 15


# --- Gradescope ------------------------------------------------------------------------------


def test_bundle_has_scripts_lab_and_wheel_but_no_solution(tmp_path):
    wheel = write(tmp_path / "computelab-0.1.0-py3-none-any.whl", "not really a wheel")
    bundle = build_bundle(LAB, tmp_path / "bundle.zip", timeout=30, memory_mb=512, wheel=wheel)
    with zipfile.ZipFile(bundle) as z:
        names = set(z.namelist())
        modes = {i.filename: i.external_attr >> 16 for i in z.infolist()}
        config = json.loads(z.read("config.json"))
    assert {"setup.sh", "run_autograder", "config.json", "wheels/" + wheel.name,
            f"labs/{LAB.id}/lab.toml", f"labs/{LAB.id}/checks.py"} <= names
    assert not any("solution" in n for n in names)
    assert modes["run_autograder"] & stat.S_IXUSR and modes["setup.sh"] & stat.S_IXUSR
    assert config == {"lab": LAB.id, "timeout": 30, "memory_mb": 512}


def _autograder_tree(tmp_path: Path, submission: Path | None) -> Path:
    wheel = write(tmp_path / "computelab-0.1.0-py3-none-any.whl", "stub")
    bundle = build_bundle(LAB, tmp_path / "bundle.zip", timeout=60, wheel=wheel)
    root = tmp_path / "autograder"
    with zipfile.ZipFile(bundle) as z:
        z.extractall(root / "source")
    (root / "submission").mkdir()
    if submission is not None:
        shutil.copy(submission, root / "submission" / "my-work.ipynb")
    return root


def _run_autograder(root: Path, home: Path) -> dict:
    env = {**os.environ, "COMPUTELAB_AUTOGRADER_ROOT": str(root),
           "COMPUTELAB_PYTHON": sys.executable, "COMPUTELAB_HOME": str(home)}
    done = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads((root / "results" / "results.json").read_text())


@pytest.mark.slow
def test_run_autograder_grades_the_submission_in_a_fake_tree(tmp_path, computelab_home):
    root = _autograder_tree(tmp_path, LAB.path / "solution.ipynb")
    results = _run_autograder(root, computelab_home)
    assert results["score"] == 15 and len(results["tests"]) == len(SPECS)
    assert all(t["status"] == "passed" for t in results["tests"])


def test_run_autograder_without_a_notebook_scores_zero(tmp_path, computelab_home):
    root = _autograder_tree(tmp_path, None)
    results = _run_autograder(root, computelab_home)
    assert results["score"] == 0
    assert results["output"] == "Your submission has no notebook (.ipynb) or script (.py)."


@pytest.mark.slow
def test_gradescope_command_builds_a_real_wheel(tmp_path):
    out = tmp_path / "lab01.zip"
    result = CliRunner().invoke(app, ["gradescope", "01", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as z:
        wheels = [n for n in z.namelist() if n.startswith("wheels/computelab-")]
        assert len(wheels) == 1 and wheels[0].endswith(".whl")
        z.extract(wheels[0], tmp_path)
    with zipfile.ZipFile(tmp_path / wheels[0]) as wheel:
        assert "grader/grading/pool.py" in wheel.namelist()


def test_a_student_listed_twice_on_the_roster_is_a_warning():
    roster = Roster.parse("student,login\ns001,alice\nS001,bob\n", "r.csv")
    assert [s.student for s in roster.students] == ["s001"]
    assert roster.warnings == ["r.csv line 3: student 'S001' is listed again; only the first "
                               "row is used."]


def test_ids_stay_unique_however_many_submissions_collide(tmp_path):
    from grader.classroom.submissions import Submission

    subs = [Submission("alice", tmp_path / "alice.ipynb", tmp_path / "alice.ipynb")
            for _ in range(6)]  # the same entry six times: every claim collides
    assign(subs, None)
    ids = [s.student for s in subs]
    assert len(set(ids)) == 6 and all(s.warning for s in subs)


def test_grade_command_with_roster_and_prefix_prints_warnings_as_text(tmp_path, fake_engine):
    write(tmp_path / "class" / "lab-01-alice.ipynb", "solved")
    write(tmp_path / "class" / "[bold]eve.ipynb", "half")
    roster = write(tmp_path / "roster.csv",
                   'student,login,name\ns001,alice,"=cmd|\' /C calc\'!A0"\n')
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["grade", "01", str(tmp_path / "class"), "--out",
                                      str(out), "--roster", str(roster), "--prefix",
                                      "lab-01-"])
    assert result.exit_code == 0, result.output
    assert "[bold]eve.ipynb: not on the roster" in result.output
    rows = {r["student"]: r for r in csv.DictReader(io.StringIO(
        (out / "gradebook.csv").read_text()))}
    assert rows["s001"]["name"] == "'=cmd|' /C calc'!A0" and rows["s001"]["score"] == "15"
    assert "not on the roster" in rows["_bold_eve-869beb5f"]["note"]
