"""Lab authoring: a scaffolded lab validates as it is; bad ids are one-line errors."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from grader.cli import app
from grader.labs import find_lab
from grader.labs.authoring import validate_lab


def test_new_lab_scaffold_validates(tmp_path):
    labs, tests = tmp_path / "labs", tmp_path / "tests"
    labs.mkdir()
    tests.mkdir()
    result = CliRunner().invoke(app, ["new-lab", "42-demo", "--labs-dir", str(labs),
                                      "--tests-dir", str(tests)])
    assert result.exit_code == 0, result.output
    lab = find_lab("42", root=labs)
    assert {p.name for p in lab.path.iterdir()} >= {"lab.toml", "lab.ipynb", "solution.ipynb",
                                                    "checks.py", "solution.py"}
    assert (tests / "test_lab42_demo.py").is_file()
    assert (tests / "corpus" / "42-demo" / "bad_no_bucket.py").is_file()
    assert (lab.path / "lab.toml").read_text().startswith("#:schema ../lab.schema.json")
    report = validate_lab(lab)
    assert report.problems == [] and report.solved.score == 1 and report.untouched.score == 0


@pytest.mark.parametrize("bad", ["demo", "1-demo", "42_Demo"])
def test_new_lab_rejects_bad_ids(tmp_path, bad):
    result = CliRunner().invoke(app, ["new-lab", bad, "--labs-dir", str(tmp_path),
                                      "--tests-dir", str(tmp_path)])
    assert result.exit_code == 2 and result.output.startswith("Error:")


def test_new_lab_refuses_to_overwrite(tmp_path):
    args = ["new-lab", "43-demo", "--labs-dir", str(tmp_path), "--tests-dir", str(tmp_path)]
    assert CliRunner().invoke(app, args).exit_code == 0
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 2 and "already exists" in again.output
