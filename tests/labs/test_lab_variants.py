"""Per-student variants: values from the student id and the course secret, notebooks built
with them, checks that read them, and everything as before while variants are off."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from labkit import failed
from typer.testing import CliRunner

from grader.checks import resolve
from grader.cli import app
from grader.errors import CourseError, LabDefinitionError
from grader.labs import all_labs, find_lab, load_lab
from grader.labs.build import notebook_text
from grader.labs.course import Course, current_learner, read_course, save_learner
from grader.session import check_lab

SECRET = "test-course-secret-0123456789"
COURSE = Course(secret=SECRET)
LAB01, LAB06 = find_lab("01"), find_lab("06")
VARIANT_LABS = [lab for lab in all_labs() if lab.parameters]
COPIER_LOSES = {  # what a copy of a classmate's solution fails, lab by lab
    "01-ec2-from-ami": {"key_pair_created", "security_group_rules", "golden_ami_from_builder",
                        "two_web_instances", "encrypted_gp3_root", "builder_terminated"},
    "06-ecr": {"lifecycle_policy", "cross_account_pull_only"},
    "09-ebs-storage": {"data_volume_encrypted_gp3", "data_volume_attached",
                       "delete_on_termination", "snapshot_completed", "restored_in_another_az"},
}


def write_course(folder: Path, text: str) -> Path:
    path = folder / "course.toml"
    path.write_text(text)
    return path


def test_at_least_two_labs_declare_parameters_with_variations():
    assert len(VARIANT_LABS) >= 2
    for lab in VARIANT_LABS:
        assert any({"choices", "range", "suffix"} & set(spec) for spec in lab.parameters.values())


@pytest.mark.parametrize("lab", all_labs(), ids=lambda lab: lab.id)
def test_with_variants_off_every_student_gets_the_committed_notebook(lab):
    for course in (Course(), Course(secret=SECRET, labs=("99",))):
        assert course.values(lab, "alice") == lab.defaults
    assert Course(secret=SECRET).values(lab, None) == lab.defaults
    assert notebook_text(lab, solved=False, values=Course().values(lab, "alice")) == \
        lab.notebook.read_text(encoding="utf-8")


def test_values_are_stable_per_student_and_differ_between_students():
    alice = COURSE.values(LAB01, "alice")
    assert COURSE.values(LAB01, " Alice ") == alice  # the roster's spelling and the learner's
    prefixes = {COURSE.values(LAB01, s)["prefix"] for s in ("alice", "bob", "carol")}
    assert len(prefixes) == 3
    assert all(re.fullmatch(r"web-[0-9a-f]{4}", p) for p in prefixes)
    assert Course(secret="another-course-secret-0123").values(LAB01, "alice") != alice


def test_choices_and_ranges_stay_within_lab_toml():
    spec = LAB06.parameters
    seen = [COURSE.values(LAB06, f"s{n:03d}") for n in range(60)]
    assert {v["partner_account"] for v in seen} == set(spec["partner_account"]["choices"])
    days = {v["untagged_days"] for v in seen}
    assert min(days) >= 7 and max(days) <= 30 and len(days) > 5


def test_variants_apply_only_to_the_labs_the_course_names():
    course = Course(secret=SECRET, labs=("06",))
    assert course.varies(LAB06) and not course.varies(LAB01)
    assert course.values(LAB01, "alice") == LAB01.defaults


def test_resolve_fills_text_and_quoted_numbers_and_leaves_other_braces():
    values = {"days": 21, "name": "web-1a2b"}
    assert resolve('n = "{{ days }}"; s = "{{name}}-key"', values) == 'n = 21; s = "web-1a2b-key"'
    assert resolve("f'{{x}}' {{ days }} days", values) == "f'{{x}}' 21 days"


def test_two_students_get_different_notebooks_each_showing_their_own_values():
    alice, bob = (COURSE.values(LAB01, s) for s in ("alice", "bob"))
    mine, theirs = (notebook_text(LAB01, solved=False, values=v) for v in (alice, bob))
    assert mine != theirs
    assert f"{alice['prefix']}-golden" in mine and f"{bob['prefix']}-golden" not in mine
    assert "web-golden" not in mine and "{{" not in mine


def test_the_solution_code_takes_the_students_number():
    values = COURSE.values(LAB06, "alice")
    solved = notebook_text(LAB06, solved=True, values=values)
    assert f'\\"countNumber\\": {values["untagged_days"]}}}' in solved
    assert f"arn:aws:iam::{values['partner_account']}:root" in solved


def test_check_titles_and_hints_show_the_students_values(tmp_path, computelab_home):
    save_learner("alice", write_course(tmp_path, f'[variants]\nsecret = "{SECRET}"\n'))
    prefix = COURSE.values(LAB01, "alice")["prefix"]
    result = check_lab(LAB01, _unreachable())
    key = next(t for t in result.tests if t.name == "key_pair_created")
    assert key.title == f"Key pair {prefix}-key exists" and f"'{prefix}-key'" in key.hint


def test_an_ungraded_row_still_names_the_students_values():
    from grader.checks import zero_result

    values = COURSE.values(LAB01, "alice")
    titles = [t.title for t in zero_result(LAB01.id, LAB01.checks(), "error", "x", values).tests]
    assert f"Key pair {values['prefix']}-key exists" in titles
    assert not any("{{" in title for title in titles)


def _unreachable():
    from grader.aws import AWS

    return AWS(endpoint="http://127.0.0.1:9")  # every check fails fast: only texts matter


# --- the course file ------------------------------------------------------------------------


@pytest.mark.parametrize("text, message", [
    ('[variants]\nsecret = "short"\n', "secret must be text of at least 16"),
    ("[variant]\n", "unknown table [variant]"),
    (f'[variants]\nsecret = "{SECRET}"\nlabs = "01"\n', "labs must be a list"),
    ("[graded_later]\n\"01\" = -1\n", "whole numbers of checks"),
    ("[variants\n", "not valid TOML"),
])
def test_a_bad_course_file_is_one_line_naming_the_fix(tmp_path, text, message):
    with pytest.raises(CourseError, match=re.escape(message)) as caught:
        read_course(write_course(tmp_path, text))
    assert "\n" not in str(caught.value)


def test_a_parameter_may_vary_only_one_way(tmp_path):
    folder = tmp_path / LAB06.id
    shutil.copytree(LAB06.path, folder)
    toml = folder / "lab.toml"
    toml.write_text(toml.read_text().replace("range = [7, 30]", "range = [7, 30]\nsuffix = 4"))
    with pytest.raises(LabDefinitionError, match="one of choices, range or suffix"):
        load_lab(folder)


def test_start_needs_student_and_course_together():
    result = CliRunner().invoke(app, ["start", "--student", "alice", "--no-browser"])
    assert result.exit_code == 2
    assert "Give --student and --course together" in result.output


def test_the_learner_is_told_how_many_checks_run_at_grading(tmp_path, computelab_home):
    assert check_lab(LAB01, _unreachable()).later == 0  # nothing published: nothing said
    save_learner("alice", write_course(tmp_path, '[graded_later]\n"01" = 2\n'))
    assert current_learner().values(LAB01) == LAB01.defaults  # no [variants]: defaults
    result = check_lab(LAB01, _unreachable())
    assert result.later == 2
    assert result.later_text() == "2 more checks run when your work is graded."
    from grader.results import render_html

    assert "2 more checks run when your work is graded." in render_html(result)


# --- checks read the student's values (a real sandbox) -------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("lab", VARIANT_LABS, ids=lambda lab: lab.id)
def test_a_copied_solution_passes_its_author_and_fails_the_copier(lab, fresh_aws, tmp_path,
                                                                 computelab_home):
    course = write_course(tmp_path, f'[variants]\nsecret = "{SECRET}"\n')
    alice = COURSE.values(lab, "alice")
    copier = next(s for s in (f"student{n}" for n in range(100))
                  if all(COURSE.values(lab, s)[k] != v for k, v in alice.items()))
    aws = fresh_aws(lab.id)
    aws.params = alice
    lab.solve_fn()(aws)  # alice's solution, with alice's values
    save_learner("alice", course)
    assert failed(check_lab(lab, aws)) == []
    save_learner(copier, course)  # the copier hands in alice's work: their checks want theirs
    assert COPIER_LOSES[lab.id] <= set(failed(check_lab(lab, aws)))


@pytest.mark.slow
def test_the_learners_workspace_gets_notebooks_with_their_values(tmp_path, computelab_home):
    from grader.ui.workspace import create_workspace, lab_notebook, restore_notebook

    save_learner("alice", write_course(tmp_path, f'[variants]\nsecret = "{SECRET}"\n'))
    workspace = create_workspace(tmp_path / "work")
    prefix = COURSE.values(LAB01, "alice")["prefix"]
    mine = lab_notebook(workspace, LAB01).read_text()
    assert f"{prefix}-golden" in mine and "web-golden" not in mine
    assert lab_notebook(workspace, find_lab("02")).read_text() == \
        find_lab("02").notebook.read_text()  # a lab without parameters: the committed copy
    lab_notebook(workspace, LAB01).write_text("my work")
    restore_notebook(workspace, LAB01)
    assert lab_notebook(workspace, LAB01).read_text() == mine
