"""Each lab's AWS state across trainer restarts, driven through the real `computelab` command:
stop/start, a crash (SIGKILL), `status`, and `reset` (one lab or --all, running or not)."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from grader.aws import Account
from grader.cli import app
from grader.sandbox import read_runtime, write_runtime
from grader.sandbox.journal import header, state_dir

BIN = Path(sys.executable).parent / "computelab"
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def fake_log(folder: Path, lab: str, requests: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [header(lab, Account("123456789012", "AKIA", "s"), False)]
    lines += [{"seq": n} for n in range(requests)]
    (folder / f"{lab}.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))


@pytest.fixture
def stopped_workspace(tmp_path):
    """A workspace the trainer last ran on, with saved state for labs 01 and 03."""
    workspace = tmp_path / "work"
    write_runtime({"workspace": str(workspace)})
    fake_log(state_dir(workspace), "01-ec2-from-ami", 7)
    fake_log(state_dir(workspace), "03-lambda-triggers", 1)
    return workspace


def test_status_when_stopped_lists_saved_state(stopped_workspace):
    result = run("status")
    assert result.exit_code == 1 and "not running" in result.output
    assert re.search(r"Saved AWS state: 01 \(7 requests\), 03 \(1 request\); \d+ KB in "
                     + re.escape(str(state_dir(stopped_workspace))), result.output)


def test_reset_while_stopped_wipes_one_lab_or_all(stopped_workspace):
    one = run("reset", "03", "--yes")
    assert one.exit_code == 0 and "no saved sandbox state" in one.output
    assert [p.name for p in state_dir(stopped_workspace).iterdir()] == ["01-ec2-from-ami.jsonl"]
    every = run("reset", "--all", "--yes")
    assert every.exit_code == 0 and every.output.startswith("Every lab has no saved")
    assert not list(state_dir(stopped_workspace).iterdir())


@pytest.mark.parametrize("args", [(), ("01", "--all")])
def test_reset_needs_one_lab_or_all(args, stopped_workspace):
    result = run("reset", *args, "--yes")
    assert result.exit_code == 2 and "`computelab reset --all`" in result.output
    assert len(list(state_dir(stopped_workspace).iterdir())) == 2


class Trainer:
    """`computelab start --no-browser` in its own session (so SIGKILL takes JupyterLab too)."""

    def __init__(self, workspace: Path, env: dict[str, str], log: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.log = log
        self.output = log.open("w")
        self.proc = subprocess.Popen(
            [str(BIN), "start", "--no-browser", "--port", str(port), "--workspace",
             str(workspace)], stdout=self.output, stderr=subprocess.STDOUT, env=env,
            start_new_session=True)
        deadline = time.monotonic() + 180
        while "Open http" not in log.read_text():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.kill()
                pytest.fail("computelab start did not come up: " + log.read_text()[-2000:])
            time.sleep(0.2)

    def first_lines(self) -> list[str]:
        """What start printed before JupyterLab's own lines."""
        return self.log.read_text().splitlines()[:4]

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.output.close()


@pytest.mark.slow
def test_state_survives_stop_start_and_a_crash(computelab_home, tmp_path):
    env = {**os.environ, "COMPUTELAB_HOME": str(computelab_home)}
    workspace = tmp_path / "work"

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(BIN), *args], capture_output=True, text=True, env=env,
                              timeout=300)

    first = Trainer(workspace, env, tmp_path / "1.log")
    try:
        assert cli("solve", "01").returncode == 0
        assert cli("stop").returncode == 0
        first.proc.wait(timeout=60)
    finally:
        first.kill()
    second = Trainer(workspace, env, tmp_path / "2.log")
    try:
        assert second.first_lines()[0] == "Restoring the AWS state of 1 lab ..."
        restored = second.first_lines()[1]
        assert re.fullmatch(r"Restored 1 lab: 01 \(\d+ requests\)\.", restored), restored
        assert cli("check", "01").returncode == 0  # full marks, from the restored state
        assert cli("solve", "06").returncode == 0
        status = cli("status").stdout
        assert re.search(r"Saved AWS state: 01 \(\d+ requests\), 06 \(\d+ requests\)", status)
    finally:
        second.kill()  # a crash: SIGKILL, nothing gets to clean up
    third = Trainer(workspace, env, tmp_path / "3.log")
    try:
        assert third.first_lines()[1].startswith("Restored 2 labs: 01 (")
        assert cli("check", "06").returncode == 0
        reset = cli("reset", "01", "--yes")
        assert reset.returncode == 0 and "fresh, empty sandbox account" in reset.stdout
        assert cli("check", "01").returncode == 1
        assert "01 (0 requests)" in cli("status").stdout
    finally:
        third.kill()
    assert read_runtime()["workspace"] == str(workspace.resolve())
