"""The caller's side of grading: start the pool process, hand it the batch, read results.

See ``grader.grading`` for the whole process tree.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.errors import SandboxError
from grader.grading.cells import read_submission
from grader.grading.protocol import Graded, Limits, PoolConfig, PoolFatal, PoolReady, decode
from grader.labs import Lab
from grader.paths import PACKAGE_DIR, course_root
from grader.results import LabResult


@dataclass
class PoolInfo:
    """What the pool found out about this machine (shown once per batch)."""

    isolation: str = ""
    workers: int = 0


def readable_submission(path: Path) -> None:
    """Raise ``SubmissionError`` unless ``path`` is a notebook or script we can run."""
    read_submission(path)


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def hidden_paths(lab: Lab, paths: list[Path], extra: list[Path]) -> list[str]:
    """Folders a submission must not see: the course (solutions, .git), the labs, ``--out``
    (``extra``) and the class's submissions (code is handed over in memory).

    Coarsened, so the list (which the submission zygote keeps) names no student: a
    submission folder counts as its top two path levels (``/var/grading``), and one under
    a folder that is hidden wholesale anyway (``/home``, ``/srv``, ``/tmp``...) adds
    nothing."""
    dirs = {lab.path.parent.resolve()}
    if (course_root() / "labs").is_dir():
        dirs.add(course_root().resolve())
    dirs.update(Path(p).resolve() for p in extra)
    for path in paths:
        coarse = _coarse(path.resolve().parent)
        if coarse is not None:
            dirs.add(coarse)
    return sorted(map(str, dirs))


_PRIVATE = {"tmp", "dev", "proc", "run"}  # fresh per submission
_SYSTEM = {"usr", "lib", "lib32", "lib64", "bin", "sbin", "etc", "sys", "var"}


def _coarse(folder: Path) -> Path | None:
    parts = folder.parts
    if len(parts) < 2 or parts[1] in _PRIVATE or parts[1:3] == ("var", "tmp"):
        return None
    if parts[1] not in _SYSTEM:
        return Path("/", parts[1])  # hidden wholesale with every non-system folder
    return Path(*parts[:3]) if len(parts) >= 3 else None


def kill_group(pgid: int) -> None:
    """SIGKILL a whole process group (gone already is fine)."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


_POOL_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "PYTHONPATH", "VIRTUAL_ENV")


def pool_env() -> dict[str, str]:
    """The pool's environment: what Python and ComputeLab need, none of the caller's
    secrets (the pool's processes and servers can be looked at by submissions)."""
    env = {k: v for k, v in os.environ.items()
           if k in _POOL_ENV or k.startswith("COMPUTELAB_")}
    env["PYTHONPATH"] = os.pathsep.join(
        [str(PACKAGE_DIR.parent)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    return env


def grade_iter(lab: Lab, paths: list[Path], limits: Limits | None = None,
               jobs: int | None = None, hide: list[Path] | None = None,
               on_ready: Callable[[PoolInfo], None] | None = None,
               overlay: Path | None = None,
               params: list[dict[str, Any]] | None = None) -> Iterator[Graded]:
    """Grade ``paths`` in parallel; yield each result as it finishes (any order).

    ``overlay`` adds the instructor-only checks in that folder (hidden from submissions
    like the course); ``params`` gives each path's parameter values (default: the lab's).
    Stopping the iteration (or Ctrl-C) kills the whole pool, submissions included.
    """
    if not paths:
        return
    workers = max(1, min(jobs or default_jobs(), len(paths)))
    extra = [*(hide or []), *([overlay] if overlay is not None else [])]
    config = PoolConfig(lab=str(lab.path.resolve()), paths=[str(p) for p in paths],
                        workers=workers, limits=limits or Limits(),
                        hide_dirs=hidden_paths(lab, paths, extra),
                        overlay=str(overlay.resolve()) if overlay is not None else "",
                        params=list(params or []))
    env = pool_env()
    with tempfile.TemporaryFile(prefix="computelab-pool-") as log:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from grader.grading.pool import pool_main; pool_main()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, env=env,
            start_new_session=True)
        assert proc.stdin and proc.stdout
        try:
            proc.stdin.write(config.to_bytes())
            proc.stdin.close()
            seen = 0
            for line in proc.stdout:
                message = decode(line, PoolReady, PoolFatal, Graded)
                if isinstance(message, PoolReady):
                    if on_ready:
                        on_ready(PoolInfo(message.isolation, workers))
                elif isinstance(message, PoolFatal):
                    raise SandboxError(message.reason)
                elif isinstance(message, Graded):
                    seen += 1
                    yield message
            proc.wait()
            if seen < len(paths):
                log.seek(0)
                tail = log.read()[-1500:].decode("utf-8", "replace").strip()
                raise SandboxError(f"The grading pool stopped early (exit {proc.returncode}). "
                                   f"{tail.splitlines()[-1] if tail else ''}".strip())
        finally:
            kill_group(proc.pid)
            proc.wait()
            proc.stdout.close()


def grade(lab: Lab, paths: list[Path], limits: Limits | None = None,
          jobs: int | None = None) -> list[LabResult]:
    """Grade submissions in parallel; results in input order."""
    results: dict[int, LabResult] = {}
    for graded in grade_iter(lab, paths, limits, jobs):
        results[graded.index] = graded.result
    return [results[i] for i in range(len(paths))]
