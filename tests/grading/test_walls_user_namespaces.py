"""The ordinary-user fallback: where the kernel allows unprivileged user namespaces, a
grader that is not root still gives each submission its own user, PID, mount, IPC and UTS
namespaces — the course and classmates hidden, private /tmp — and drops the capabilities
the user namespace grants, so a submission cannot undo its own mounts."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from grader.grading import isolation
from grader.grading.zygote import keep_paths
from grader.paths import PACKAGE_DIR
from tests.grading.walls import CAPS, LAB, PRELUDE, report

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not CAPS.root, reason="needs root to become an ordinary "
                                 "user whose Python is readable")]
UID = 61990

SNOOP = f'''
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
caps = [l.split()[1] for l in open("/proc/self/status") if l.startswith("CapEff")][0]
found(solution=os.path.exists({str(LAB.path / "solution.py")!r}), uid=os.getuid(),
      caps=caps, umount=libc.umount2(b"/tmp", 0) == 0, pid=os.getpid(),
      mount=libc.mount(b"none", b"/tmp", b"tmpfs", 0, None) == 0)
'''


def _grade_as_ordinary_user(folder: Path) -> tuple[str, str]:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        try:
            isolation.unshare(isolation.CLONE_NEWNS)
            isolation.mount("none", "/", None, isolation.MS_REC | isolation.MS_PRIVATE)
            isolation.make_traversable([*keep_paths(), PACKAGE_DIR.parent], UID, UID)
            isolation.drop_privileges(UID, UID)
            os.environ["HOME"] = str(folder)
            from grader.grading import grade_iter

            banner: list[str] = []
            graded = list(grade_iter(LAB, [folder / "snoop.py"], jobs=1,
                                     on_ready=lambda info: banner.append(info.isolation)))
            os.write(write, json.dumps([banner[0], graded[0].result.output]).encode())
        except BaseException as exc:
            os.write(write, json.dumps(["", repr(exc)]).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        banner, output = json.loads(pipe.read())
    os.waitpid(pid, 0)
    return banner, output


def test_an_ordinary_user_grader_walls_submissions_with_user_namespaces():
    folder = Path(tempfile.mkdtemp(prefix="computelab-user-"))  # (pytest's is root's only)
    try:
        (folder / "snoop.py").write_text(PRELUDE + SNOOP)
        for path in (folder, folder / "snoop.py"):
            os.chown(path, UID, UID)
        banner, output = _grade_as_ordinary_user(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    assert "own user, PID, mount, IPC and UTS namespaces" in banner, (banner, output)
    assert "Missing: an unprivileged uid per slot" in banner
    got = report(output)
    assert got == {"solution": False, "uid": UID, "caps": "0000000000000000",
                   "umount": False, "mount": False, "pid": 2}, output
