"""Operating-system walls around a graded submission (Linux; best effort elsewhere).

What the grader can build depends on who runs it:

- As root with namespaces (a VM, ``docker run --privileged``, CI): each grading worker gets
  its own network namespace (only a loopback interface, so its moto server is invisible to
  every other worker and nothing can leave the machine); each submission gets its own PID,
  mount, IPC and UTS namespaces (when it ends, the kernel kills every process it started;
  private ``/tmp``, ``/run``, ``/dev/shm``; the course, ``--out`` and the class hidden), a
  uid of its own per slot (``uid_range``) and a cgroup (``grader.grading.cgroups``).
- As root without namespaces (a default Docker container, Gradescope): the per-slot uid,
  cgroups and file permissions still apply; leftovers are found and killed through the
  relay's child-subreaper.
- As an ordinary user: the submission runs as that user, in a user namespace with its own
  PID, mount, IPC and UTS namespaces where the kernel allows it. Process groups, the
  child-subreaper, resource limits, seccomp, the network audit hook and one sandbox
  server per submission still apply.

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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWPID = 0x20000000
CLONE_NEWUSER = 0x10000000
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
    """Ask the kernel to SIGKILL this process when its parent dies (Linux only). A change
    of uid or gid cancels the request: call it again after dropping privileges."""
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


UID_RANGE = "61000-61999"  # COMPUTELAB_GRADING_UIDS: two uids per slot (submission, server)


@dataclass(frozen=True)
class Capabilities:
    """Which walls this grader can build (probed once, in a throwaway child)."""

    root: bool
    namespaces: bool
    uid: int | None  # the first of the uids submissions and servers run as (root only)
    gid: int | None
    uid_count: int = 0
    cgroups: str = ""  # "cgroup v1" / "cgroup v2" when per-submission groups work
    seccomp: bool = False
    user_namespaces: bool = False  # not root, but unprivileged user namespaces work

    @property
    def private(self) -> bool:
        """Whether each submission gets its own PID, mount, IPC and UTS namespaces (as
        root, or as an ordinary user through a user namespace)."""
        return self.namespaces or self.user_namespaces

    @property
    def user(self) -> tuple[int, int]:
        """The first (uid, gid) of the range; there is one only when the grader is root."""
        if self.uid is None or self.gid is None:
            raise RuntimeError("no unprivileged user to switch to: the grader is not root")
        return self.uid, self.gid

    def slot_user(self, slot: int, server: bool = False) -> tuple[int, int]:
        """A uid (and gid) of its own for the submission (or the server) graded in ``slot``:
        no two processes of different submissions ever share a uid."""
        uid, _ = self.user
        offset = 2 * slot + (1 if server else 0)
        if offset >= self.uid_count:
            raise RuntimeError(f"the grading uid range holds {self.uid_count} uids: "
                               f"too few for slot {slot}")
        return uid + offset, uid + offset

    def walls(self) -> list[str]:
        """Exactly the walls in force, in the banner's words."""
        found = []
        if self.root:
            found.append(f"a uid of its own per slot ({self.uid}-"
                         f"{(self.uid or 0) + self.uid_count - 1})")
        if self.private:
            found.append(f"own {'user, ' if self.user_namespaces else ''}PID, mount, IPC "
                         "and UTS namespaces (private /tmp, /run, /dev/shm; course, --out "
                         "and classmates hidden)")
        if self.namespaces:
            found.append("a network namespace per worker")
        if self.cgroups:
            found.append(f"a memory and process ceiling per submission ({self.cgroups})")
        if self.seccomp:
            found.append("seccomp and no_new_privs")
        found.append("time, output and file-size limits")
        return found

    def missing(self) -> list[str]:
        """The walls a root grader with namespaces, cgroups and seccomp would add."""
        lacking = []
        if not self.root:
            lacking.append("an unprivileged uid per slot (run as root)")
        if self.user_namespaces:
            lacking.append("a network namespace per worker (run as root)")
        elif not self.namespaces:
            lacking.append("namespaces (run as root with CAP_SYS_ADMIN)")
        if not self.cgroups:
            lacking.append("per-submission cgroups (writable memory and pids controllers)")
        if not self.seccomp:
            lacking.append("seccomp (install libseccomp2 and pyseccomp)")
        return lacking

    def describe(self) -> str:
        text = "walls: " + "; ".join(self.walls())
        if self.missing():
            text += ". Missing: " + "; ".join(self.missing())
        return text


def probe() -> Capabilities:
    """Detect root, the uids to use, and whether namespaces can be created.

    ``COMPUTELAB_ISOLATION=user`` (no namespaces) or ``none`` (run submissions as the
    grader's own user) asks for less than the machine allows: for testing the fallbacks.
    """
    from grader.grading import hardening

    wanted = os.environ.get("COMPUTELAB_ISOLATION", "auto")
    root = hasattr(os, "geteuid") and os.geteuid() == 0
    seccomp = hardening.available() and wanted != "none"
    if wanted == "none":
        return Capabilities(False, False, None, None, seccomp=seccomp)
    if not root:
        return Capabilities(False, False, None, None, seccomp=seccomp,
                            user_namespaces=wanted == "auto" and _try(_probe_user_namespace))
    first, count = uid_range()
    namespaces = False
    if wanted != "user" and hasattr(os, "fork") and Path("/proc/self/ns/pid").exists():
        pid = os.fork()
        if pid == 0:  # pragma: no cover - child
            code = 1
            try:
                unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWIPC
                        | CLONE_NEWUTS)
                mount("none", "/", None, MS_REC | MS_PRIVATE)
                mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=1m")
                loopback_up()
                code = 0
            except Exception:
                pass
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        namespaces = os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    return Capabilities(True, namespaces, first, first, count, seccomp=seccomp)


def _try(probe: Callable[[], None]) -> bool:
    """Whether ``probe`` runs without an exception, in a throwaway child."""
    if not (hasattr(os, "fork") and Path("/proc/self/ns/pid").exists()):
        return False
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        code = 1
        try:
            probe()
            code = 0
        except Exception:
            pass
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def _probe_user_namespace() -> None:
    enter_user_namespace()
    unshare(CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS)
    mount("none", "/", None, MS_REC | MS_PRIVATE)
    mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=1m")


def enter_user_namespace() -> None:
    """As an ordinary user: a new user namespace (mapping only our own uid and gid) with a
    new mount namespace, in which this process may mount. Single-threaded callers only."""
    uid, gid = os.getuid(), os.getgid()
    unshare(CLONE_NEWUSER | CLONE_NEWNS)
    Path("/proc/self/setgroups").write_text("deny")
    Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
    Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")


def drop_capabilities() -> None:
    """Give up every capability (those a user namespace grants its creator included)."""
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this thread
    data = (ctypes.c_uint32 * 6)()
    _check(libc().capset(header, data), "capset")


def uid_range(spec: str | None = None) -> tuple[int, int]:
    """(first uid, how many) from ``COMPUTELAB_GRADING_UIDS`` (``FIRST-LAST``); refuses a
    range that holds a uid or gid ``/etc/passwd`` or ``/etc/group`` uses."""
    import grp
    import pwd

    spec = spec or os.environ.get("COMPUTELAB_GRADING_UIDS") or UID_RANGE
    try:
        first, last = (int(part) for part in spec.split("-"))
    except ValueError:
        raise ValueError(f"COMPUTELAB_GRADING_UIDS={spec!r} is not FIRST-LAST "
                         "(e.g. 61000-61999)") from None
    if not 0 < first <= last:
        raise ValueError(f"COMPUTELAB_GRADING_UIDS={spec!r}: FIRST must be positive and "
                         "not above LAST")
    used = {p.pw_uid for p in pwd.getpwall()} | {g.gr_gid for g in grp.getgrall()}
    clash = sorted(u for u in used if first <= u <= last)
    if clash:
        raise ValueError(f"COMPUTELAB_GRADING_UIDS={spec!r} includes uid/gid {clash[0]}, "
                         "which this machine uses: pick a range no account or group uses")
    return first, last - first + 1


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


PRIVATE_DIRS = ("/tmp", "/var/tmp", "/dev/shm", "/run", "/var/lock", "/run/lock")


def private_tmp(size_mb: int, keep: Iterable[Path] = ()) -> None:
    """Fresh, size-capped tmpfs on every shared writable directory (/tmp, /var/tmp,
    /dev/shm, /run, /var/lock): nothing a submission leaves there outlives its namespace,
    and nothing another left is visible."""
    keep = [Path(k) for k in keep]
    for target in PRIVATE_DIRS:
        if not os.path.isdir(target) or os.path.islink(target):
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


def set_hostname(name: str) -> None:
    """In a private UTS namespace: a host name that says nothing about the machine."""
    data = name.encode()
    _check(libc().sethostname(data, ctypes.c_size_t(len(data))), "sethostname")


def hide_course_copies(dirs: Iterable[Path]) -> None:
    """Empty every copy of the course's labs (solutions, checks), even one inside a folder
    that was bound back because the submission needs it (an installed package's
    ``grader/_course``)."""
    for directory in sorted({Path(d) for d in dirs}, key=lambda p: len(p.parts)):
        if directory.is_dir() and str(directory) not in _SYSTEM_DIRS:
            mount("tmpfs", str(directory), "tmpfs", MS_NOSUID | MS_NODEV | MS_RDONLY,
                  "size=4k,mode=0755")
