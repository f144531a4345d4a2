"""Collect a class's repositories without GitHub Classroom (``computelab collect``).

Two ways to name the repositories:

- ``--repos repos.csv``: a CSV with a ``repository`` (or ``repo``, ``url``) column of clone
  URLs or paths (``https://github.com/org/lab-01-alice.git``, ``file:///srv/x.git``,
  ``/srv/x``), and optionally a ``folder`` column naming each clone;
- ``--org ORG --prefix lab-01-``: every repository of the organisation whose name starts
  with the prefix, listed with ``gh repo list`` (the GitHub CLI, signed in with
  ``gh auth login``; run ``gh auth setup-git`` so ``git`` can clone private ones).

Each repository is cloned (``git clone --depth 1``) into ``OUT/<folder>``, by default the
repository's name (``lab-01-alice``), made a safe folder name by
``grader.classroom.ids.student_id``; ``computelab grade LAB OUT --prefix lab-01-`` then
strips the prefix when matching a roster's ``github_username``. A folder that is already
a clone is updated to the remote's latest commit (``git fetch`` + ``git reset --hard``),
so collecting again at the deadline takes only the new work. ``OUT/.collected.csv`` lists
each repository, its folder, the commit taken and any error (hidden: grade ignores it).

Git runs with no prompts, no hooks and the ``ext::`` transport off. A repository that
cannot be cloned is reported and the rest are still collected.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from grader.classroom.ids import student_id
from grader.classroom.outputs import private_dir, write_atomic
from grader.errors import SubmissionError
from grader.results import csv_cell

URL_COLUMNS = ("repository", "repo", "url", "clone_url")
LOG = ".collected.csv"
GIT = ["git", "-c", "protocol.ext.allow=never", "-c", "core.hooksPath=/dev/null",
       "-c", "advice.detachedHead=false"]
Runner = Callable[[list[str]], subprocess.CompletedProcess[str]]


@dataclass(frozen=True)
class Repo:
    url: str
    folder: str


@dataclass
class Collected:
    """What ``collect`` did: ``(repo, commit)`` taken, ``(repo, reason)`` failed."""

    taken: list[tuple[Repo, str]] = field(default_factory=list)
    failed: list[tuple[Repo, str]] = field(default_factory=list)


def run(command: list[str]) -> subprocess.CompletedProcess[str]:
    """Run ``command`` without a terminal prompt (a private repository fails, not hangs)."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true",
           "GCM_INTERACTIVE": "never"}
    return subprocess.run(command, capture_output=True, text=True, env=env,
                          stdin=subprocess.DEVNULL, timeout=600)


def folder_for(url: str) -> str:
    """``https://github.com/org/lab-01-alice.git`` -> ``lab-01-alice`` (a safe name)."""
    name = url.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    return student_id(name.removesuffix(".git") or url)


def repos_from_csv(path: Path) -> list[Repo]:
    """The repositories a CSV names; a one-line error when it has no URL column."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SubmissionError(f"Cannot read {path} as UTF-8 text ({exc}).") from exc
    reader = csv.DictReader(io.StringIO(text))
    fields = {(f or "").strip().lower(): f for f in reader.fieldnames or []}
    column = next((fields[c] for c in URL_COLUMNS if c in fields), None)
    if column is None:
        raise SubmissionError(f"{path.name}: needs a 'repository' column of clone URLs or "
                              "paths (and optionally 'folder').")
    named = fields.get("folder")
    repos = []
    for row in reader:
        url = str(row.get(column) or "").strip()
        if url:
            folder = str(row.get(named) or "").strip() if named else ""
            repos.append(Repo(url, student_id(folder) if folder else folder_for(url)))
    return repos


def repos_from_org(org: str, prefix: str, runner: Runner = run) -> list[Repo]:
    """The organisation's repositories whose name starts with ``prefix`` (``gh repo list``)."""
    if shutil.which("gh") is None and runner is run:
        raise SubmissionError("--org needs the GitHub CLI (https://cli.github.com) signed in "
                              "with `gh auth login`; or list the repositories in --repos CSV.")
    done = runner(["gh", "repo", "list", org, "--limit", "10000", "--json", "name,url"])
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["gh failed"])[-1]
        raise SubmissionError(f"gh repo list {org}: {reason}")
    try:
        listed = json.loads(done.stdout)
        found = sorted((str(r["name"]), str(r["url"])) for r in listed)
    except (ValueError, KeyError, TypeError) as exc:
        raise SubmissionError(f"gh repo list {org} printed something unexpected ({exc}).") \
            from exc
    return [Repo(url, student_id(name)) for name, url in found if name.startswith(prefix)]


def _fetch(repo: Repo, target: Path, runner: Runner) -> str:
    """Clone or update one repository; its commit, or raise ``RuntimeError(reason)``."""
    if (target / ".git").is_dir():
        steps = [[*GIT, "-C", str(target), "fetch", "--depth", "1", "--quiet", "--", repo.url],
                 [*GIT, "-C", str(target), "reset", "--hard", "--quiet", "FETCH_HEAD"]]
    elif target.exists():
        raise RuntimeError(f"{target.name} exists and is not a clone; move it away")
    else:
        steps = [[*GIT, "clone", "--depth", "1", "--quiet", "--no-recurse-submodules", "--",
                  repo.url, str(target)]]
    for step in steps:
        done = runner(step)
        if done.returncode != 0:
            raise RuntimeError((done.stderr.strip().splitlines() or ["git failed"])[-1])
    head = runner([*GIT, "-C", str(target), "rev-parse", "HEAD"])
    return head.stdout.strip()


def collect(repos: list[Repo], out: Path, runner: Runner = run,
            on_repo: Callable[[Repo, str, str], None] | None = None) -> Collected:
    """Clone or update every repository into ``out``; never stops at a failure."""
    if not repos:
        raise SubmissionError("No repositories to collect (an empty list, or no name starts "
                              "with the prefix).")
    private_dir(out)
    done = Collected()
    seen: set[str] = set()
    for repo in repos:
        if repo.folder.casefold() in seen:
            done.failed.append((repo, f"a second repository for folder {repo.folder}"))
            continue
        seen.add(repo.folder.casefold())
        try:
            commit = _fetch(repo, out / repo.folder, runner)
            done.taken.append((repo, commit))
            if on_repo:
                on_repo(repo, commit, "")
        except (RuntimeError, subprocess.TimeoutExpired, OSError) as exc:
            done.failed.append((repo, str(exc)))
            if on_repo:
                on_repo(repo, "", str(exc))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["repository", "folder", "commit", "error"])
    for repo, commit in done.taken:
        writer.writerow([csv_cell(c) for c in (repo.url, repo.folder, commit, "")])
    for repo, reason in done.failed:
        writer.writerow([csv_cell(c) for c in (repo.url, repo.folder, "", reason)])
    write_atomic(out / LOG, buffer.getvalue())
    return done
