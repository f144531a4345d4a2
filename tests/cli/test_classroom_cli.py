"""The class commands end to end, as an instructor types them: collect, grade in shards,
merge, export for an LMS; and bad input gets one line, never a traceback."""

from __future__ import annotations

import csv
import io
import subprocess
from pathlib import Path

import pytest
from classkit import fake_grade_iter, write
from typer.testing import CliRunner

from grader.classroom import batch
from grader.cli import app

GIT = ["git", "-c", "user.name=S", "-c", "user.email=s@example.com"]


@pytest.fixture
def engine(monkeypatch):
    calls: list[list[str]] = []
    monkeypatch.setattr(batch, "grade_iter", fake_grade_iter(calls))
    return calls


def cli(*args: object) -> object:
    return CliRunner().invoke(app, [str(a) for a in args])


def student_repo(where: Path, text: str) -> Path:
    write(where / "lab.ipynb", text)
    subprocess.run([*GIT, "init", "-q", str(where)], check=True)
    subprocess.run([*GIT, "-C", str(where), "add", "-A"], check=True)
    subprocess.run([*GIT, "-C", str(where), "commit", "-qm", "work"], check=True)
    return where


def test_roster_to_lms_file_without_github_classroom(tmp_path, engine):
    urls = [student_repo(tmp_path / "gh" / f"lab-01-{u}", text).as_uri()
            for u, text in (("alice", "solved"), ("bob", "half"), ("carol", "solved"))]
    repos = write(tmp_path / "repos.csv", "repository\n" + "\n".join(urls) + "\n")
    roster = write(tmp_path / "roster.csv", "student,github_username,name,SIS User ID\n"
                   "s1,alice,Alice A,900001\ns2,bob,Bob B,900002\ns3,carol,Carol C,900003\n"
                   "s4,dan,Dan D,900004\n")
    subs, grades = tmp_path / "subs", tmp_path / "grades"
    done = cli("collect", "--repos", repos, "--out", subs)
    assert done.exit_code == 0, done.output
    assert "Collected 3 of 3 repositories" in done.output
    for i in (1, 2):
        done = cli("grade", "01", subs, "--roster", roster, "--prefix", "lab-01-", "--shard",
                   f"{i}/2", "--out", tmp_path / f"shard{i}")
        assert done.exit_code == 0, done.output
    done = cli("merge", tmp_path / "shard1", tmp_path / "shard2", "--out", grades)
    assert done.exit_code == 0 and "4 students" in done.output, done.output
    done = cli("export", grades, "--lms", "canvas", "--roster", roster, "--lms-column",
               "Lab 1 (777)")
    assert done.exit_code == 0, done.output
    table = list(csv.reader(io.StringIO((grades / "lms" / "canvas.csv").read_bytes().decode())))
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Lab 1 (777)"]
    assert sorted(table[1:]) == [["Alice A", "", "900001", "", "", "15"],
                                 ["Bob B", "", "900002", "", "", "1"],
                                 ["Carol C", "", "900003", "", "", "15"],
                                 ["Dan D", "", "900004", "", "", "0"]]


def test_grade_writes_lms_files_and_warns_without_a_roster(tmp_path, engine):
    write(tmp_path / "class" / "alice.ipynb", "solved")
    done = cli("grade", "01", tmp_path / "class", "--out", tmp_path / "out", "--lms",
               "moodle", "--lms", "blackboard")
    assert done.exit_code == 0, done.output
    assert "no --roster: no LMS ids" in done.output
    assert (tmp_path / "out" / "lms" / "moodle.csv").is_file()
    assert (tmp_path / "out" / "lms" / "blackboard.csv").read_text().startswith(
        '"Last Name","First Name","Username"')


@pytest.mark.parametrize("args, message", [
    (["grade", "01", "x", "--shard", "0/4"], "indexes are 1-based"),
    (["grade", "01", "x", "--lms", "d2l"], "choose one of canvas, moodle, blackboard"),
    (["export", "nowhere", "--lms", "canvas"], "has no rows.json"),
    (["merge", "nowhere", "--out", "m"], "no rows.json here"),
    (["collect", "--out", "c"], "Give either --repos CSV or --org ORG"),
])
def test_bad_input_is_one_line(tmp_path, monkeypatch, engine, args, message):
    monkeypatch.chdir(tmp_path)
    done = cli(*args)
    assert done.exit_code == 2 and message in done.output, done.output
    assert "Traceback" not in done.output
