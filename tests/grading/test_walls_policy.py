"""The banner names exactly the walls in force, and ``--require-isolation`` refuses to
grade when one is missing (an exam must not be graded behind fewer walls than expected)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from grader.cli import app
from grader.grading.isolation import Capabilities
from tests.grading.walls import CAPS

FULL = Capabilities(True, True, 61000, 61000, 1000, cgroups="cgroup v1", seccomp=True)


def test_a_fully_walled_grader_names_every_wall_and_misses_none():
    text = FULL.describe()
    for wall in ("uid of its own per slot (61000-61999)", "PID, mount, IPC and UTS",
                 "network namespace", "memory and process ceiling", "cgroup v1",
                 "seccomp and no_new_privs"):
        assert wall in text
    assert FULL.missing() == [] and "Missing" not in text


@pytest.mark.parametrize("caps, absent, missing", [
    (Capabilities(True, False, 61000, 61000, 1000, cgroups="cgroup v1", seccomp=True),
     "namespace", "namespaces"),
    (Capabilities(True, True, 61000, 61000, 1000, seccomp=True), "ceiling", "cgroups"),
    (Capabilities(True, True, 61000, 61000, 1000, cgroups="cgroup v2"), "seccomp", "seccomp"),
    (Capabilities(False, False, None, None, seccomp=True), "uid", "unprivileged uid"),
    (Capabilities(False, False, None, None, seccomp=True, user_namespaces=True), "network",
     "network namespace"),
])
def test_a_missing_wall_is_not_claimed_and_is_named(caps, absent, missing):
    walls = "; ".join(caps.walls())
    assert absent not in walls
    assert any(missing in item for item in caps.missing())
    assert "Missing: " in caps.describe()


@pytest.mark.skipif(not CAPS.root, reason="needs root (then only the namespaces are taken away)")
def test_require_isolation_refuses_when_a_wall_is_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPUTELAB_ISOLATION", "user")  # as a grader without namespaces
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "alice.py").write_text("print('hi')\n")
    result = CliRunner().invoke(app, ["grade", "01", str(tmp_path / "class"), "--out",
                                      str(tmp_path / "out"), "--require-isolation", "--json"])
    assert result.exit_code != 0
    assert "--require-isolation" in result.output and "namespaces" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out" / "students").exists() or not any(
        (tmp_path / "out" / "students").iterdir())
