"""Per-submission control groups: one memory ceiling and one process ceiling for a whole
process tree, whatever it forks.

``rlimit``s count per process (memory) or per user (processes), so a submission that forks
multiplies its memory and one that forks without end starves every classmate run as the same
user. A control group counts the whole tree, tmpfs files included (a file in a private
``/tmp`` is memory charged to whoever wrote it).

Groups are nested under the grader's own group (read from ``/proc/self/cgroup``), in one
folder per grading run, ``computelab-<pid>``: each submission and each sandbox server gets
its own child group, removed when it ends; a run that crashed leaves its folder behind and
the next run sweeps it (``sweep``). Both layouts are handled: cgroup v1 (one hierarchy per
controller, ``memory`` and ``pids`` here) and v2 (one unified hierarchy, with the
controllers delegated down to our folder). Everything takes a ``base`` folder so the logic
can be tested against a fake tree.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from grader.sandbox.runtime import process_running

BASE = Path("/sys/fs/cgroup")
PREFIX = "computelab-"
CONTROLLERS = ("memory", "pids")


def own_paths(proc_cgroup: str = "/proc/self/cgroup") -> dict[str, str]:
    """``{controller: path}`` of this process's groups; v2's unified group is key ``""``."""
    paths: dict[str, str] = {}
    try:
        text = Path(proc_cgroup).read_text()
    except OSError:
        return paths
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        for controller in parts[1].split(",") if parts[1] else [""]:
            paths[controller] = parts[2]
    return paths


@dataclass(frozen=True)
class Group:
    """One submission's (or server's) group: a folder per hierarchy (one in v2)."""

    dirs: tuple[Path, ...]
    v2: bool

    def join(self, pid: int = 0) -> None:
        """Move ``pid`` (0: this process) into the group; its children follow."""
        for directory in self.dirs:
            (directory / "cgroup.procs").write_text(f"{pid or os.getpid()}\n")

    def pids(self) -> set[int]:
        found: set[int] = set()
        for directory in self.dirs:
            try:
                found.update(int(p) for p in (directory / "cgroup.procs").read_text().split())
            except (OSError, ValueError):
                pass
        return found

    def kill(self) -> None:
        """SIGKILL every process in the group (v2: ``cgroup.kill``; v1: until empty)."""
        if self.v2 and (self.dirs[0] / "cgroup.kill").exists():
            _write(self.dirs[0] / "cgroup.kill", "1")
        for _ in range(100):
            left = self.pids()
            if not left:
                return
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            time.sleep(0.002)

    def oom_killed(self) -> bool:
        """Whether the kernel killed a process here for going over the memory ceiling."""
        name = "memory.events" if self.v2 else "memory.oom_control"
        for directory in self.dirs:
            try:
                for line in (directory / name).read_text().splitlines():
                    key, _, value = line.partition(" ")
                    if key == "oom_kill" and int(value) > 0:
                        return True
            except (OSError, ValueError):
                continue
        return False

    def remove(self) -> None:
        """Kill what is left and delete the group's folders."""
        self.kill()
        for directory in self.dirs:
            _rmdir(directory)


@dataclass(frozen=True)
class Cgroups:
    """This grading run's folder(s) of groups: ``roots`` (one per hierarchy, one in v2)."""

    roots: tuple[Path, ...]
    v2: bool

    def describe(self) -> str:
        return "cgroup v2" if self.v2 else "cgroup v1"

    def create(self, name: str, memory_bytes: int | None, max_processes: int | None) -> Group:
        """A fresh child group with a memory ceiling (no swap) and a process ceiling."""
        dirs = []
        for root in self.roots:
            directory = root / name
            if directory.exists():
                Group((directory,), self.v2).remove()
            directory.mkdir()
            dirs.append(directory)
        group = Group(tuple(dirs), self.v2)
        for directory in dirs:
            if self.v2:
                if memory_bytes:
                    _write(directory / "memory.max", str(memory_bytes))
                    _write(directory / "memory.swap.max", "0", optional=True)
                if max_processes:
                    _write(directory / "pids.max", str(max_processes))
            else:
                if memory_bytes and (directory / "memory.limit_in_bytes").exists():
                    _write(directory / "memory.limit_in_bytes", str(memory_bytes))
                    _write(directory / "memory.memsw.limit_in_bytes", str(memory_bytes),
                           optional=True)
                if max_processes and (directory / "pids.max").exists():
                    _write(directory / "pids.max", str(max_processes))
        return group

    def remove(self) -> None:
        """Delete this run's folder(s), every group inside first."""
        for root in self.roots:
            _remove_tree(root, self.v2)


def _write(path: Path, value: str, optional: bool = False) -> None:
    try:
        path.write_text(value)
    except OSError:
        if not optional:
            raise


def _rmdir(directory: Path) -> None:
    for _ in range(50):
        try:
            directory.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.01)  # the last process is still leaving


def _remove_tree(root: Path, v2: bool) -> None:
    if not root.is_dir():
        return
    for child in root.iterdir():
        if child.is_dir():
            _remove_tree(child, v2)
    Group((root,), v2).remove()


def sweep(parent: Path, v2: bool) -> list[Path]:
    """Remove the folders of runs whose pool is gone (it crashed or was killed)."""
    removed: list[Path] = []
    if not parent.is_dir():
        return removed
    for folder in parent.iterdir():
        if not (folder.is_dir() and folder.name.startswith(PREFIX)):
            continue
        number = folder.name[len(PREFIX):]
        if number.isdigit() and not process_running(int(number)):
            _remove_tree(folder, v2)
            removed.append(folder)
    return removed


def setup(base: Path = BASE, proc_cgroup: str = "/proc/self/cgroup",
          pid: int | None = None) -> Cgroups | None:
    """This run's folder under our own group(s), after sweeping crashed runs' folders;
    None when neither v2 nor v1 ``memory`` and ``pids`` can be written here."""
    pid = pid or os.getpid()
    own = own_paths(proc_cgroup)
    try:
        if (base / "cgroup.controllers").exists():  # pure v2: one hierarchy at base
            return _setup_v2(base / own.get("", "/").lstrip("/"), pid)
        roots = []
        for controller in CONTROLLERS:
            hierarchy = base / controller
            if controller not in own or not (hierarchy / "cgroup.procs").exists():
                return None
            parent = hierarchy / own[controller].lstrip("/")
            sweep(parent, v2=False)
            root = parent / f"{PREFIX}{pid}"
            root.mkdir(exist_ok=True)
            roots.append(root)
        if (roots[0] / "memory.use_hierarchy").exists():
            _write(roots[0] / "memory.use_hierarchy", "1", optional=True)
        return Cgroups(tuple(roots), v2=False)
    except OSError:
        return None


def _setup_v2(parent: Path, pid: int) -> Cgroups:
    """v2: controllers reach a group only through every ancestor's ``subtree_control``, and
    a group that hands them down may hold no process itself; so the processes already in
    our group move to a leaf beside our folder first."""
    sweep(parent, v2=True)
    enabled = (parent / "cgroup.subtree_control").read_text().split()
    wanted = [c for c in CONTROLLERS if c not in enabled]
    if wanted:
        available = (parent / "cgroup.controllers").read_text().split()
        if any(c not in available for c in wanted):
            raise OSError("memory and pids controllers are not delegated here")
        leaf = parent / f"{PREFIX}leaf"
        leaf.mkdir(exist_ok=True)
        for process in (parent / "cgroup.procs").read_text().split():
            _write(leaf / "cgroup.procs", process, optional=True)
        _write(parent / "cgroup.subtree_control", " ".join(f"+{c}" for c in wanted))
    root = parent / f"{PREFIX}{pid}"
    root.mkdir(exist_ok=True)
    _write(root / "cgroup.subtree_control", " ".join(f"+{c}" for c in CONTROLLERS))
    return Cgroups((root,), v2=True)
