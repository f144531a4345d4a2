"""Class 10: when the grading command is killed outright (SIGKILL: no clean-up runs), every
process it started dies with it — pool, server template, sandbox servers, zygote, grading
processes, relays and submissions (each asks the kernel to kill it when its parent dies)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def _descendants(pid: int) -> set[int]:
    found, todo = set(), [pid]
    while todo:
        current = todo.pop()
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_killing_the_cli_leaves_no_process_behind(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("sleepy-1", "sleepy-2"):
        (folder / f"{name}.py").write_text("import time\ntime.sleep(120)\n")
    cli = subprocess.Popen(
        [sys.executable, "-c", "from grader.cli import main; main()", "grade", "01",
         str(folder), "--out", str(tmp_path / "out"), "--jobs", "2", "--timeout", "120",
         "--json"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seen: set[int] = set()
    try:
        deadline = time.monotonic() + 90
        steady = 0
        while time.monotonic() < deadline and steady < 10:
            now = _descendants(cli.pid)
            steady = steady + 1 if now and now <= seen and len(seen) >= 8 else 0
            seen |= now
            time.sleep(0.3)
        assert len(seen) >= 8, f"the grading tree never grew ({len(seen)} processes)"
    finally:
        cli.send_signal(signal.SIGKILL)
        cli.wait()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(_alive(p) for p in seen):
        time.sleep(0.2)
    left = {p: Path(f"/proc/{p}/cmdline").read_bytes()[:80] for p in seen if _alive(p)}
    for pid in left:  # do not leave them for the next test either
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert left == {}
