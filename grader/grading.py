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

The pool and its scheduling live in ``grader.grading_pool``, one grading process in
``grader.grading_worker`` and the submission's own processes in ``grader.grading_run``;
this module is the caller's side.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from grader.checks import LabResult
from grader.errors import SandboxError
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
            [sys.executable, "-c", "from grader.grading_pool import pool_main; pool_main()"],
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

