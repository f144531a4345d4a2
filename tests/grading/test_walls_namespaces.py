"""Class 5: nothing outlives a submission or is shared with another. Each gets its own
IPC namespace (System V shared memory), UTS namespace (host name) and private /run,
/var/lock, /dev/shm and /tmp: what the host (or an earlier submission) left there is
invisible, and what a submission leaves there is gone when it ends."""

from __future__ import annotations

import ctypes
import os
import secrets
import socket
from pathlib import Path

import pytest

from tests.grading.walls import attack, needs_walls

pytestmark = [pytest.mark.slow, needs_walls]
IPC_CREAT, IPC_RMID = 0o1000, 0
_libc = ctypes.CDLL(None, use_errno=True)

SHM = '''
import ctypes, os, socket
libc = ctypes.CDLL(None, use_errno=True)
def shm(key, create):
    return libc.shmget(ctypes.c_int(key), ctypes.c_size_t(4096),
                       ctypes.c_int((0o1000 | 0o666) if create else 0o666))
'''


def test_ipc_uts_and_shared_folders_are_private(tmp_path):
    key = secrets.randbelow(2**30) + 1
    theirs = secrets.randbelow(2**30) + 1
    host_segment = _libc.shmget(ctypes.c_int(key), ctypes.c_size_t(4096),
                                ctypes.c_int(IPC_CREAT | 0o666))
    assert host_segment >= 0
    marker = f"computelab-leftover-{secrets.token_hex(4)}"
    planted = [Path(d) / marker for d in ("/run", "/dev/shm", "/tmp", "/var/tmp")
               if os.path.isdir(d)]
    try:
        for path in planted:
            path.write_text("from the host (or an earlier submission)")
            path.chmod(0o666)
        code = SHM + f'''
seen = shm({key}, False) >= 0
made = shm({theirs}, True) >= 0
written = []
for folder in ("/run", "/var/lock", "/dev/shm", "/tmp", "/var/tmp"):
    try:
        with open(os.path.join(folder, "left-by-submission-{marker}"), "w") as f:
            f.write("x")
        written.append(folder)
    except OSError:
        pass
visible = [d for d in ("/run", "/dev/shm", "/tmp", "/var/tmp")
           if os.path.exists(os.path.join(d, {marker!r}))]
found(seen=seen, made=made, visible=visible, written=written, host=socket.gethostname(),
      cgroups=sorted(set(line.split(":", 2)[2].strip() for line in open("/proc/self/cgroup"))))
'''
        got = attack(tmp_path, {"ipc": code}, jobs=1)["ipc"]
    finally:
        _libc.shmctl(ctypes.c_int(host_segment), ctypes.c_int(IPC_RMID), None)
        for path in planted:
            path.unlink(missing_ok=True)
    assert got.get("seen") is False and got["made"] is True, got
    assert got["visible"] == [], got
    assert got["host"] != socket.gethostname(), got
    assert got["cgroups"] == ["/"], got  # its own cgroup namespace: no host paths
    # what it created is gone: its segment is not in the host's IPC namespace, its files
    # are not in the host's folders
    assert _libc.shmget(ctypes.c_int(theirs), ctypes.c_size_t(4096), ctypes.c_int(0o666)) < 0
    for folder in got["written"]:
        assert not (Path(folder) / f"left-by-submission-{marker}").exists()
    assert "/run" in got["written"] and "/dev/shm" in got["written"]
