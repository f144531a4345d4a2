"""Collecting a class without GitHub Classroom: fixture repositories on disk, cloned by
file:// URL or path from a CSV, or listed by organisation and prefix through `gh`."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest
from classkit import write

from grader.classroom.collect import Repo, collect, folder_for, repos_from_csv, repos_from_org
from grader.errors import SubmissionError

GIT = ["git", "-c", "user.name=Student", "-c", "user.email=s@example.com",
       "-c", "init.defaultBranch=main"]


def repo(where: Path, notebook: str = "half") -> Path:
    """A student repository holding lab.ipynb, with one commit."""
    write(where / "lab.ipynb", notebook)
    subprocess.run([*GIT, "init", "-q", str(where)], check=True)
    commit(where, "first")
    return where


def commit(where: Path, message: str) -> str:
    subprocess.run([*GIT, "-C", str(where), "add", "-A"], check=True)
    subprocess.run([*GIT, "-C", str(where), "commit", "-qm", message], check=True)
    return subprocess.run(["git", "-C", str(where), "rev-parse", "HEAD"], check=True,
                          capture_output=True, text=True).stdout.strip()


@pytest.fixture
def origin(tmp_path):
    """Three student repositories: lab-01-alice, lab-01-bob, and another lab's."""
    return {name: repo(tmp_path / "github" / name) for name in
            ("lab-01-alice", "lab-01-bob", "lab-02-alice")}


def test_folder_names_come_from_the_repository_and_are_safe():
    assert folder_for("https://github.com/org/lab-01-alice.git") == "lab-01-alice"
    assert folder_for("git@github.com:org/lab-01-bob.git") == "lab-01-bob"
    assert folder_for("/srv/repos/-rf/") == "_rf-686c39ac"


def test_collect_from_a_csv_of_file_urls_and_paths_then_update(tmp_path, origin):
    alice, bob = origin["lab-01-alice"], origin["lab-01-bob"]
    csv_file = write(tmp_path / "repos.csv", f"repository,folder\n{alice.as_uri()},\n"
                     f"{bob},bob-work\n{tmp_path / 'nowhere'},\n")
    repos = repos_from_csv(csv_file)
    assert [r.folder for r in repos] == ["lab-01-alice", "bob-work", "nowhere"]
    out = tmp_path / "submissions"
    done = collect(repos, out)
    assert [r.folder for r, _ in done.taken] == ["lab-01-alice", "bob-work"]
    assert [r.folder for r, _ in done.failed] == ["nowhere"]
    assert (out / "lab-01-alice" / "lab.ipynb").read_text() == "half"
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    log = (out / ".collected.csv").read_text().splitlines()
    assert log[0] == "repository,folder,commit,error" and len(log) == 4
    write(alice / "lab.ipynb", "solved")
    new = commit(alice, "late work")
    again = collect(repos[:1], out)
    assert again.taken == [(repos[0], new)]
    assert (out / "lab-01-alice" / "lab.ipynb").read_text() == "solved"


def test_a_folder_in_the_way_is_reported_not_overwritten(tmp_path, origin):
    out = tmp_path / "submissions"
    write(out / "lab-01-bob" / "mine.txt", "instructor's notes")
    done = collect([Repo(str(origin["lab-01-bob"]), "lab-01-bob")], out)
    assert "exists and is not a clone" in done.failed[0][1]
    assert (out / "lab-01-bob" / "mine.txt").read_text() == "instructor's notes"


def test_a_csv_without_a_repository_column_is_a_one_line_error(tmp_path):
    with pytest.raises(SubmissionError, match="needs a 'repository' column"):
        repos_from_csv(write(tmp_path / "r.csv", "name\nalice\n"))


def fake_gh(bin_dir: Path, listing: list[dict[str, str]]) -> None:
    """A `gh` on PATH that prints ``listing`` for `gh repo list ORG --json name,url`."""
    write(bin_dir / "gh", "#!/bin/sh\n"
          "[ \"$1 $2 $3\" = 'repo list course-org' ] || { echo \"bad: $*\" >&2; exit 1; }\n"
          f"cat <<'EOF'\n{json.dumps(listing)}\nEOF\n")
    (bin_dir / "gh").chmod(0o755)


def test_org_and_prefix_list_with_gh_and_keep_only_the_prefix(tmp_path, origin, monkeypatch):
    fake_gh(tmp_path / "bin", [{"name": n, "url": p.as_uri()} for n, p in origin.items()])
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    repos = repos_from_org("course-org", "lab-01-")
    assert [r.folder for r in repos] == ["lab-01-alice", "lab-01-bob"]
    assert len(collect(repos, tmp_path / "out").taken) == 2
    with pytest.raises(SubmissionError, match="gh repo list other-org: bad: repo list"):
        repos_from_org("other-org", "lab-01-")
