"""Class 8: learner code that a check runs (lab 03 calls the learner's Lambda handler)
runs behind the submission's walls when grading as root — its slot's uid, no network, the
course hidden, seccomp — and, without root ("Check my work"), still in a separate process
with resource and time limits."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest

from grader.grading import hardening
from grader.grading.learner import LearnerWalls, walled_handlers
from grader.grading.zygote import keep_paths
from grader.kit import handlers
from grader.paths import course_root
from tests.grading.walls import CAPS

SPY = f'''
import os, socket
def handler(event, context):
    seen = {{"uid": os.getuid(), "host": socket.gethostname()}}
    seen["labs"] = os.path.exists({str(course_root() / "labs")!r})
    try:
        socket.create_connection(("1.1.1.1", 53), timeout=2).close()
        seen["net"] = "out"
    except OSError as exc:
        seen["net"] = type(exc).__name__
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    seen["unshare"] = "ok" if libc.unshare(0x10000000) == 0 else "denied"
    return seen
'''
FUNCTION = {"FunctionName": "spy", "Handler": "app.handler", "Environment": {}}


def _invoke(tmp_path: Path, source: str, seconds: int = 5) -> dict:
    code_dir = tmp_path / "task"
    code_dir.mkdir()
    (code_dir / "app.py").write_text(source)
    return handlers.invoke(code_dir, FUNCTION, [{}], tmp_path, "us-east-1", seconds)


@pytest.mark.skipif(not CAPS.namespaces, reason="needs root and namespaces")
def test_a_handler_run_by_a_check_is_walled(tmp_path):
    tmp_path.chmod(0o755)
    walls = LearnerWalls(user=CAPS.slot_user(0), keep=keep_paths(),
                         hide_dirs=[course_root()], make_group=lambda: None,
                         seccomp=hardening.build(), namespaces=True)
    with walled_handlers(walls):
        outcome = _invoke(tmp_path, SPY)
    assert handlers.PREEXEC is None  # only while the checks run
    assert outcome["stage"] == "done", outcome
    seen = outcome["results"][0]
    assert seen["uid"] == CAPS.slot_user(0)[0]
    assert seen["host"] != socket.gethostname()
    assert seen["labs"] is False
    assert seen["net"] != "out"
    assert seen["unshare"] == "denied"


def test_without_root_a_handler_still_gets_its_own_limited_process(tmp_path):
    outcome = _invoke(tmp_path, "import os, resource\n"
                      "def handler(event, context):\n"
                      "    return {'pid': os.getpid(),\n"
                      "            'as': resource.getrlimit(resource.RLIMIT_AS)[0],\n"
                      "            'cpu': resource.getrlimit(resource.RLIMIT_CPU)[0]}\n")
    seen = outcome["results"][0]
    assert seen["pid"] != os.getpid() and seen["as"] == 1 << 30 and 0 < seen["cpu"] <= 10


def test_a_handler_that_never_returns_is_stopped(tmp_path):
    outcome = _invoke(tmp_path, "def handler(event, context):\n    while True: pass\n", 1)
    assert outcome["stage"] in ("timeout", "crash"), json.dumps(outcome)
