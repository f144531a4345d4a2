"""Grade submissions: isolated, in parallel, each against its own fresh sandbox server.

One batch is one process tree::

    your process (CLI, tests)       grade()/grade_iter(): starts the pool, reads results
     └── pool                       loads the checks, imports boto3 and IPython once, makes
          │                         the IPython shell and the checks' clients; then forks
          ├── server template       (grader.servers) moto, warmed once; forks one fresh
          │    └── server           server per submission, holding the pristine account
          └── grading process       one per submission (at most --jobs at once), a clean
               │                    copy of the pool: own network namespace (as root),
               │                    asks the template for its server, then forks
               └── submission       PID 1 of its own PID + mount namespace: private /tmp,
                    └── cells       course, --out and other submissions hidden; runs as an
                                    unprivileged user with time, memory, output, process
                                    and file limits and a network audit hook

The grading process waits for the submission (timeout, output cap), lets the kernel kill
everything it started, then reads the account's state itself through boto3 and runs the
checks, which were loaded before any submission ran. So no two submissions ever share a
server, nothing of one submission is in another's memory, and nothing a submission prints
or writes changes its score. See ``grader.isolation`` for what each privilege level adds.
"""

from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from grader.checks import ERROR, TIMEOUT, CheckSpec, LabResult, run_checks, zero_result
from grader.errors import SandboxError, SubmissionError
from grader.labs import Lab
from grader.runner import read_submission

DEFAULT_TIMEOUT = 120.0
DEFAULT_MEMORY_MB = 2048
DEFAULT_OUTPUT_MB = 16
MAX_PROCESSES = 256
MAX_FILE_MB = 512
TMP_MB = 512
WORKER_PORT = 5000  # each worker's server, inside the worker's own network namespace
PACKAGE_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Limits:
    """Per-submission limits.

    ``memory_mb`` is what the submission may allocate on top of the pre-loaded Python it
    starts from (boto3, IPython: a few hundred MB of address space).
    """

    timeout: float = DEFAULT_TIMEOUT
    memory_mb: int = DEFAULT_MEMORY_MB
    output_mb: int = DEFAULT_OUTPUT_MB


def readable_submission(path: Path) -> None:
    """Raise ``SubmissionError`` unless ``path`` is a notebook or script we can run."""
    read_submission(path)


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


@dataclass
class Graded:
    """One submission's outcome as the pool reports it."""

    index: int
    result: LabResult
    duration: float
    phases: dict[str, float] = field(default_factory=dict)


@dataclass
class PoolInfo:
    """What the pool found out about this machine (shown once per batch)."""

    isolation: str = ""
    workers: int = 0


# --- the caller's side ------------------------------------------------------------------


def hidden_paths(lab: Lab, paths: list[Path], extra: list[Path]) -> tuple[list[str], list[str]]:
    """Folders and files a submission must not see: the course (solutions, .git), the
    labs, ``--out`` (``extra``) and every submission (its code is handed over in memory)."""
    from grader.paths import course_root

    dirs = {lab.path.parent.resolve()}
    if (course_root() / "labs").is_dir():
        dirs.add(course_root().resolve())
    dirs.update(Path(p).resolve() for p in extra)
    dirs.update(p.resolve().parent for p in paths)
    files = {p.resolve() for p in paths}
    return sorted(map(str, dirs)), sorted(map(str, files))


def grade_iter(lab: Lab, paths: list[Path], limits: Limits | None = None,
               jobs: int | None = None, hide: list[Path] | None = None,
               on_ready: Callable[[PoolInfo], None] | None = None) -> Iterator[Graded]:
    """Grade ``paths`` in parallel; yield each result as it finishes (any order).

    Stopping the iteration (or Ctrl-C) kills the whole pool, submissions included.
    """
    limits = limits or Limits()
    if not paths:
        return
    workers = max(1, min(jobs or default_jobs(), len(paths)))
    hide_dirs, hide_files = hidden_paths(lab, paths, hide or [])
    config = {"lab": str(lab.path.resolve()), "paths": [str(p) for p in paths],
              "workers": workers, "limits": asdict(limits),
              "hide_dirs": hide_dirs, "hide_files": hide_files}
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(PACKAGE_DIR.parent)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    with tempfile.TemporaryFile(prefix="computelab-pool-") as log:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from grader.grading import pool_main; pool_main()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, env=env,
            start_new_session=True)
        assert proc.stdin and proc.stdout
        try:
            proc.stdin.write(json.dumps(config).encode())
            proc.stdin.close()
            seen = 0
            for line in proc.stdout:
                message = json.loads(line)
                if "ready" in message:
                    if on_ready:
                        on_ready(PoolInfo(message["isolation"], workers))
                    continue
                if "fatal" in message:
                    raise SandboxError(message["fatal"])
                seen += 1
                yield Graded(message["index"], LabResult.from_dict(message["result"]),
                             message["duration"], message.get("phases", {}))
            proc.wait()
            if seen < len(paths):
                log.seek(0)
                tail = log.read()[-1500:].decode("utf-8", "replace").strip()
                raise SandboxError(f"The grading pool stopped early (exit {proc.returncode}). "
                                   f"{tail.splitlines()[-1] if tail else ''}".strip())
        finally:
            _kill_group(proc.pid)
            proc.wait()
            proc.stdout.close()


def grade(lab: Lab, paths: list[Path], limits: Limits | None = None,
          jobs: int | None = None) -> list[LabResult]:
    """Grade submissions in parallel; results in input order."""
    results: dict[int, LabResult] = {}
    for graded in grade_iter(lab, paths, limits, jobs):
        results[graded.index] = graded.result
    return [results[i] for i in range(len(paths))]


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


# --- the pool ---------------------------------------------------------------------------


@dataclass
class _Pool:
    """Everything the workers inherit, warm, from the pool process."""

    lab: Lab
    specs: list[CheckSpec]
    limits: Limits
    hide_dirs: list[Path]
    hide_files: list[Path]
    caps: Any
    loader: Any
    shell: Any
    account: Any = None
    keep: list[Path] = field(default_factory=list)
    template_conns: list[Any] = field(default_factory=list)
    handle: Any = None  # the checks' AWS handle for WORKER_PORT, clients made before forking
    data: dict[str, bytes] = field(default_factory=dict)  # the lab's data files


def _emit(stream: Any, message: dict[str, Any]) -> None:
    stream.write(json.dumps(message) + "\n")
    stream.flush()


def pool_main() -> None:
    """Entry point of the pool process (started by ``grade_iter``)."""
    from grader import isolation

    results = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # stray prints from libraries go to the log, not into the protocol
    isolation.die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    config = json.loads(sys.stdin.read())
    try:
        pool = _prepare(config)
    except Exception as exc:
        from grader.errors import ComputeLabError

        why = str(exc) if isinstance(exc, ComputeLabError) else f"{type(exc).__name__}: {exc}"
        _emit(results, {"fatal": f"Could not start grading. {why}"})
        os._exit(1)
    _emit(results, {"ready": True, "isolation": pool.caps.describe()})
    _schedule(pool, [Path(p) for p in config["paths"]], config["workers"], results)
    results.flush()
    os._exit(0)


def _prepare(config: dict[str, Any]) -> _Pool:
    """Start the server template, and import and warm what submissions use, once."""
    import socket

    from grader import isolation
    from grader.labs import load_lab

    caps = isolation.probe()
    if caps.root:
        isolation.set_dumpable(False)
    lab_path = Path(config["lab"])
    pairs = [socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)  # one message per request
             for _ in range(config["workers"])]
    ready_r, ready_w = os.pipe()
    if os.fork() == 0:  # pragma: no cover - the server template (see grader.servers)
        try:
            os.close(ready_r)
            for ours, _ in pairs:
                ours.close()
            from grader.servers import template_main

            template_main(lab_path, [theirs for _, theirs in pairs], ready_w)
        finally:
            os._exit(1)
    os.close(ready_w)
    for _, theirs in pairs:
        theirs.close()
    lab = load_lab(lab_path)
    specs = lab.checks()  # loaded before any submission runs
    loader = _warm_botocore(lab)
    shell = _warm_python()
    keep = _keep_paths()
    if caps.root and not caps.namespaces:
        _require_readable_python(caps, keep)
    with os.fdopen(ready_r) as ready:
        message = json.loads(ready.readline() or '{"error": "the server template died"}')
    if "error" in message:
        raise SandboxError(f"The sandbox server template failed: {message['error']}")
    import gc

    from grader.sandbox import Account

    account = Account(**message["account"])
    handle = _aws(f"http://127.0.0.1:{WORKER_PORT}", account, loader)
    for service in sorted(set(lab.services)):
        handle.client(service)  # created once here, used by every grading process
    gc.collect()
    gc.freeze()  # forked children then don't copy pages just to run the garbage collector
    return _Pool(lab=lab, specs=specs, limits=Limits(**config["limits"]),
                 hide_dirs=[Path(p) for p in config["hide_dirs"]],
                 hide_files=[Path(p) for p in config["hide_files"]], caps=caps,
                 loader=loader, shell=shell, account=account, keep=keep,
                 template_conns=[ours for ours, _ in pairs], handle=handle,
                 data=_lab_data(lab))


# What stays with the course (as in grader.workspace, which learners' workspaces follow).
_COURSE_ONLY = {"solution.py", "solution.ipynb", "checks.py", "lab.toml", "lab.ipynb"}


def _lab_data(lab: Lab) -> dict[str, bytes]:
    """The lab's data files (price tables, sample events...): a learner's notebook sits
    next to copies of them, so a submission gets them in its working directory too."""
    data = {}
    for item in sorted(lab.path.iterdir()):
        if (item.is_file() and item.name not in _COURSE_ONLY and item.suffix != ".pyc"
                and not item.name.startswith("solution")
                and item.stat().st_size <= 10 * 1024 * 1024):
            data[item.name] = item.read_bytes()
    return data


def _keep_paths() -> list[Path]:
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


def _require_readable_python(caps: Any, keep: list[Path]) -> None:
    from grader import isolation

    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        code = 1
        try:
            isolation.drop_privileges(caps.uid, caps.gid)
            for path in keep:
                if path.is_dir():
                    os.listdir(path)
            code = 0
        except Exception:
            pass
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    if not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0):
        raise SandboxError(
            f"Submissions run as uid {caps.uid}, which cannot read this Python installation "
            f"({sys.base_prefix}), and this machine does not allow namespaces to fix that. "
            "Install ComputeLab in a world-readable location or grade in a privileged "
            "container.")


def _warm_botocore(lab: Lab) -> Any:
    """The botocore data loader every ``AWS`` handle shares, with the lab's models parsed."""
    import botocore.session

    from grader.aws import _shared_loader

    loader = _shared_loader()
    core = botocore.session.Session()
    core.register_component("data_loader", loader)
    for service in sorted(set(lab.services) | {"sts", "iam"}):
        client = core.create_client(service, region_name="us-east-1",
                                    endpoint_url="http://127.0.0.1:1",
                                    aws_access_key_id="warm", aws_secret_access_key="warm")
        client.close()
    return loader


def _warm_python() -> Any:
    """Import what notebooks use and make the IPython shell every submission starts from."""
    scratch = tempfile.mkdtemp(prefix="computelab-ipython-")
    os.environ["IPYTHONDIR"] = scratch
    import shutil

    import boto3  # noqa: F401
    import IPython.display  # noqa: F401

    import grader.notebook  # noqa: F401
    from grader.runner import new_shell

    shell = new_shell()
    shutil.rmtree(scratch, ignore_errors=True)
    return shell


def _aws(endpoint: str, account: Any, loader: Any) -> Any:
    """An ``AWS`` handle (every handle shares the warm model ``loader``)."""
    from grader.aws import AWS

    return AWS.for_account(endpoint, account)


# --- scheduling: a fresh grading process per submission, at most ``workers`` at once ---------


def _schedule(pool: _Pool, paths: list[Path], workers: int, results: Any) -> None:
    """Fork one grading process per submission (a clean copy of the pool: nothing of an
    earlier submission is in its memory), at most ``workers`` at a time, one per slot;
    each slot has its own line to the server template."""
    import selectors

    from grader.servers import stop_server

    queue = list(range(len(paths)))
    queue.reverse()
    free = list(range(min(workers, len(pool.template_conns))))
    free.reverse()
    selector = selectors.DefaultSelector()
    running: dict[int, dict[str, Any]] = {}
    done = 0
    while done < len(paths):
        while queue and free:
            index, slot = queue.pop(), free.pop()
            read_end, pid = _fork_grader(pool, slot, index, paths[index])
            running[pid] = {"slot": slot, "index": index, "buffer": b"", "result": None,
                            "server": 0, "fd": read_end}
            selector.register(read_end, selectors.EVENT_READ, pid)
        for key, _ in selector.select():
            pid = key.data
            job = running[pid]
            chunk = os.read(job["fd"], 1 << 20)
            job["buffer"] += chunk
            while b"\n" in job["buffer"]:
                line, job["buffer"] = job["buffer"].split(b"\n", 1)
                message = json.loads(line)
                if "server" in message:
                    job["server"] = message["server"]
                if "result" in message:
                    job["result"] = message
            if chunk:
                continue
            selector.unregister(job["fd"])
            os.close(job["fd"])
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
            del running[pid]
            free.append(job["slot"])
            message = job["result"]
            if message is None:  # the grading process died (it should not): say so
                if job["server"]:
                    stop_server(job["server"])
                reason = "The grader stopped while handling this submission (internal error)."
                message = {"index": job["index"], "duration": 0.0, "result": zero_result(
                    pool.lab.id, pool.specs, ERROR, reason).to_dict()}
            _emit(results, message)
            done += 1


def _fork_grader(pool: _Pool, slot: int, index: int, path: Path) -> tuple[int, int]:
    read_end, write_end = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the grading process
        os.close(read_end)
        code = 0
        try:
            template = pool.template_conns[slot]
            for other in pool.template_conns:
                if other is not template:
                    other.close()
            _grader_main(pool, template, index, path, write_end)
        except BaseException:
            import traceback

            traceback.print_exc()
            code = 1
        os._exit(code)
    os.close(write_end)
    return read_end, pid


# --- grading one submission ----------------------------------------------------------------


@dataclass
class _Worker:
    """One grading process's view: its namespaces, its server, and its timings."""

    pool: _Pool
    template: Any
    netns: int | None
    own_pidns: int | None
    report: int = -1
    endpoint: str = ""
    ports: frozenset[int] | None = None
    server_pid: int = 0
    phases: dict[str, float] = field(default_factory=dict)

    def lap(self, phase: str, since: float) -> float:
        now = time.monotonic()
        self.phases[phase] = round(now - since, 4)
        return now


def _grader_main(pool: _Pool, template: Any, index: int, path: Path, out: int) -> None:
    from grader import isolation

    started = time.monotonic()
    isolation.die_with_parent()
    netns = None
    if pool.caps.namespaces:
        isolation.unshare(isolation.CLONE_NEWNET)  # its server: invisible to every other
        isolation.loopback_up()
        netns = os.open("/proc/self/ns/net", os.O_RDONLY)
    isolation.become_subreaper()
    own_pidns = os.open("/proc/self/ns/pid", os.O_RDONLY) if pool.caps.namespaces else None
    worker = _Worker(pool, template, netns, own_pidns, report=out)
    worker.lap("fork", started)
    result = _grade_one(worker, path)
    os.write(out, (json.dumps({"index": index, "result": result.to_dict(),
                               "duration": round(time.monotonic() - started, 3),
                               "phases": worker.phases}) + "\n").encode())


def _grade_one(worker: _Worker, path: Path) -> LabResult:
    """A fresh server holding the pristine account, the submission, then the checks."""
    from grader.servers import request_server, stop_server

    pool = worker.pool
    account = pool.account
    mark = time.monotonic()
    try:
        cells, notebook = read_submission(path)
    except SubmissionError as exc:
        return zero_result(pool.lab.id, pool.specs, ERROR, str(exc))
    mark = worker.lap("read", mark)
    wanted = WORKER_PORT if worker.netns is not None else 0  # a private loopback: fixed port
    worker.server_pid, port = request_server(worker.template, worker.netns, wanted)
    os.write(worker.report, (json.dumps({"server": worker.server_pid}) + "\n").encode())
    try:
        worker.endpoint = f"http://127.0.0.1:{port}"
        worker.ports = None if worker.netns is not None else frozenset({port})
        mark = worker.lap("server", mark)
        run = _run(worker, cells, notebook, account)
        previous = mark
        for name, at in run.marks.items():
            worker.phases[f"run:{name}"] = round(at - previous, 4)
            previous = at
        if run.first_cell_at:
            worker.phases["run:start"] = round(run.first_cell_at - previous, 4)
        if run.done_at:
            worker.phases["run:cells"] = round(run.done_at - (run.first_cell_at or mark), 4)
        mark = worker.lap("run", mark)
        aws = pool.handle if worker.endpoint == pool.handle.endpoint else _aws(
            worker.endpoint, account, pool.loader)
        result = run_checks(pool.lab.id, pool.specs, aws)
        mark = worker.lap("checks", mark)
    finally:
        stop_server(worker.server_pid)
    result.output = _stable(run.reason(pool.limits, notebook), account)
    if run.status:
        result.status = run.status
    return result


_IDS = re.compile(r"\b(ami|i|sg|sgr|vol|snap|subnet|vpc|key|eni|igw|rtb|lt|r|acl|eipalloc|"
                  r"eipassoc|nat|pcx|tgw|fleet|sir|sfr|cr|dopt|vpce|pl|ari|aki)-[0-9a-f]{8,17}\b")


def _stable(text: str, account: Any) -> str:
    """Deterministic feedback: no random resource ids, account ids or keys."""
    text = text.replace(account.account_id, "<account>")
    text = text.replace(account.access_key_id, "<access-key>")
    return _IDS.sub(lambda m: f"{m.group(1)}-…", text)


# --- running one submission --------------------------------------------------------------


@dataclass
class _Run:
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
    output_bytes: int = 0
    exit_code: int | None = None
    signal: int | None = None

    @property
    def status(self) -> str:
        if self.timed_out:
            return TIMEOUT
        if self.too_much_output or not self.done:
            return ERROR
        return ""

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
            if any("MemoryError" in e for _, e in self.errors):
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


def _child_env(endpoint: str, account: Any, home: str) -> dict[str, str]:
    from grader.safety import lab_environment
    from grader.sandbox import REGION

    base = {k: os.environ[k] for k in ("PATH", "LANG", "LC_ALL", "TZ") if k in os.environ}
    base.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    env = lab_environment(endpoint, account.access_key_id, account.secret_access_key, REGION,
                          base=base)
    site = os.path.join(home, ".computelab-site")
    env.update({
        "HOME": home, "TMPDIR": "/tmp", "USER": "student", "LOGNAME": "student",
        "COMPUTELAB_GRADING": "1", "COMPUTELAB_HOME": os.path.join(home, ".computelab"),
        "IPYTHONDIR": os.path.join(home, ".ipython"), "MPLBACKEND": "Agg",
        "PYTHONPATH": os.pathsep.join([site, str(PACKAGE_DIR.parent)]),
        "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1",
    })
    return env


def _run(worker: _Worker, cells: list[str], notebook: bool, account: Any) -> _Run:
    """Fork the submission, watch it (time, output, progress), and kill all it started."""
    from grader import isolation

    pool = worker.pool
    caps = pool.caps
    out_r, out_w = os.pipe()
    rep_r, rep_w = os.pipe()
    scratch = None if caps.namespaces else tempfile.mkdtemp(prefix="computelab-sub-")
    if scratch and caps.root:
        os.chown(scratch, caps.uid, caps.gid)
    sys.stdout.flush()
    sys.stderr.flush()
    if caps.namespaces:
        isolation.unshare(isolation.CLONE_NEWPID)  # the next child is PID 1 of a new namespace
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        try:
            if caps.namespaces:
                _init_process(worker, cells, notebook, account, out_w, rep_w)
            else:
                _submission_process(worker, cells, notebook, account, out_w, rep_w,
                                    scratch or "/tmp")
        except BaseException as exc:
            _report_internal(rep_w, exc)
        finally:
            os._exit(70)
    if worker.own_pidns is not None:
        isolation.setns(worker.own_pidns, isolation.CLONE_NEWPID)
    os.close(out_w)
    os.close(rep_w)
    run = _watch(pid, out_r, rep_r, pool.limits)
    if not caps.namespaces:  # (with namespaces the kernel already killed everything)
        _kill_group(pid)  # the submission's process group, grandchildren included
        _reap_leftovers()  # and detached ones, re-parented to this grading process
    if scratch:
        import shutil

        shutil.rmtree(scratch, ignore_errors=True)
    return run


def _watch(pid: int, out_r: int, rep_r: int, limits: Limits) -> _Run:
    run = _Run()
    deadline = time.monotonic() + limits.timeout
    cap = limits.output_mb * 1024 * 1024
    pidfd = os.pidfd_open(pid) if hasattr(os, "pidfd_open") else None
    open_fds = {out_r, rep_r}
    pending = b""
    status = None
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            run.timed_out = True
            break
        watch = list(open_fds) + ([pidfd] if pidfd is not None else [])
        ready, _, _ = select.select(watch, [], [], min(remaining, 0.02 if pidfd is None else 5))
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
        if pidfd is None or pidfd in ready:
            waited, status = os.waitpid(pid, os.WNOHANG)
            if waited:
                break
            status = None
    if status is None:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _, status = os.waitpid(pid, 0)
    # whatever the submission wrote just before it ended
    for fd in (out_r, rep_r):
        os.set_blocking(fd, False)
        try:
            while (chunk := os.read(fd, 1 << 16)) and fd == rep_r:
                pending = _parse_report(run, pending + chunk)
        except (BlockingIOError, OSError):
            pass
        os.close(fd)
    if pidfd is not None:
        os.close(pidfd)
    if os.WIFSIGNALED(status):
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


def _parse_report(run: _Run, data: bytes) -> bytes:
    *lines, rest = data.split(b"\n")
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if not isinstance(record, dict):
            continue
        if record.get("done") is True:
            run.done = True
            run.done_at = time.monotonic()
        mark = record.get("mark")
        if isinstance(mark, str) and run.current is None and len(run.marks) < 8:
            run.marks[mark[:20]] = time.monotonic()
        if isinstance(record.get("internal"), str) and run.current is None:
            run.internal = record["internal"]
        cell = record.get("cell")
        if isinstance(cell, int):
            if run.current is None:
                run.first_cell_at = time.monotonic()
            run.current = cell
            if isinstance(record.get("error"), str) and len(run.errors) < 100:
                run.errors.append((cell, record["error"][:300]))
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


def _mark(fd: int, name: str) -> None:
    """Tell the worker how far set-up got (timings for the benchmark's phase table)."""
    try:
        os.write(fd, (json.dumps({"mark": name}) + "\n").encode())
    except OSError:
        pass


def _report_internal(fd: int, exc: BaseException) -> None:
    try:
        os.write(fd, (json.dumps({"internal": f"{type(exc).__name__}: {exc}"[:300]})
                      + "\n").encode())
    except OSError:
        pass


def _init_process(worker: _Worker, cells: list[str], notebook: bool, account: Any,
                  out_w: int, rep_w: int) -> None:
    """PID 1 of the submission's namespace: build its walls, run it, and exit with it —
    the kernel then kills everything left in the namespace."""
    from grader import isolation

    pool = worker.pool
    isolation.die_with_parent()
    isolation.close_fds_except({out_w, rep_w})
    os.umask(0o022)
    isolation.unshare(isolation.CLONE_NEWNS)
    isolation.mount("none", "/", None, isolation.MS_REC | isolation.MS_PRIVATE)
    isolation.private_tmp(TMP_MB, pool.keep)
    isolation.hide_paths(pool.hide_dirs, pool.hide_files, pool.keep)
    isolation.make_traversable(pool.keep, pool.caps.uid, pool.caps.gid)
    isolation.fresh_proc()
    _mark(rep_w, "walls")
    home = tempfile.mkdtemp(prefix="submission-", dir="/tmp")
    os.chown(home, pool.caps.uid, pool.caps.gid)
    child = os.fork()
    if child == 0:
        try:
            _submission_process(worker, cells, notebook, account, out_w, rep_w, home)
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


def _submission_process(worker: _Worker, cells: list[str], notebook: bool, account: Any,
                        out_w: int, rep_w: int, home: str) -> None:
    """The submission itself: drop everything it should not have, then run its cells."""
    from grader import isolation, netguard

    pool = worker.pool
    caps = pool.caps
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(out_w, 1)
    os.dup2(out_w, 2)
    isolation.close_fds_except({rep_w})
    os.chdir(home)
    memory = isolation.virtual_memory_bytes() + pool.limits.memory_mb * 1024 * 1024
    isolation.limit_resources(memory, MAX_PROCESSES if caps.root else None,
                              MAX_FILE_MB * 1024 * 1024)
    if caps.root:
        isolation.drop_privileges(caps.uid, caps.gid)
        isolation.set_dumpable(caps.namespaces)  # own /proc readable; nobody else can see it
    isolation.die_with_parent()
    for name, content in pool.data.items():  # as the submission's user: its own copies
        try:
            Path(home, name).write_bytes(content)
        except OSError:
            pass
    env = _child_env(worker.endpoint, account, home)
    os.environ.clear()
    os.environ.update(env)
    site = Path(env["PYTHONPATH"].split(os.pathsep)[0])
    try:
        site.mkdir(exist_ok=True)
        (site / "sitecustomize.py").write_text(netguard.sitecustomize_source(worker.ports))
    except OSError:
        pass
    _prepare_interpreter(pool, account)
    netguard.install(worker.ports)
    from grader.runner import Reporter, run_submission

    _mark(rep_w, "setup")
    run_submission(cells, notebook, Reporter(rep_w), pool.shell if notebook else None)
    os._exit(0)


def _prepare_interpreter(pool: _Pool, account: Any) -> None:
    """Plain boto3 lands in the fresh account; the lab is known without reading its folder."""
    import boto3
    import botocore.session

    import grader.labs
    from grader.safety import install_loopback_guard

    install_loopback_guard()
    core = botocore.session.Session()
    core.register_component("data_loader", pool.loader)
    boto3.setup_default_session(botocore_session=core)
    lab = pool.lab
    grader.labs.all_labs = lambda root=None: [lab]  # type: ignore[assignment]
    sys.argv = ["submission"]
    try:  # IPython's profile folder: in the submission's home, not the pool's scratch one
        from IPython.core.profiledir import ProfileDir

        pool.shell.ipython_dir = os.environ["IPYTHONDIR"]
        pool.shell.profile_dir = ProfileDir.create_profile_dir_by_name(
            os.environ["IPYTHONDIR"], "default")
    except Exception:
        pass
