"""Instructor-only checks (an overlay folder) and per-student variants when a class is graded."""

from __future__ import annotations

import csv
import io
import json
import os
import secrets
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from grader.checks import zero_result
from grader.classroom import grade_class
from grader.classroom.gradescope import build_bundle, student_values
from grader.cli import app
from grader.errors import CourseError
from grader.grading import Limits, grade_iter
from grader.labs import find_lab, load_lab
from grader.labs.build import notebook_text
from grader.labs.course import Course
from grader.labs.overlay import grading_checks, overlay_checks
from grader.paths import course_root
from grader.results import gradescope_results
from tests.grading.walls import PRELUDE, needs_walls, report

LAB = find_lab("01")
SECRET = "class-of-2027-secret-0123456789"
OVERLAY_CHECKS = '''
from grader import check


@check(points=1, hint="")
def keeps_its_own_key_pair(aws):
    """Only the learner's own key pair is in the account"""
    names = [k["KeyName"] for k in aws.client("ec2").describe_key_pairs()["KeyPairs"]]
    assert names == [aws.params["prefix"] + "-key"], f"key pairs: {names}"


@check(points=2, visibility="after_due_date")
def golden_image_is_private(aws):
    """The golden image is not public"""
    images = aws.client("ec2").describe_images(Owners=["self"])["Images"]
    assert images and not any(i.get("Public") for i in images), "a public image"
'''
OVERLAY_NAMES = ["keeps_its_own_key_pair", "golden_image_is_private"]


def make_overlay(folder: Path, text: str = OVERLAY_CHECKS) -> Path:
    (folder / LAB.id).mkdir(parents=True, exist_ok=True)
    (folder / LAB.id / "checks.py").write_text(text)
    return folder


# --- loading ------------------------------------------------------------------------------


def test_overlay_checks_follow_the_labs_and_are_hidden_unless_they_say(tmp_path):
    specs = grading_checks(LAB, make_overlay(tmp_path / "mine"))
    assert [s.name for s in specs] == [s.name for s in LAB.checks()] + OVERLAY_NAMES
    shown = {s.name: s.shown for s in specs}
    assert shown["keeps_its_own_key_pair"] == "hidden"
    assert shown["golden_image_is_private"] == "after_due_date"
    assert shown["key_pair_created"] == "visible"
    assert [s.name for s in grading_checks(LAB)] == [s.name for s in LAB.checks()]


@pytest.mark.parametrize("case, message", [
    ("no folder", "no such folder"),
    ("no file", f"no {LAB.id}/checks.py in it"),
    ("no checks", "defines no @check functions"),
    ("same name", "'key_pair_created' is also a check of"),
    ("in the course", "is inside the course"),
])
def test_a_bad_overlay_is_one_line_naming_the_fix(tmp_path, case, message):
    folder = tmp_path / "mine"
    if case == "no file":
        folder.mkdir()
    elif case == "no checks":
        make_overlay(folder, "X = 1\n")
    elif case == "same name":
        make_overlay(folder, OVERLAY_CHECKS.replace("keeps_its_own_key_pair",
                                                    "key_pair_created"))
    elif case == "in the course":
        folder = course_root() / "labs"
    with pytest.raises(CourseError, match=message) as caught:
        grading_checks(LAB, folder) if case == "same name" else overlay_checks(folder, LAB)
    assert "\n" not in str(caught.value)


def test_lab_toml_can_hold_back_one_of_its_own_checks(tmp_path):
    folder = tmp_path / LAB.id
    shutil.copytree(LAB.path, folder)
    with open(folder / "lab.toml", "a") as toml:
        toml.write('\n[checks.builder_terminated]\nvisibility = "after_published"\n')
    shown = {s.name: s.shown for s in load_lab(folder).checks()}
    assert shown["builder_terminated"] == "after_published"
    assert shown["key_pair_created"] == "visible"


def test_results_json_carries_visibility_and_feedback_shows_only_visible(tmp_path):
    specs = grading_checks(LAB, make_overlay(tmp_path / "mine"))
    result = zero_result(LAB.id, specs, "failed", "")
    tests = {t["number"]: t["visibility"] for t in gradescope_results(result)["tests"]}
    assert tests["keeps_its_own_key_pair"] == "hidden"
    assert tests["golden_image_is_private"] == "after_due_date"
    learner = result.for_learner()
    assert [t.name for t in learner.tests] == [s.name for s in LAB.checks()]
    assert "2 more checks graded" in learner.output


def test_the_bundle_carries_the_overlay_beside_the_lab(tmp_path):
    wheel = tmp_path / "computelab-0.1.0-py3-none-any.whl"
    wheel.write_text("stub")
    bundle = build_bundle(LAB, tmp_path / "b.zip", wheel=wheel,
                          overlay=make_overlay(tmp_path / "mine"))
    with zipfile.ZipFile(bundle) as z:
        names = set(z.namelist())
        config = json.loads(z.read("config.json"))
        setup = z.read("setup.sh").decode()
    assert f"overlay/{LAB.id}/checks.py" in names and config["overlay"] == "overlay"
    assert 'chmod -R go-rwx "$SOURCE"' in setup  # root-only, as the lab's own files
    plain = build_bundle(LAB, tmp_path / "p.zip", wheel=wheel)
    with zipfile.ZipFile(plain) as z:
        assert not any(n.startswith("overlay/") for n in z.namelist())
        assert "overlay" not in json.loads(z.read("config.json"))


def test_grade_with_a_missing_overlay_is_a_one_line_error(tmp_path):
    sub = tmp_path / "alice.py"
    sub.write_text("x = 1\n")
    result = CliRunner().invoke(app, ["grade", "01", str(sub), "--out", str(tmp_path / "out"),
                                      "--checks-overlay", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "--checks-overlay" in result.output and "no such folder" in result.output


# --- grading a class (real pool, real sandbox servers) -------------------------------------


@pytest.mark.slow
def test_variant_class_with_overlay_grades_each_student_on_their_values(tmp_path):
    course = Course(secret=SECRET)
    folder = tmp_path / "class"
    folder.mkdir()
    for student in ("alice", "bob", "carol"):
        values = course.values(LAB, student)
        (folder / f"{student}.ipynb").write_text(notebook_text(LAB, solved=True, values=values))
    shutil.copy(folder / "alice.ipynb", folder / "dave.ipynb")  # dave copies alice
    prefixes = {course.values(LAB, s)["prefix"] for s in ("alice", "bob", "carol", "dave")}
    assert len(prefixes) == 4
    out = tmp_path / "out"
    report_ = grade_class(LAB, [folder], out, limits=Limits(timeout=120), jobs=2,
                          overlay=make_overlay(tmp_path / "mine"), course=course)
    rows = {row.student: row.result for row in report_.rows}
    for student in ("alice", "bob", "carol"):
        assert [t.name for t in rows[student].tests if not t.passed] == [], student
    lost = {t.name for t in rows["dave"].tests if not t.passed}
    assert {"key_pair_created", "golden_ami_from_builder", "keeps_its_own_key_pair"} <= lost
    gradebook = list(csv.DictReader(io.StringIO((out / "gradebook.csv").read_text())))
    assert {"keeps_its_own_key_pair", "golden_image_is_private"} <= set(gradebook[0])
    alice = out / "students" / "alice"
    tests = json.loads((alice / "results.json").read_text())["tests"]
    assert {t["number"]: t["visibility"] for t in tests}["keeps_its_own_key_pair"] == "hidden"
    feedback = (alice / "feedback.md").read_text()
    assert "Only the learner's own key pair" not in feedback
    assert "2 more checks graded" in feedback


@pytest.mark.slow
@needs_walls
def test_a_submission_cannot_see_the_overlay(tmp_path):
    mine = Path("/opt") / f"computelab-overlay-{secrets.token_hex(4)}"
    try:
        make_overlay(mine)
        for path in (mine, mine / LAB.id, mine / LAB.id / "checks.py"):
            path.chmod(0o755 if path.is_dir() else 0o644)  # even readable by anyone
        script = tmp_path / "snoop.py"
        script.write_text(PRELUDE + f"import os\nfound(seen=os.path.exists("
                                    f"{str(mine / LAB.id / 'checks.py')!r}))\n")
        graded = list(grade_iter(LAB, [script], Limits(timeout=60), jobs=1, overlay=mine))
    finally:
        shutil.rmtree(mine, ignore_errors=True)
    result = graded[0].result
    assert report(result.output) == {"seen": False}
    assert {"keeps_its_own_key_pair", "golden_image_is_private"} <= {t.name for t in
                                                                      result.tests}


@pytest.mark.slow
def test_run_autograder_runs_the_overlay_and_marks_it_hidden(tmp_path, computelab_home):
    wheel = tmp_path / "computelab-0.1.0-py3-none-any.whl"
    wheel.write_text("stub")
    bundle = build_bundle(LAB, tmp_path / "b.zip", timeout=120, wheel=wheel,
                          overlay=make_overlay(tmp_path / "mine"))
    root = tmp_path / "autograder"
    with zipfile.ZipFile(bundle) as z:
        z.extractall(root / "source")
    (root / "submission").mkdir()
    shutil.copy(LAB.path / "solution.ipynb", root / "submission" / "work.ipynb")
    env = {**os.environ, "COMPUTELAB_AUTOGRADER_ROOT": str(root),
           "COMPUTELAB_PYTHON": sys.executable, "COMPUTELAB_HOME": str(computelab_home)}
    done = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    tests = json.loads((root / "results" / "results.json").read_text())["tests"]
    by_name = {t["number"]: t for t in tests}
    assert by_name["keeps_its_own_key_pair"]["visibility"] == "hidden"
    assert by_name["keeps_its_own_key_pair"]["status"] == "passed"
    assert by_name["golden_image_is_private"]["visibility"] == "after_due_date"
    assert by_name["key_pair_created"]["visibility"] == "visible"


def test_gradescope_grades_the_submitter_on_the_values_of_their_email(tmp_path):
    course = tmp_path / "course.toml"
    course.write_text(f'[variants]\nsecret = "{SECRET}"\n')
    wheel = tmp_path / "computelab-0.1.0-py3-none-any.whl"
    wheel.write_text("stub")
    with zipfile.ZipFile(build_bundle(LAB, tmp_path / "b.zip", wheel=wheel,
                                      course=course)) as z:
        assert json.loads(z.read("config.json"))["course"] == "course.toml"
        assert z.read("course.toml") == course.read_bytes()
    root = tmp_path / "autograder"
    root.mkdir()
    assert student_values(root, LAB, course) == LAB.defaults  # no metadata: defaults
    (root / "submission_metadata.json").write_text(json.dumps(
        {"users": [{"email": "alice@uni.edu", "id": 1, "name": "Alice"}]}))
    assert student_values(root, LAB, course) == Course(secret=SECRET).values(LAB,
                                                                             "alice@uni.edu")
    assert student_values(root, LAB, None) == LAB.defaults


def test_grade_with_a_bad_course_file_is_a_one_line_error(tmp_path):
    sub = tmp_path / "alice.py"
    sub.write_text("x = 1\n")
    course = tmp_path / "course.toml"
    course.write_text('[variants]\nsecret = "short"\n')
    result = CliRunner().invoke(app, ["grade", "01", str(sub), "--out", str(tmp_path / "out"),
                                      "--course", str(course)])
    assert result.exit_code == 2
    assert "secret must be text of at least 16 characters" in result.output
