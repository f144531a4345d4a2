"""The submission zygote: the warm parent every submission is forked from.

The pool loads the checks and knows every classmate's file; a submission forked from it (or
from a grading process, its copy) would hold both in memory, and ``/proc/self/environ``
would show the environment of the command that started the grader. So the pool starts
this process with ``exec`` and a minimal environment, before it loads any check; the
zygote reads the lab's description and data files (never ``checks.py``), imports boto3 and
IPython once, builds the seccomp filter, and — as root with namespaces — builds one mount
namespace in which the course, every copy of the labs, ``--out`` and the class's folders
are hidden. Then it only forks.

Per submission, a grading process sends a ``SubmissionRequest`` (in a memfd) with the pipes
it watches. The zygote forks a *relay*, which joins the submission's cgroup and the
worker's network namespace, forks the submission's top process (``grader.grading.run``)
and tells the worker its pid and, later, how it ended. The relay kills the submission if
the grading process disappears.
"""

from __future__ import annotations

import dataclasses
import gc
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from grader.aws import Account
from grader.grading import hardening, isolation
from grader.grading.isolation import Capabilities
from grader.grading.protocol import (
    SubmissionContext,
    SubmissionEnded,
    SubmissionRequest,
    SubmissionStarted,
    ZygoteConfig,
    ZygoteReady,
    expect,
)
from grader.labs.files import read_learner_data
from grader.paths import PACKAGE_DIR, course_root

# The environment the zygote (so every submission) starts with: nothing of the caller's.
_PASSED = ("PATH", "LANG", "LC_ALL", "TZ", "PYTHONPATH", "COMPUTELAB_ISOLATION",
           "COMPUTELAB_GRADING_UIDS")


def minimal_env() -> dict[str, str]:
    env = {k: os.environ[k] for k in _PASSED if k in os.environ}
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def spawn(config: ZygoteConfig, conns: list[socket.socket]) -> subprocess.Popen[bytes]:
    """From the pool: exec the zygote (it answers ``ZygoteReady`` on its stdout)."""
    fds = [c.fileno() for c in conns]
    proc = subprocess.Popen(
        [sys.executable, "-c", "from grader.grading.zygote import zygote_main; zygote_main()",
         *map(str, fds)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=minimal_env(), pass_fds=fds,
        preexec_fn=isolation.die_with_parent, cwd="/")
    assert proc.stdin is not None
    proc.stdin.write(config.to_bytes())
    proc.stdin.close()
    return proc


def course_copies() -> list[Path]:
    """Every copy of the labs this Python can see: the course we run from and the
    ``grader/_course`` of every installed copy of the package on ``sys.path``."""
    found = {course_root() / "labs", PACKAGE_DIR / "_course"}
    for entry in sys.path:
        if entry:
            found.add(Path(entry) / "grader" / "_course")
    return sorted(p.resolve() for p in found if p.is_dir())


def keep_paths() -> list[Path]:
    """What a submission must still be able to read: Python and the grader package."""
    keep = {PACKAGE_DIR}
    for prefix in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix):
        keep.add(Path(prefix).resolve())
    keep.add(Path(sys.executable).resolve().parent)
    for entry in sys.path:
        path = Path(entry).resolve() if entry else None
        if path and path.exists() and path not in PACKAGE_DIR.parents:
            keep.add(path)  # not the course root a source checkout puts on sys.path
    return sorted(keep)


def zygote_main() -> None:
    """Entry point of the zygote process."""
    isolation.die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    conns = [socket.socket(fileno=int(fd)) for fd in sys.argv[1:]]
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    try:
        base = _prepare(expect(sys.stdin.readline(), ZygoteConfig))
        ready = ZygoteReady()
    except Exception as exc:
        ready = ZygoteReady(error=f"{type(exc).__name__}: {exc}")
    out.write(ready.to_json())
    out.close()
    if ready.error:
        os._exit(1)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # relays are reaped automatically
    _serve(base, conns)
    os._exit(0)


def _prepare(config: ZygoteConfig) -> SubmissionContext:
    from grader.labs import load_lab

    caps = Capabilities(**config.caps)
    lab = load_lab(Path(config.lab))
    data = read_learner_data(lab)  # the allow-list: what a learner's notebook sits beside
    keep = keep_paths()
    loader = warm_botocore(lab.services)
    shell = warm_python()
    rules = hardening.build() if caps.seccomp else None
    if caps.private:
        if caps.namespaces:
            isolation.unshare(isolation.CLONE_NEWNS)
        else:
            isolation.enter_user_namespace()
        isolation.mount("none", "/", None, isolation.MS_REC | isolation.MS_PRIVATE)
        hidden = [Path(p) for p in config.hide_dirs] + [lab.path.parent.resolve()]
        isolation.hide_paths(hidden, [], keep)
        isolation.hide_course_copies(course_copies())
        if caps.root:
            isolation.make_traversable(keep, *caps.user)
    os.chdir("/")
    gc.collect()
    gc.freeze()  # forked children then don't copy pages just to run the garbage collector
    return SubmissionContext(lab=lab, limits=config.limits, caps=caps, keep=keep, data=data,
                             shell=shell, loader=loader, account=Account("", "", ""),
                             seccomp=rules)


def warm_botocore(services: list[str]) -> Any:
    """The botocore data loader every ``AWS`` handle shares, with the lab's models parsed."""
    import botocore.session

    from grader.aws import shared_loader

    loader = shared_loader()
    core = botocore.session.Session()
    core.register_component("data_loader", loader)
    for service in sorted(set(services) | {"sts", "iam"}):
        client = core.create_client(service, region_name="us-east-1",
                                    endpoint_url="http://127.0.0.1:1",
                                    aws_access_key_id="warm", aws_secret_access_key="warm")
        client.close()
    return loader


def warm_python() -> Any:
    """Import what notebooks use and make the IPython shell every submission starts from."""
    scratch = tempfile.mkdtemp(prefix="computelab-ipython-")
    os.environ["IPYTHONDIR"] = scratch
    import shutil

    import boto3  # noqa: F401
    import IPython.display  # noqa: F401

    import grader.notebook  # noqa: F401
    from grader.grading.cells import new_shell

    shell = new_shell()
    shutil.rmtree(scratch, ignore_errors=True)
    return shell


def _serve(base: SubmissionContext, conns: list[socket.socket]) -> None:
    import selectors

    selector = selectors.DefaultSelector()
    for conn in conns:
        selector.register(conn, selectors.EVENT_READ)
    while selector.get_map():
        for key, _ in selector.select():
            conn = key.fileobj  # type: ignore[assignment]  # registered sockets only
            assert isinstance(conn, socket.socket)
            try:
                data, fds, _, _ = socket.recv_fds(conn, 16, 8)
            except OSError:
                data, fds = b"", []
            if not data or len(fds) < 5:
                for fd in fds:
                    os.close(fd)
                if not data:
                    selector.unregister(conn)
                    conn.close()
                continue
            if os.fork() == 0:  # pragma: no cover - the relay
                try:
                    for other in conns:
                        other.close()
                    _relay(base, fds)
                finally:
                    os._exit(1)
            for fd in fds:
                os.close(fd)


def _relay(base: SubmissionContext, fds: list[int]) -> None:
    """Between the zygote and the submission: join its cgroup and the worker's network
    namespace, fork it, report its pid and its end; kill it if the worker goes away."""
    from grader.grading.cgroups import Group
    from grader.grading.run import child_main, kill_leftovers

    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    isolation.die_with_parent()  # the zygote goes (the grader was killed): so do we
    memfd, out_w, rep_w, status_w, alive_r, *rest = fds
    with os.fdopen(memfd, "rb") as request_file:
        request = expect(request_file.read(), SubmissionRequest)
    caps = base.caps
    context = dataclasses.replace(
        base, account=Account(**request.account), endpoint=request.endpoint,
        ports=None if request.ports is None else frozenset(request.ports),
        user=(request.uid, request.gid) if caps.root else None)
    if request.cgroup:
        Group(tuple(Path(p) for p in request.cgroup), request.cgroup_v2).join()
    if rest:
        isolation.setns(rest[0], isolation.CLONE_NEWNET)
        os.close(rest[0])
    if caps.private:
        isolation.unshare(isolation.CLONE_NEWPID)  # the next child is PID 1 of a new one
    else:
        isolation.become_subreaper()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the submission's top process
        os.close(status_w)
        os.close(alive_r)
        child_main(context, request.cells, request.notebook, out_w, rep_w)
    os.close(out_w)
    os.close(rep_w)
    os.write(status_w, SubmissionStarted(pid).to_bytes())
    pidfd = os.pidfd_open(pid)
    while True:
        ready, _, _ = select.select([pidfd, alive_r], [], [])
        if pidfd in ready:
            break
        if alive_r in ready and not os.read(alive_r, 1):  # the grading process is gone
            os.kill(pid, signal.SIGKILL)
            break
    _, status = os.waitpid(pid, 0)
    if not caps.private:  # (with namespaces the kernel already killed everything)
        kill_leftovers(pid)
    os.write(status_w, SubmissionEnded(status).to_bytes())
    os._exit(0)
