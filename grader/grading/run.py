"""Running one submission: fork it behind its walls (namespaces, an unprivileged user,
limits, the network guard), watch it (time, output, progress reports), and kill everything
it started. The submission's processes are handed a ``SubmissionContext`` only."""

from __future__ import annotations

import os
import select
import signal
import socket
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from grader.aws import REGION, install_loopback_guard, lab_environment
from grader.grading import hardening, isolation, netguard
from grader.grading.caller import kill_group
from grader.grading.cells import Reporter, run_submission
from grader.grading.protocol import (
    MAX_FILE_MB,
    MAX_PROCESSES,
    TMP_MB,
    Limits,
    ProtocolError,
    Report,
    SubmissionContext,
    SubmissionEnded,
    SubmissionRequest,
    SubmissionStarted,
    decode,
)
from grader.paths import PACKAGE_DIR
from grader.results import Status


@dataclass
class SubmissionRun:
    """How the submission's process ended, from the worker's point of view."""

    errors: list[tuple[int, str]] = field(default_factory=list)
    current: int | None = None
    internal: str = ""
    first_cell_at: float = 0.0
    done_at: float = 0.0
    marks: dict[str, float] = field(default_factory=dict)
    done: bool = False
    timed_out: bool = False
    too_much_output: bool = False
    out_of_memory: bool = False  # its cgroup's memory ceiling was hit
    output_bytes: int = 0
    exit_code: int | None = None
    signal: int | None = None

    @property
    def status(self) -> Status | None:
        """TIMEOUT or ERROR when the run did not finish by itself; None when it did."""
        if self.timed_out:
            return Status.TIMEOUT
        if self.too_much_output or not self.done:
            return Status.ERROR
        return None

    def reason(self, limits: Limits, notebook: bool) -> str:
        where = f"while cell {self.current} was running" if self.current else \
            "before its first cell"
        if not notebook:
            where = "while the script was running"
        what = "notebook" if notebook else "script"
        if self.timed_out:
            first = (f"Stopped after {limits.timeout:g} s (time limit) {where}; graded what "
                     "it had created by then.")
        elif self.too_much_output:
            first = (f"Stopped: printed more than {limits.output_mb} MB of output {where}; "
                     "graded what it had created by then.")
        elif self.done:
            first = ""
        elif self.internal:
            first = (f"The grader could not isolate this submission ({self.internal}); "
                     "tell your instructor.")
        elif self.signal is not None:
            name = _signal_name(self.signal)
            memory = ""
            if self.out_of_memory or any("MemoryError" in e for _, e in self.errors):
                memory = f" after running out of memory (limit {limits.memory_mb} MB)"
            first = (f"The {what}'s process was killed ({name}){memory} {where}; graded what "
                     "it had created by then.")
        else:
            first = (f"The {what} ended its own process (exit code {self.exit_code}) {where}; "
                     "later cells did not run." if notebook else
                     f"The script ended its own process (exit code {self.exit_code}) before "
                     "it finished.")
        return " ".join(part for part in (first, self._errors_text(limits)) if part)

    def _errors_text(self, limits: Limits) -> str:
        if not self.errors:
            return ""
        cell, error = self.errors[0]
        more = f" (and {len(self.errors) - 1} more)" if len(self.errors) > 1 else ""
        if error.startswith("MemoryError"):
            error = f"MemoryError (memory limit {limits.memory_mb} MB)"
        return f"Cell {cell} raised {error}{more}."


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _child_env(context: SubmissionContext, home: str) -> dict[str, str]:
    account = context.account
    base = {k: os.environ[k] for k in ("PATH", "LANG", "LC_ALL", "TZ") if k in os.environ}
    base.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    env = lab_environment(context.endpoint, account.access_key_id,
                          account.secret_access_key, REGION, base=base)
    site = os.path.join(home, ".computelab-site")
    env.update({
        "HOME": home, "TMPDIR": "/tmp", "USER": "student", "LOGNAME": "student",
        "COMPUTELAB_GRADING": "1", "COMPUTELAB_HOME": os.path.join(home, ".computelab"),
        "IPYTHONDIR": os.path.join(home, ".ipython"), "MPLBACKEND": "Agg",
        "PYTHONPATH": os.pathsep.join([site, str(PACKAGE_DIR.parent)]),
        "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1",
    })
    return env


def child_main(context: SubmissionContext, cells: list[str], notebook: bool, out_w: int,
               rep_w: int) -> None:
    """The submission's top process (forked by the zygote's relay): PID 1 of its own
    namespaces, or, without namespaces, the submission itself in a scratch folder."""
    try:
        if context.caps.private:
            _init_process(context, cells, notebook, out_w, rep_w)
        else:
            scratch = tempfile.mkdtemp(prefix="computelab-sub-")
            if context.user:
                os.chown(scratch, *context.user)
            _submission_process(context, cells, notebook, out_w, rep_w, scratch)
    except BaseException as exc:
        _report_internal(rep_w, exc)
    finally:
        os._exit(70)


def kill_leftovers(pid: int) -> None:
    """Without a PID namespace: the submission's process group, then anything detached
    (re-parented to the relay, a child-subreaper)."""
    kill_group(pid)
    _reap_leftovers()


def run_submission_isolated(conn: socket.socket, request: SubmissionRequest,
                            netns: int | None, limits: Limits) -> SubmissionRun:
    """Have the zygote fork the submission, watch it (time, output, progress), and make
    sure all it started is gone."""
    out_r, out_w = os.pipe()
    rep_r, rep_w = os.pipe()
    status_r, status_w = os.pipe()
    alive_r, alive_w = os.pipe()
    memfd = os.memfd_create("submission")
    os.write(memfd, request.to_bytes())
    os.lseek(memfd, 0, os.SEEK_SET)
    sent = [memfd, out_w, rep_w, status_w, alive_r] + ([netns] if netns is not None else [])
    try:
        socket.send_fds(conn, [b"run"], sent)
    finally:
        for fd in sent[:5]:
            os.close(fd)
    try:
        return _watch(status_r, out_r, rep_r, limits)
    finally:
        os.close(alive_w)  # the relay kills whatever is left when this closes


def _watch(status_r: int, out_r: int, rep_r: int, limits: Limits) -> SubmissionRun:
    run = SubmissionRun()
    deadline = time.monotonic() + limits.timeout
    cap = limits.output_mb * 1024 * 1024
    open_fds = {out_r, rep_r, status_r}
    pending, status_buffer = b"", b""
    started: int | None = None
    status: int | None = None
    while status_r in open_fds:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            run.timed_out = True
            break
        ready, _, _ = select.select(list(open_fds), [], [], min(remaining, 5))
        if out_r in ready:
            chunk = os.read(out_r, 1 << 20)
            if not chunk:
                open_fds.discard(out_r)
            run.output_bytes += len(chunk)
            if run.output_bytes > cap:
                run.too_much_output = True
                break
        if rep_r in ready:
            chunk = os.read(rep_r, 1 << 16)
            if not chunk:
                open_fds.discard(rep_r)
            pending = _parse_report(run, pending + chunk)
        if status_r in ready:
            chunk = os.read(status_r, 1 << 12)
            if not chunk:
                open_fds.discard(status_r)
            status_buffer += chunk
            started, status = _parse_status(status_buffer, started, status)
    if status is None and started:
        _kill_top(started)
    if status is None:  # wait (briefly) for the relay to report the end
        os.set_blocking(status_r, True)
        end = time.monotonic() + 10
        while status is None and time.monotonic() < end:
            if not select.select([status_r], [], [], 1)[0]:
                continue
            chunk = os.read(status_r, 1 << 12)
            if not chunk:
                break
            status_buffer += chunk
            started, status = _parse_status(status_buffer, started, status)
    # whatever the submission wrote just before it ended
    for fd in (out_r, rep_r):
        os.set_blocking(fd, False)
        try:
            while (chunk := os.read(fd, 1 << 16)) and fd == rep_r:
                pending = _parse_report(run, pending + chunk)
        except (BlockingIOError, OSError):
            pass
        os.close(fd)
    os.close(status_r)
    if status is None:
        run.signal = signal.SIGKILL
    elif os.WIFSIGNALED(status):
        run.signal = os.WTERMSIG(status)
    else:
        code = os.WEXITSTATUS(status)
        if code >= 128:  # the PID-1 helper passes on "killed by signal N" as 128 + N
            run.signal = code - 128
        else:
            run.exit_code = code
    if run.timed_out or run.too_much_output:
        run.signal = None
    return run


def _parse_status(data: bytes, started: int | None,
                  status: int | None) -> tuple[int | None, int | None]:
    for line in data.split(b"\n"):
        if not line.strip():
            continue
        try:
            message = decode(line, SubmissionStarted, SubmissionEnded)
        except ProtocolError:
            continue  # an incomplete last line: read again
        if isinstance(message, SubmissionStarted):
            started = message.pid
        elif isinstance(message, SubmissionEnded):
            status = message.status
    return started, status


def _kill_top(pid: int) -> None:
    """SIGKILL the submission's top process (PID 1 of its namespace: all go with it) and,
    without namespaces, its process group."""
    kill_group(pid)
    try:
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _parse_report(run: SubmissionRun, data: bytes) -> bytes:
    """Apply every complete report line in ``data``; return the incomplete rest."""
    *lines, rest = data.split(b"\n")
    for line in lines:
        report = Report.parse(line)
        if report is None:
            continue
        if report.done:
            run.done = True
            run.done_at = time.monotonic()
        if report.mark is not None and run.current is None and len(run.marks) < 8:
            run.marks[report.mark[:20]] = time.monotonic()
        if report.internal is not None and run.current is None:
            run.internal = report.internal
        if report.cell is not None:
            if run.current is None:
                run.first_cell_at = time.monotonic()
            run.current = report.cell
            if report.error is not None and len(run.errors) < 100:
                run.errors.append((report.cell, report.error))
    return rest[-65536:]


def _reap_leftovers() -> None:
    """Kill and reap every child left (orphaned grandchildren are re-parented to us)."""
    quiet = 0
    for _ in range(200):
        children = _children()
        if not children:
            quiet += 1
            if quiet == 2:
                return
            time.sleep(0.005)  # a dying parent may still be handing its children over
            continue
        quiet = 0
        for child in children:
            try:
                os.kill(child, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for child in children:
            try:
                os.waitpid(child, 0)
            except ChildProcessError:
                pass


def _children() -> list[int]:
    me = os.getpid()
    try:
        with open(f"/proc/{me}/task/{me}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def _send(fd: int, report: Report) -> None:
    try:
        os.write(fd, report.to_bytes())
    except OSError:
        pass


def _mark(fd: int, name: str) -> None:
    """Tell the worker how far set-up got (timings for the benchmark's phase table)."""
    _send(fd, Report(mark=name))


def _report_internal(fd: int, exc: BaseException) -> None:
    _send(fd, Report(internal=f"{type(exc).__name__}: {exc}"[:300]))


def _init_process(context: SubmissionContext, cells: list[str], notebook: bool,
                  out_w: int, rep_w: int) -> None:
    """PID 1 of the submission's namespace: build its walls, run it, and exit with it —
    the kernel then kills everything left in the namespace."""
    isolation.die_with_parent()
    isolation.close_fds_except({out_w, rep_w})
    os.umask(0o022)
    user = context.user  # (none as an ordinary user: the home is already ours)
    # (the course, --out and the class are already hidden in the zygote's mount namespace)
    isolation.unshare(isolation.CLONE_NEWNS | isolation.CLONE_NEWIPC | isolation.CLONE_NEWUTS
                      | isolation.CLONE_NEWCGROUP)  # its cgroup is the root it sees
    isolation.mount("none", "/", None, isolation.MS_REC | isolation.MS_PRIVATE)
    isolation.set_hostname("submission")
    isolation.private_tmp(TMP_MB, context.keep)
    isolation.fresh_proc()
    _mark(rep_w, "walls")
    home = tempfile.mkdtemp(prefix="submission-", dir="/tmp")
    if user:
        os.chown(home, *user)
    child = os.fork()
    if child == 0:
        try:
            _submission_process(context, cells, notebook, out_w, rep_w, home)
        except BaseException as exc:
            _report_internal(rep_w, exc)
        finally:
            os._exit(70)
    os.close(out_w)
    os.close(rep_w)
    while True:
        try:
            waited, status = os.waitpid(-1, 0)
        except ChildProcessError:
            os._exit(71)
        if waited == child:
            break
    if os.WIFSIGNALED(status):
        os._exit(128 + os.WTERMSIG(status))
    os._exit(min(os.WEXITSTATUS(status), 127))


def _submission_process(context: SubmissionContext, cells: list[str], notebook: bool,
                        out_w: int, rep_w: int, home: str) -> None:
    """The submission itself: drop everything it should not have, then run its cells."""
    caps = context.caps
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(out_w, 1)
    os.dup2(out_w, 2)
    isolation.close_fds_except({rep_w})
    os.chdir(home)
    memory = isolation.virtual_memory_bytes() + context.limits.memory_mb * 1024 * 1024
    isolation.limit_resources(memory, MAX_PROCESSES if caps.root else None,
                              MAX_FILE_MB * 1024 * 1024)
    if caps.root:
        isolation.drop_privileges(*(context.user or caps.user))
        isolation.set_dumpable(caps.namespaces)  # own /proc readable; nobody else can see it
    elif caps.user_namespaces:
        isolation.drop_capabilities()  # those the user namespace gave us: no mounts, no way out
    isolation.die_with_parent()
    for name, content in context.data.items():  # as the submission's user: its own copies
        try:
            Path(home, name).write_bytes(content)
        except OSError:
            pass
    env = _child_env(context, home)
    os.environ.clear()
    os.environ.update(env)
    site = Path(env["PYTHONPATH"].split(os.pathsep)[0])
    try:
        site.mkdir(exist_ok=True)
        (site / "sitecustomize.py").write_text(netguard.sitecustomize_source(context.ports))
    except OSError:
        pass
    _prepare_interpreter(context)
    netguard.install(context.ports)
    hardening.apply(context.seccomp)  # last: no new privileges, no namespaces, no ptrace...
    _mark(rep_w, "setup")
    run_submission(cells, notebook, Reporter(rep_w), context.shell if notebook else None)
    os._exit(0)


def _prepare_interpreter(context: SubmissionContext) -> None:
    """Plain boto3 lands in the fresh account; the lab is known without reading its folder."""
    import boto3
    import botocore.session

    import grader.labs

    install_loopback_guard()
    core = botocore.session.Session()
    core.register_component("data_loader", context.loader)
    boto3.setup_default_session(botocore_session=core)
    lab = context.lab
    grader.labs.all_labs = lambda root=None: [lab]
    sys.argv = ["submission"]
    try:  # IPython's profile folder: in the submission's home, not the pool's scratch one
        from IPython.core.profiledir import ProfileDir

        context.shell.ipython_dir = os.environ["IPYTHONDIR"]
        context.shell.profile_dir = ProfileDir.create_profile_dir_by_name(
            os.environ["IPYTHONDIR"], "default")
    except Exception:
        pass
