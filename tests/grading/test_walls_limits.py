"""Class 4: limits that hold for a whole submission and are not shared with classmates.

A uid of its own per slot (from a range no account uses), and per-submission cgroups under
the grader's own: a memory ceiling for the whole process tree (tmpfs files included) and a
process ceiling. The cgroup logic is tested against a fake v1 and v2 tree too (the real v2
cannot be tried on every machine)."""

from __future__ import annotations

import os
import pwd
from pathlib import Path

import pytest

from grader.grading import cgroups, isolation
from grader.grading.protocol import MAX_PROCESSES, Limits
from tests.grading.walls import CAPS, attack, needs_walls


def _fake_v2(base: Path, own: str = "/grader.slice/run") -> Path:
    parent = base / own.lstrip("/")
    parent.mkdir(parents=True)
    (base / "cgroup.controllers").write_text("cpu memory pids\n")
    (parent / "cgroup.controllers").write_text("memory pids\n")
    (parent / "cgroup.subtree_control").write_text("")
    (parent / "cgroup.procs").write_text("101\n102\n")
    return parent


def test_v2_moves_our_processes_to_a_leaf_and_delegates_the_controllers(tmp_path):
    parent = _fake_v2(tmp_path)
    proc = tmp_path / "cgroup"
    proc.write_text("0::/grader.slice/run\n")
    groups = cgroups.setup(tmp_path, str(proc), pid=4242)
    assert groups is not None and groups.v2
    assert groups.roots == (parent / "computelab-4242",)
    assert (parent / "cgroup.subtree_control").read_text() == "+memory +pids"
    assert (parent / "computelab-leaf" / "cgroup.procs").read_text() == "102"  # last write
    assert (groups.roots[0] / "cgroup.subtree_control").read_text() == "+memory +pids"
    group = groups.create("submission-3", 512 * 2**20, 64)
    folder = groups.roots[0] / "submission-3"
    assert group.dirs == (folder,)
    assert (folder / "memory.max").read_text() == str(512 * 2**20)
    assert (folder / "memory.swap.max").read_text() == "0"
    assert (folder / "pids.max").read_text() == "64"
    (folder / "memory.events").write_text("low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n")
    assert group.oom_killed()


def test_v2_without_delegated_controllers_gives_none(tmp_path):
    parent = _fake_v2(tmp_path)
    (parent / "cgroup.controllers").write_text("cpu\n")
    proc = tmp_path / "cgroup"
    proc.write_text("0::/grader.slice/run\n")
    assert cgroups.setup(tmp_path, str(proc), pid=1) is None


def test_v1_nests_under_each_controllers_own_group_and_sweeps_dead_runs(tmp_path):
    proc = tmp_path / "cgroup"
    proc.write_text("8:pids:/\n4:memory:/jobs/abc\n0::/\n")
    for hierarchy in ("memory/jobs/abc", "pids"):
        (tmp_path / hierarchy).mkdir(parents=True)
        (tmp_path / hierarchy.split("/")[0] / "cgroup.procs").write_text("")
    dead = tmp_path / "pids" / "computelab-999999999"  # a crashed run's folder
    (dead / "submission-1").mkdir(parents=True)
    groups = cgroups.setup(tmp_path, str(proc), pid=os.getpid())
    assert groups is not None and not groups.v2
    assert groups.roots == (tmp_path / f"memory/jobs/abc/computelab-{os.getpid()}",
                            tmp_path / f"pids/computelab-{os.getpid()}")
    assert not dead.exists()
    group = groups.create("server-2", 2**30, 256)
    assert (group.dirs[0] / "memory.limit_in_bytes").exists() is False  # fake: no files
    groups.remove()
    assert not any(root.exists() for root in groups.roots)


def test_uid_range_refuses_uids_in_use_and_bad_text():
    taken = min(p.pw_uid for p in pwd.getpwall() if p.pw_uid > 0)
    with pytest.raises(ValueError, match="uses"):
        isolation.uid_range(f"{taken}-{taken + 5}")
    with pytest.raises(ValueError, match="FIRST-LAST"):
        isolation.uid_range("lots")
    first, count = isolation.uid_range("61000-61009")
    assert (first, count) == (61000, 10)


def test_each_slot_has_its_own_uids():
    caps = isolation.Capabilities(True, True, 61000, 61000, 8)
    users = {caps.slot_user(s, server) for s in range(4) for server in (False, True)}
    assert len(users) == 8
    with pytest.raises(RuntimeError):
        caps.slot_user(4)


# --- real grading ---------------------------------------------------------------------------

def _cgroups_work() -> bool:
    if not CAPS.root:
        return False
    groups = cgroups.setup(pid=os.getpid())
    if groups is None:
        return False
    groups.remove()
    return True


needs_cgroups = pytest.mark.skipif(not _cgroups_work(),
                                   reason="needs root and writable memory and pids cgroups")

FORK_AND_HOLD = '''
import os, time
children = []
for _ in range(4):
    pid = os.fork()
    if pid == 0:
        try:
            block = bytearray(120 * 1024 * 1024)
            block[::4096] = b"x" * len(block[::4096])
            time.sleep(3)
        finally:
            os._exit(0)
    children.append(pid)
held = sum(1 for pid in children if os.waitpid(pid, 0)[1] == 0)
found(held=held)
'''
FILL_SHM = '''
import os
written = 0
try:
    with open("/dev/shm/fill", "wb") as f:
        for _ in range(48):
            f.write(b"x" * (8 * 1024 * 1024))
            f.flush()
            written += 8
except OSError:
    pass
found(written=written)
'''
FORK_MANY = '''
import os
made = 0
for _ in range(400):
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        try:
            os.execv("/bin/sleep", ["sleep", "20"])  # small: the memory ceiling stays far
        finally:
            os._exit(0)
    made += 1
found(made=made, uid=os.getuid())
'''
WHO = ("import os, time\nstart = time.time()\ntime.sleep(3)\n"
       "found(uid=os.getuid(), start=start, end=time.time())\n")


@pytest.mark.slow
@needs_walls
@needs_cgroups
def test_memory_and_process_ceilings_hold_for_the_whole_tree(tmp_path):
    got = attack(tmp_path, {"who": WHO, "who-too": WHO, "fork-and-hold": FORK_AND_HOLD,
                            "fill-shm": FILL_SHM, "fork-many": FORK_MANY},
                 Limits(timeout=60, memory_mb=256), jobs=2)
    used = {p.pw_uid for p in pwd.getpwall()}
    # four children of 120 MB each fit under a per-process limit, not under 256 MB in all
    hold, fill = got["fork-and-hold"], got["fill-shm"]
    assert hold.get("held", 0) < 4, hold
    assert "out of memory (limit 256 MB)" in hold.get("_output", "out of memory (limit 256 MB)")
    assert fill.get("written", 0) < 384, fill  # files in tmpfs count against the ceiling
    assert got["fork-many"]["made"] < MAX_PROCESSES
    assert got["fork-many"]["uid"] not in used and got["who"]["uid"] not in used
    first, second = got["who"], got["who-too"]
    if first["start"] < second["end"] and second["start"] < first["end"]:
        assert first["uid"] != second["uid"]  # one uid per slot: at the same time, never one
    assert second["uid"] not in used


@pytest.mark.slow
@needs_walls
@needs_cgroups
def test_groups_are_removed_and_a_crashed_runs_are_swept(tmp_path):
    own = cgroups.own_paths()
    parent = Path("/sys/fs/cgroup/pids") / own["pids"].lstrip("/")
    crashed = parent / "computelab-999999999"
    (crashed / "submission-0").mkdir(parents=True)
    attack(tmp_path, {"who": WHO}, jobs=1)
    assert not crashed.exists()
    left = [p for p in parent.glob("computelab-*")
            if p.name[len("computelab-"):].isdigit()
            and not Path("/proc", p.name[len("computelab-"):]).exists()]
    assert left == []
