"""The one notebook-build step and the one allow-list of files that leave the course."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import nbformat
import pytest
from typer.testing import CliRunner

from grader.checks import resolve
from grader.cli import app
from grader.errors import LabDefinitionError
from grader.labs import all_labs, find_lab, load_lab
from grader.labs.build import START_OVER, build_notebook, stale_notebooks
from grader.labs.files import grading_files, learner_files, read_learner_data
from grader.labs.source import BEGIN_SOLUTION, BEGIN_STARTER, audience_code, read_source

LABS = all_labs()


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.id)
def test_committed_notebooks_are_what_solution_py_builds(lab):
    assert stale_notebooks(lab) == [], f"run `computelab build-lab {lab.id}` and commit"


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.id)
def test_learner_notebook_has_no_solution_and_solved_has_no_starter(lab):
    source = read_source(lab.solution_source)
    learner = build_notebook(lab, solved=False)
    solved = build_notebook(lab, solved=True)
    assert learner.cells[0].source == f'from grader import connect; lab = connect("{lab.id}")'
    assert learner.cells[-1].source == solved.cells[-1].source == "lab.check()"
    assert learner.cells[1].source.endswith(START_OVER)  # said once, in the intro
    assert sum(START_OVER in c.source for c in learner.cells) == 1
    assert any(cell.has_solution for cell in source), "a lab with nothing to solve"
    code = [cell for cell in source if cell.kind == "code"]
    learner_code = [c.source for c in learner.cells if c.cell_type == "code"][1:-1]
    solved_code = [c.source for c in solved.cells if c.cell_type == "code"][1:-1]
    for cell, mine, answer in zip(code, learner_code, solved_code, strict=True):
        text = resolve(cell.text, lab.defaults)  # the build fills {{ parameters }}
        assert (mine, answer) == (audience_code(text, False).strip("\n"),
                                  audience_code(text, True).strip("\n"))
        if cell.has_solution:
            revealed = set(answer.splitlines()) - set(mine.splitlines())
            assert revealed and not revealed & set(mine.splitlines())
    for nb in (learner, solved):
        joined = "\n".join(c.source for c in nb.cells)
        assert BEGIN_SOLUTION not in joined and BEGIN_STARTER not in joined
        assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code")


def _lab_copy(tmp_path: Path, number: str = "01") -> Path:
    folder = tmp_path / find_lab(number).id
    shutil.copytree(find_lab(number).path, folder)
    return folder


@pytest.mark.parametrize("text, message", [
    ("# %%\nx = 1\n# END SOLUTION\n", r"solution.py:3: '# END SOLUTION' without its BEGIN"),
    ("# %%\n# BEGIN SOLUTION\nx = 1\n", r"solution.py:2: '# BEGIN SOLUTION' is never closed"),
    ("# %%\n# BEGIN STARTER\nx = None\n# END STARTER\n", r"solution.py:3: starter lines must be"),
    ("# %%\n# BEGIN SOLUTION\n# BEGIN STARTER\n", r"solution.py:3: '# BEGIN STARTER' inside"),
    ("# %%\n# BEGIN SOLUTION\n# %%\n# END SOLUTION\n", r"solution.py:3: a new cell starts"),
    ("# %%\nx = 1\n", r"solution.py:1: solution.py must start with a '# %% \[markdown\]' cell"),
])
def test_broken_markers_are_one_line_errors_with_line_numbers(tmp_path, text, message):
    folder = _lab_copy(tmp_path)
    (folder / "solution.py").write_text(text)
    with pytest.raises(LabDefinitionError, match=message):
        read_source(folder / "solution.py")


def test_build_lab_check_fails_when_solution_py_changes_and_build_fixes_it(tmp_path,
                                                                          monkeypatch):
    folder = _lab_copy(tmp_path)
    source = folder / "solution.py"
    source.write_text(source.read_text().replace("## Task 1", "## Task 1 (edited)", 1))
    monkeypatch.setattr("grader.labs.model.labs_dir", lambda: tmp_path)
    runner = CliRunner()
    stale = runner.invoke(app, ["build-lab", "01", "--check"])
    assert stale.exit_code == 1 and "out of date: 01-ec2-from-ami/lab.ipynb" in stale.output
    built = runner.invoke(app, ["build-lab", "01"])
    assert built.exit_code == 0 and "lab.ipynb, solution.ipynb" in built.output
    assert runner.invoke(app, ["build-lab", "01", "--check"]).exit_code == 0
    nb = nbformat.read(folder / "lab.ipynb", as_version=4)
    assert any("## Task 1 (edited)" in c.source for c in nb.cells)


# -- the allow-list ---------------------------------------------------------------------------

@pytest.fixture
def lab_with_notes(tmp_path):
    """Lab 08 (it declares prices.json) plus files no learner may ever get."""
    folder = _lab_copy(tmp_path / "labs", "08")
    (folder / "solution-notes.md").write_text("the answer is m5.large\n")
    (folder / "notes.txt").write_text("private\n")
    (folder / "extra.json").write_text("{}\n")  # a data file the lab did not declare
    return load_lab(folder)


NEVER = {"solution-notes.md", "notes.txt", "extra.json", "solution.py", "solution.ipynb"}


def test_allow_list_gives_learners_the_notebook_and_declared_data_only(lab_with_notes):
    assert [p.name for p in learner_files(lab_with_notes)] == ["lab.ipynb", "prices.json"]
    assert {p.name for p in grading_files(lab_with_notes)} == {
        "lab.toml", "checks.py", "lab.ipynb", "prices.json"}
    assert set(read_learner_data(lab_with_notes)) == {"prices.json"}


def test_workspace_gets_only_the_allow_list(lab_with_notes, tmp_path, monkeypatch):
    from grader.ui import workspace as ws

    monkeypatch.setattr(ws, "all_labs", lambda: [lab_with_notes])
    work = ws.create_workspace(tmp_path / "work")
    copied = {p.name for p in (work / "labs" / lab_with_notes.id).iterdir()}
    assert copied == {f"{lab_with_notes.id}.ipynb", f"{lab_with_notes.id}-challenge.ipynb",
                      "prices.json"}
    assert not copied & NEVER


def test_an_older_workspace_notebook_is_renamed_never_overwritten(tmp_path, monkeypatch):
    from grader.labs import find_lab
    from grader.ui import workspace as ws

    lab = find_lab("01")
    monkeypatch.setattr(ws, "all_labs", lambda: [lab])
    folder = tmp_path / "work" / "labs" / lab.id
    folder.mkdir(parents=True)
    (folder / "lab.ipynb").write_text("my old work")
    ws.create_workspace(tmp_path / "work")
    assert (folder / f"{lab.id}.ipynb").read_text() == "my old work"
    assert not (folder / "lab.ipynb").exists()
    (folder / "lab.ipynb").write_text("another copy")  # both exist: leave both alone
    ws.create_workspace(tmp_path / "work")
    assert (folder / "lab.ipynb").read_text() == "another copy"
    assert (folder / f"{lab.id}.ipynb").read_text() == "my old work"


def test_gradescope_bundle_carries_only_grading_files(lab_with_notes, tmp_path):
    from grader.classroom.gradescope import build_bundle

    wheel = tmp_path / "computelab-0-py3-none-any.whl"
    wheel.write_bytes(b"not really a wheel")
    out = build_bundle(lab_with_notes, tmp_path / "bundle.zip", wheel=wheel)
    names = zipfile.ZipFile(out).namelist()
    lab_files = {Path(n).name for n in names if n.startswith(f"labs/{lab_with_notes.id}/")}
    assert lab_files == {"lab.toml", "checks.py", "lab.ipynb", "prices.json"}
    assert not {Path(n).name for n in names} & NEVER


def test_course_copy_inside_the_bundle_wheel_has_no_solutions(lab_with_notes, tmp_path):
    from grader.classroom.gradescope import copy_course_labs

    copy_course_labs(lab_with_notes.path.parent, tmp_path / "wheel-tree" / "labs")
    names = {p.name for p in (tmp_path / "wheel-tree" / "labs").rglob("*") if p.is_file()}
    assert names == {"lab.schema.json", "lab.toml", "checks.py", "lab.ipynb", "prices.json"}
