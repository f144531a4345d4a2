"""Operating-system walls around a graded submission (Linux; best effort elsewhere).

What the grader can build depends on who runs it:

- As root with namespaces (a VM, ``docker run --privileged``, CI): each grading worker gets
  its own network namespace (only a loopback interface, so its moto server is invisible to
  every other worker and nothing can leave the machine); each submission gets its own PID
  namespace (when it ends, the kernel kills every process it started, however detached)
  and mount namespace (private ``/tmp``, the course folder, ``--out`` and the other
  submissions hidden), and runs as an unprivileged user.
- As root without namespaces (a default Docker container, Gradescope): the unprivileged
  user and file permissions still apply; leftovers are found and killed through the
  worker's child-subreaper.
- As an ordinary user: the submission runs as that user. Process groups, the
  child-subreaper, resource limits, the network audit hook and one sandbox server per
  worker still apply, but a determined submission could read what you can read.

Everything here is a thin wrapper over a system call, so it can be used between ``fork``
and running the submission, where no threads and no imports are wanted.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import fcntl
import os
import resource
import socket
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

CLONE_NEWNS = 0x00020000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_BIND, MS_REC, MS_PRIVATE = 4096, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_CHILD_SUBREAPER = 1, 4, 36
_SIOCGIFFLAGS, _SIOCSIFFLAGS, _IFF_UP = 0x8913, 0x8914, 0x1
NOBODY = 65534

_libc: ctypes.CDLL | None = None


def libc() -> ctypes.CDLL:
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    return _libc


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def unshare(flags: int) -> None:
    _check(libc().unshare(ctypes.c_int(flags)), "unshare")


def setns(fd: int, nstype: int) -> None:
    _check(libc().setns(ctypes.c_int(fd), ctypes.c_int(nstype)), "setns")


def mount(source: str, target: str, fstype: str | None, flags: int, data: str = "") -> None:
    _check(libc().mount(source.encode(), str(target).encode(),
                        fstype.encode() if fstype else None, ctypes.c_ulong(flags),
                        data.encode() if data else None), f"mount {target}")


def prctl(option: int, value: int) -> None:
    _check(libc().prctl(ctypes.c_int(option), ctypes.c_ulong(value), ctypes.c_ulong(0),
                        ctypes.c_ulong(0), ctypes.c_ulong(0)), "prctl")


def die_with_parent() -> None:
    """Ask the kernel to SIGKILL this process when its parent dies (Linux only)."""
    try:
        prctl(PR_SET_PDEATHSIG, 9)
    except (OSError, AttributeError):
        pass


def become_subreaper() -> bool:
    """Orphaned descendants get re-parented to us, so we can find and kill them."""
    try:
        prctl(PR_SET_CHILD_SUBREAPER, 1)
        return True
    except (OSError, AttributeError):
        return False


def set_dumpable(value: bool) -> None:
    """A non-dumpable process cannot be ptraced or read through /proc by same-uid processes."""
    try:
        prctl(PR_SET_DUMPABLE, 1 if value else 0)
    except (OSError, AttributeError):
        pass


def loopback_up() -> None:
    """Bring ``lo`` up in a fresh network namespace (it starts down)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH22s", b"lo", 0, b"")
        flags = struct.unpack("16sH22s", fcntl.ioctl(sock, _SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock, _SIOCSIFFLAGS, struct.pack("16sH22s", b"lo", flags | _IFF_UP, b""))


@dataclass(frozen=True)
class Capabilities:
    """Which walls this grader can build (probed once, in a throwaway child)."""

    root: bool
    namespaces: bool
    uid: int | None
    gid: int | None

    @property
    def user(self) -> tuple[int, int]:
        """(uid, gid) that submissions run as; there is one only when the grader is root."""
        if self.uid is None or self.gid is None:
            raise RuntimeError("no unprivileged user to switch to: the grader is not root")
        return self.uid, self.gid

    def describe(self) -> str:
        if not self.root:
            return ("submissions run as the grader's own user (run the grader as root for "
                    "the full isolation)")
        who = f"uid {self.uid}"
        if self.namespaces:
            return (f"submissions run as {who} in their own PID, mount and network "
                    "namespaces")
        return (f"submissions run as {who}; no namespaces here (add CAP_SYS_ADMIN for "
                "private /tmp, PID and network namespaces)")


def probe() -> Capabilities:
    """Detect root, the unprivileged user to use, and whether namespaces can be created.

    ``COMPUTELAB_ISOLATION=user`` (no namespaces) or ``none`` (run submissions as the
    grader's own user) asks for less than the machine allows: for testing the fallbacks.
    """
    wanted = os.environ.get("COMPUTELAB_ISOLATION", "auto")
    root = hasattr(os, "geteuid") and os.geteuid() == 0
    if not root or wanted == "none":
        return Capabilities(False, False, None, None)
    uid, gid = _unprivileged_ids()
    namespaces = False
    if wanted != "user" and hasattr(os, "fork") and Path("/proc/self/ns/pid").exists():
        pid = os.fork()
        if pid == 0:  # pragma: no cover - child
            code = 1
            try:
                unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID)
                mount("none", "/", None, MS_REC | MS_PRIVATE)
                mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=1m")
                loopback_up()
                code = 0
            except Exception:
                pass
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        namespaces = os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    return Capabilities(True, namespaces, uid, gid)


def _unprivileged_ids() -> tuple[int, int]:
    override = os.environ.get("COMPUTELAB_GRADING_USER")
    import pwd

    try:
        entry = pwd.getpwnam(override or "nobody")
        return entry.pw_uid, entry.pw_gid
    except KeyError:
        if override and override.isdigit():
            return int(override), NOBODY
        return NOBODY, NOBODY


def drop_privileges(uid: int, gid: int) -> None:
    """Become ``uid``/``gid`` for good (no supplementary groups, no way back)."""
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)


def limit_resources(memory_bytes: int | None, max_processes: int | None,
                    file_bytes: int | None) -> None:
    """Address space, process count (per uid) and file size limits; no core dumps."""
    def cap(kind: int, value: int) -> None:
        _, hard = resource.getrlimit(kind)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(kind, (value, value))

    cap(resource.RLIMIT_CORE, 0)
    if memory_bytes:
        cap(resource.RLIMIT_AS, memory_bytes)
    if max_processes:
        cap(resource.RLIMIT_NPROC, max_processes)
    if file_bytes:
        cap(resource.RLIMIT_FSIZE, file_bytes)


def virtual_memory_bytes() -> int:
    """This process's current address-space size (what RLIMIT_AS counts)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def close_fds_except(keep: Iterable[int]) -> None:
    """Close every inherited descriptor but 0, 1, 2 and ``keep``."""
    keep_sorted = sorted({fd for fd in keep if fd > 2})
    low = 3
    for fd in keep_sorted:
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, _max_fd())


def _max_fd() -> int:
    try:
        return max(os.sysconf("SC_OPEN_MAX"), 1024)
    except (OSError, ValueError):
        return 65536


_SYSTEM_DIRS = {"/", "/usr", "/lib", "/lib32", "/lib64", "/bin", "/sbin", "/etc", "/proc",
                "/dev", "/sys", "/run", "/var", "/tmp"}


def other_top_level_dirs() -> list[Path]:
    """Every top-level directory that is not part of the system (``/home``, ``/root``,
    ``/work``, ``/opt``, ``/srv``...): hidden wholesale, because another copy of the course
    (and its solutions) may sit anywhere a user can write, not only where we were run from."""
    return [p for p in Path("/").iterdir()
            if p.is_dir() and not p.is_symlink() and str(p) not in _SYSTEM_DIRS]


def _within(path: Path, parent: Path) -> bool:
    return path == parent or parent in path.parents


def hide_paths(dirs: Iterable[Path], files: Iterable[Path], keep: Iterable[Path]) -> None:
    """In the current (private) mount namespace, make ``dirs`` empty and ``files`` empty.

    A directory that holds something in ``keep`` (the grader's own package, the Python
    installation) is emptied except for those paths, which are bound back in place.
    System directories (``/``, ``/usr``...) are never hidden.
    """
    keep = [Path(k) for k in keep]
    hidden: list[Path] = []
    everything = {Path(d) for d in dirs} | set(other_top_level_dirs())
    for directory in sorted(everything, key=lambda p: len(p.parts)):
        if (not directory.is_dir() or str(directory) in _SYSTEM_DIRS
                or any(_within(directory, h) for h in hidden)):
            continue
        inside = [k for k in keep if _within(k, directory)]
        if inside:
            _hide_dir_keeping(directory, inside)
        else:
            mount("tmpfs", str(directory), "tmpfs", MS_NOSUID | MS_NODEV | MS_RDONLY,
                  "size=4k,mode=0755")
        hidden.append(directory)
    for file in {Path(f) for f in files}:
        if file.is_file() and not any(_within(file, h) for h in hidden):
            mount("/dev/null", str(file), None, MS_BIND)


def _hide_dir_keeping(directory: Path, keep: list[Path],
                      options: str = "size=64k,mode=0755") -> None:
    fds = {k: os.open(k, os.O_RDONLY | os.O_DIRECTORY) for k in keep if k.is_dir()}
    try:
        mount("tmpfs", str(directory), "tmpfs", MS_NOSUID | MS_NODEV, options)
        for path, fd in sorted(fds.items(), key=lambda item: len(item[0].parts)):
            if any(_within(path, other) and other != path for other in fds):
                continue  # already bound back with its parent
            path.mkdir(mode=0o755, parents=True, exist_ok=True)
            mount(f"/proc/self/fd/{fd}", str(path), None, MS_BIND | MS_REC)
    finally:
        for fd in fds.values():
            os.close(fd)


def private_tmp(size_mb: int, keep: Iterable[Path] = ()) -> None:
    """Fresh, size-capped tmpfs on /tmp, /var/tmp and /dev/shm (gone with the namespace)."""
    keep = [Path(k) for k in keep]
    for target in ("/tmp", "/var/tmp", "/dev/shm"):
        if not os.path.isdir(target):
            continue
        inside = [k for k in keep if _within(k, Path(target))]
        if inside:  # e.g. a checkout (and its .venv) under /tmp: bind just those back
            _hide_dir_keeping(Path(target), inside, f"size={size_mb}m,mode=1777")
            continue
        try:
            mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, f"size={size_mb}m,mode=1777")
        except OSError as exc:
            if exc.errno != errno.ENOENT:
                raise


def _can_traverse(path: Path, uid: int, gid: int) -> bool:
    st = os.stat(path)
    if st.st_uid == uid:
        return bool(st.st_mode & 0o100)
    if st.st_gid == gid:
        return bool(st.st_mode & 0o010)
    return bool(st.st_mode & 0o001)


def make_traversable(keep: Iterable[Path], uid: int, gid: int) -> None:
    """Let ``uid`` reach each ``keep`` path: an ancestor it cannot enter (say ``/root``,
    where pyenv installs Python) is replaced by an empty tmpfs holding just those paths."""
    keep = [Path(k) for k in keep if Path(k).exists()]
    done: list[Path] = []
    for item in sorted(keep, key=lambda p: len(p.parts)):
        for ancestor in reversed(item.parents):
            if ancestor == Path("/") or any(_within(ancestor, d) for d in done):
                continue
            if not _can_traverse(ancestor, uid, gid):
                _hide_dir_keeping(ancestor, [k for k in keep if _within(k, ancestor)])
                done.append(ancestor)
                break


def fresh_proc() -> None:
    """Mount a /proc that shows only this PID namespace's processes."""
    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
