"""The hostile and broken corpus (tests/fixtures/hostile), graded as one class with solved
copies at --jobs 2: every hostile row gets 0 or partial credit and a clear reason, every
solved copy still gets full marks, and nothing outside the submission changes."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from grader.cli import app
from grader.grading import isolation
from grader.labs import find_lab

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "hostile"
LAB = find_lab("01")
SOLVED = 4
CAPS = isolation.probe()

pytestmark = pytest.mark.slow


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade the corpus + solved copies once through the CLI; rows by student id."""
    subs = tmp_path_factory.mktemp("class")
    for path in CORPUS.iterdir():
        if path.suffix in (".ipynb", ".pdf") or path.name == "syntax-error-script.py":
            if path.name == "network.ipynb" and not CAPS.namespaces:
                continue  # only with a network namespace: then nothing can leave the machine
            shutil.copy(path, subs / path.name)
    for number in range(1, SOLVED + 1):
        shutil.copy(LAB.path / "solution.ipynb", subs / f"solved-{number}.ipynb")
    out = tmp_path_factory.mktemp("grades")
    lab_files = _digest(LAB.path)
    result = CliRunner().invoke(app, ["grade", "01", str(subs), "--out", str(out), "--jobs",
                                      "2", "--timeout", "25", "--memory", "1024", "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["student"]: row for row in json.loads(result.output)}
    return {"rows": rows, "out": out, "lab_files": lab_files, "subs": subs}


def passed(row):
    return {t["name"] for t in row["tests"] if t["status"] == "passed"}


def test_solved_copies_keep_full_marks(graded):
    for number in range(1, SOLVED + 1):
        row = graded["rows"][f"solved-{number}"]
        assert row["score"] == row["max_score"] == 15, row
        assert row["status"] == "passed" and row["output"] == ""


def test_every_hostile_row_is_zero_or_partial_with_a_reason(graded):
    hostile = {k: v for k, v in graded["rows"].items() if not k.startswith("solved-")}
    assert len(hostile) >= 16 if CAPS.namespaces else 15
    for name, row in hostile.items():
        assert row["score"] < row["max_score"], name
        failing = [t for t in row["tests"] if t["status"] != "passed"]
        assert failing and all(t["output"] for t in failing), name
        assert "\n" not in row["output"], name


@pytest.mark.parametrize("name, status, score, phrase", [
    ("syntax-error", "failed", 14, "Cell 7 raised SyntaxError"),
    ("middle-exception", "failed", None, "Cell 4 raised RuntimeError: launch failed on purpose"),
    ("infinite-loop", "timeout", 14, "Stopped after 25 s (time limit) while cell 7 was running"),
    ("sys-exit", "failed", 14, "Cell 7 raised SystemExit: 3"),
    ("os-exit", "error", None, "ended its own process (exit code 3) while cell 5 was running"),
    ("kernel-killed", "error", None, "process was killed (SIGKILL) while cell 6 was running"),
    ("huge-output", "error", 3, "printed more than 16 MB of output while cell 4 was running"),
    ("memory-bomb", None, None, "MemoryError (memory limit 1024 MB)"),
    ("steal-solution", "failed", 0, "PermissionError: could not read the reference solution"),
    ("corrupt", "error", 0, "corrupt.ipynb: not a readable notebook"),
    ("empty", "error", 0, "empty.ipynb: not a readable notebook (the file is empty)"),
    ("not-a-notebook", "error", 0, "not a notebook (.ipynb) or Python script (.py)"),
    ("syntax-error-script", "error", 0, "the script does not parse"),
])
def test_each_failure_has_its_reason(graded, name, status, score, phrase):
    row = graded["rows"][name]
    assert phrase in row["output"], row["output"]
    if status:
        assert row["status"] == status
    if score is not None:
        assert row["score"] == score
    else:
        assert 0 < row["score"] < 15 or name == "memory-bomb"


def test_a_middle_error_keeps_the_earlier_cells_work(graded):
    assert {"key_pair_created", "security_group_rules"} <= passed(graded["rows"][
        "middle-exception"])


def test_resetting_the_sandbox_only_hurts_the_submission_itself(graded):
    row = graded["rows"]["reset-sandbox"]
    assert row["score"] < 15
    assert graded["rows"]["background-reset"]["score"] == 3  # key pair + group, nothing else


def test_faking_results_changes_nothing(graded):
    row = graded["rows"]["fake-results"]
    assert row["score"] == 3 and passed(row) == {"key_pair_created", "security_group_rules"}
    assert _digest(LAB.path) == graded["lab_files"]  # checks.py untouched
    out = graded["out"]
    assert sorted(p.name for p in out.iterdir()) == [
        "gradebook.csv", "junit.xml", "report.html", "rows.json", "run.json", "similarity.csv",
        "students"]
    for folder in (out / "students").iterdir():
        assert sorted(p.name for p in folder.iterdir()) == [
            "feedback.html", "feedback.md", "record.json", "results.json"]
    stored = json.loads((out / "students" / "fake-results" / "results.json").read_text())
    assert stored["score"] == 3


@pytest.mark.skipif(not CAPS.namespaces, reason="needs root and namespaces: then no packet "
                    "can leave the machine even if the audit hook failed")
def test_non_loopback_connection_is_refused_in_the_submission(graded):
    row = graded["rows"]["network"]
    assert ("Cell 4 raised PermissionError: ComputeLab grading blocks network access outside "
            "the sandbox: refused a connection to 203.0.113.7:80.") in row["output"]
    assert row["score"] == 3


def test_submissions_are_left_unchanged(graded):
    for path in CORPUS.iterdir():
        copy = graded["subs"] / path.name
        if copy.exists():
            assert copy.read_bytes() == path.read_bytes()


@pytest.mark.skipif(not CAPS.namespaces, reason="needs root and mount namespaces")
def test_copies_of_the_course_elsewhere_on_the_machine_are_hidden(tmp_path):
    """Not only the course we grade from: any other checkout (an old one in /srv, a clone
    in /home) must be invisible to submissions too."""
    import nbformat
    from nbformat.v4 import new_code_cell

    from grader.grading import grade

    decoy = Path("/srv") / f"computelab-decoy-{tmp_path.name}"
    try:
        (decoy / "labs").mkdir(parents=True)
        (decoy / "labs" / "solution.py").write_text("def solve(aws): pass\n")
        (decoy / "labs" / "solution.py").chmod(0o644)
        decoy.chmod(0o755)
        (decoy / "labs").chmod(0o755)
        nb = nbformat.read(LAB.notebook, as_version=4)
        nb.cells.insert(1, new_code_cell(
            f"import pathlib\n"
            f"p = pathlib.Path({str(decoy / 'labs' / 'solution.py')!r})\n"
            f"raise SystemExit('LEAKED') if p.exists() else print('hidden')"))
        submission = tmp_path / "snoop.ipynb"
        nbformat.write(nb, submission)
        result = grade(LAB, [submission])[0]
        assert "LEAKED" not in result.output
    finally:
        shutil.rmtree(decoy, ignore_errors=True)
