"""`computelab grade` internals: each submission in its own process and fresh account."""

from __future__ import annotations

import nbformat
import pytest

from grader.grading import Limits, grade
from grader.labs import find_lab

LAB = find_lab("01")


def notebook_with(tmp_path, name, transform=None):
    """A copy of the solved notebook, optionally with its code cells transformed."""
    nb = nbformat.read(LAB.path / "solution.ipynb", as_version=4)
    if transform:
        transform([c for c in nb.cells if c.cell_type == "code"])
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


def break_cell(index, code):
    def transform(cells):
        cells[index].source = code
    return transform


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("subs")
    (tmp / "corrupt.ipynb").write_text("{ not json")
    (tmp / "notes.txt").write_text("hello")
    script = tmp / "script.py"
    script.write_text((LAB.path / "solution.py").read_text() + "\n"
                      "import boto3\n"
                      "class Handle:\n"
                      "    def client(self, name):\n"
                      "        return boto3.client(name)\n"
                      "solve(Handle())\n")
    paths = [
        notebook_with(tmp, "solved.ipynb"),
        LAB.path / "lab.ipynb",
        notebook_with(tmp, "middle-error.ipynb", break_cell(3, "raise RuntimeError('oops')")),
        notebook_with(tmp, "hangs.ipynb", break_cell(6, "while True: pass")),
        tmp / "corrupt.ipynb",
        tmp / "notes.txt",
        script,
    ]
    return dict(zip([p.stem for p in paths], grade(LAB, paths, Limits(timeout=8)),
                    strict=True))


def test_solved_notebook_gets_full_marks(graded):
    result = graded["solved"]
    assert result.score == result.max_score == 15 and result.status == "passed"


def test_untouched_notebook_gets_zero_with_messages(graded):
    result = graded["lab"]
    assert result.score == 0
    assert all(t.output for t in result.tests)


def test_error_in_a_middle_cell_keeps_later_work(graded):
    result = graded["middle-error"]
    # cell 3 (the builder launch) failed: everything needing the builder or golden AMI is lost,
    # the key pair and security group (earlier cells) still count.
    passed = {t.name for t in result.tests if t.passed}
    assert {"key_pair_created", "security_group_rules"} <= passed
    assert "builder_runs_latest_al2023" not in passed
    assert "RuntimeError: oops" in result.output


def test_hanging_submission_times_out_and_keeps_earlier_work(graded):
    result = graded["hangs"]
    assert result.status == "timeout"
    assert "8 s" in result.output
    passed = {t.name for t in result.tests if t.passed}
    assert "golden_ami_from_builder" in passed and "builder_terminated" not in passed


@pytest.mark.parametrize("name, phrase", [("corrupt", "not a readable notebook"),
                                          ("notes", "not a notebook")])
def test_unreadable_submissions_get_a_one_line_reason(graded, name, phrase):
    result = graded[name]
    assert result.status == "error" and result.score == 0
    assert phrase in result.output and "\n" not in result.output


def test_python_script_submission_is_graded(graded):
    assert graded["script"].score == 15


def test_grading_is_deterministic(tmp_path):
    path = notebook_with(tmp_path, "twice.ipynb", break_cell(6, "pass"))
    first, second = grade(LAB, [path, path])
    assert first.to_dict() == second.to_dict()
    assert first.score == 14
