"""report.html: the numbers match the gradebook, hostile text stays text, files are private."""

from __future__ import annotations

import csv
import re
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from grader.classroom.class_data import read_class
from grader.classroom.report import write_report
from grader.cli import app
from grader.errors import ComputeLabError
from tests.classroom.report_class import lab, write_class

HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture()
def graded(tmp_path: Path) -> Path:
    checks = [spec.name for spec in lab().checks()]
    out = tmp_path / "grades"
    students: dict[str, tuple[dict[str, str], float, Path | None]] = {}
    for i in range(12):
        failing = {}
        if i % 3 == 0:
            failing[checks[0]] = "no image named web-golden"
        if i % 4 == 0:
            failing[checks[1]] = f"SSH is open to 0.0.0.0/0 {HOSTILE}" if i == 0 else \
                "SSH is open to 0.0.0.0/0"
        students[f"s{i:02d}"] = (failing, 1.0 + i, None)
    write_class(out, students, missing=("late1",), errors=("crash1",),
                isolation="namespaces, cgroups, seccomp")
    return out


def _gradebook(out: Path) -> list[dict[str, str]]:
    return list(csv.DictReader((out / "gradebook.csv").read_text().splitlines()))


def test_class_data_matches_the_gradebook(graded: Path) -> None:
    data = read_class(graded)
    book = _gradebook(graded)
    assert [r.student for r in data.rows] == [r["student"] for r in book]
    assert [r.score for r in data.rows] == [float(r["score"]) for r in book]
    submitted = [r for r in book if r["status"] != "missing"]
    assert data.mean() == pytest.approx(
        sum(float(r["score"]) for r in submitted) / len(submitted))
    checks = [spec.name for spec in lab().checks()]
    summaries = {s.name: s for s in data.check_summaries()}
    graded_rows = [r for r in submitted]
    assert summaries[checks[0]].attempted == len(graded_rows)
    full = {c: sum(1 for r in graded_rows if float(r[c]) > 0) for c in checks}
    assert {c: s.passed for c, s in summaries.items()} == full
    assert summaries[checks[0]].failures[0] == ("no image named web-golden", 4)
    assert summaries[checks[1]].failures[0] == ("SSH is open to 0.0.0.0/0", 2)


def test_report_shows_the_numbers_and_escapes_text(graded: Path) -> None:
    report = write_report(graded, lab(), similarity=False)
    html = report.read_text()
    data = read_class(graded)
    assert f"<dd data-key='Students'>{len(data.rows)}</dd>" in html
    assert "<dd data-key='Missing'>1</dd>" in html
    assert "<dd data-key='Errors and timeouts'>1</dd>" in html
    assert f"{data.mean():.2f} / {data.max_score:g}" in html
    assert HOSTILE not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert html.count("<svg") == 2 and "<script" not in html
    assert re.search(r"(src|href)\s*=\s*['\"]?\s*(https?:)?//", html) is None  # no fetch
    assert "crash1" in html and "the notebook raised in cell 3" in html
    assert "namespaces, cgroups, seccomp" in html and "checks abc123" in html
    assert stat.S_IMODE(report.stat().st_mode) == 0o600


def test_similarity_csv_is_private(graded: Path) -> None:
    write_report(graded, lab())
    csv_file = graded / "similarity.csv"
    assert csv_file.read_text().startswith("student_a,student_b")
    assert stat.S_IMODE(csv_file.stat().st_mode) == 0o600


def test_report_command(graded: Path) -> None:
    result = CliRunner().invoke(app, ["report", str(graded), "--no-similarity"])
    assert result.exit_code == 0, result.output
    assert (graded / "report.html").is_file()
    assert not (graded / "similarity.csv").exists()


def test_report_of_a_folder_that_is_not_graded(tmp_path: Path) -> None:
    with pytest.raises(ComputeLabError, match="no rows.json"):
        read_class(tmp_path)
    result = CliRunner().invoke(app, ["report", str(tmp_path)])
    assert result.exit_code != 0
    assert "no rows.json here" in result.output
    assert "Traceback" not in result.output


def test_a_damaged_rows_file_is_one_line(graded: Path) -> None:
    (graded / "rows.json").write_text("[[[")
    result = CliRunner().invoke(app, ["report", str(graded)])
    assert result.exit_code != 0
    assert "not a ComputeLab rows file" in result.output
    assert "Traceback" not in result.output
