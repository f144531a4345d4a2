"""Grade submissions: run each in its own process against a fresh account, then check.

The grader loads the checks before any submission runs, starts the submission in its own
process group and working directory with a timeout and a memory limit, and afterwards
reads the account's state itself through boto3 — nothing the submission prints or writes
changes its score.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from grader.aws import AWS
from grader.checks import ERROR, TIMEOUT, CheckSpec, LabResult, run_checks, zero_result
from grader.errors import SubmissionError
from grader.labs import Lab
from grader.safety import lab_environment
from grader.sandbox import REGION, Sandbox, create_account
from grader.session import setup_account

DEFAULT_TIMEOUT = 120.0
DEFAULT_MEMORY_MB = 2048
OUTPUT_TAIL = 2000


@dataclass(frozen=True)
class Limits:
    """Per-submission limits."""

    timeout: float = DEFAULT_TIMEOUT
    memory_mb: int = DEFAULT_MEMORY_MB


def readable_submission(path: Path) -> None:
    """Raise ``SubmissionError`` unless ``path`` is a notebook or script we can run."""
    if not path.is_file():
        raise SubmissionError(f"{path}: no such file.")
    if path.suffix not in (".ipynb", ".py"):
        raise SubmissionError(f"{path.name}: not a notebook (.ipynb) or Python script (.py).")
    if path.suffix == ".ipynb":
        import nbformat

        try:
            nbformat.read(path, as_version=4)
        except Exception as exc:
            raise SubmissionError(
                f"{path.name}: not a readable notebook ({type(exc).__name__}); "
                "re-download it from JupyterLab (File > Download).") from exc
    else:
        try:
            compile(path.read_text(), path.name, "exec")
        except (SyntaxError, UnicodeDecodeError, ValueError) as exc:
            raise SubmissionError(f"{path.name}: the script does not parse ({exc}).") from exc


def _limit_memory(memory_mb: int) -> None:
    import resource

    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _child_env(endpoint: str, aws: AWS) -> dict[str, str]:
    base = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "COMPUTELAB_HOME", "TMPDIR")
            if k in os.environ}
    env = lab_environment(endpoint, aws.access_key_id or "", aws.secret_access_key or "",
                          REGION, base=base)
    env["COMPUTELAB_GRADING"] = "1"
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    env["PYTHONUNBUFFERED"] = "1"
    env["MPLBACKEND"] = "Agg"
    return env


def execute(path: Path, endpoint: str, aws: AWS, limits: Limits) -> tuple[str, str]:
    """Run the submission in a child process; return (status, learner-facing reason)."""
    with tempfile.TemporaryDirectory(prefix="computelab-sub-") as workdir:
        report = Path(workdir) / "report.json"
        log_path = Path(workdir) / "output.log"
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "grader.runner", str(path.resolve()), str(report)],
                cwd=workdir, env=_child_env(endpoint, aws), stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                preexec_fn=lambda: _limit_memory(limits.memory_mb),
            )
            try:
                proc.wait(timeout=limits.timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                return TIMEOUT, (f"Stopped after {limits.timeout:g} s (time limit); graded what "
                                 "it had created by then.")
            finally:
                _kill_group(proc.pid)
        return _outcome(proc.returncode, report, log_path)


def _kill_group(pgid: int) -> None:
    """Kill anything the submission left behind (background grandchildren included)."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _outcome(returncode: int, report: Path, log_path: Path) -> tuple[str, str]:
    if report.is_file():
        errors = json.loads(report.read_text()).get("errors", [])
        if errors:
            first = errors[0]
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            return "", f"Cell {first['cell']} raised {first['error']}{more}."
        return "", ""
    tail = log_path.read_bytes()[-OUTPUT_TAIL:].decode("utf-8", "replace").strip()
    last = tail.splitlines()[-1] if tail else ""
    if returncode < 0:
        name = signal.Signals(-returncode).name
        return ERROR, f"The submission's process was killed ({name}); graded what it created."
    if "MemoryError" in tail:
        return ERROR, "The submission ran out of memory (limit reached); graded what it created."
    return ERROR, f"The submission stopped early (exit code {returncode}). {last}".strip()


def grade_one(lab: Lab, specs: list[CheckSpec], path: Path, endpoint: str,
              limits: Limits) -> LabResult:
    """Grade one submission in a fresh account on a server no other submission uses now."""
    try:
        readable_submission(path)
    except SubmissionError as exc:
        return zero_result(lab.id, specs, ERROR, str(exc))
    account = create_account(endpoint, managed_policies=lab.managed_policies)
    setup_account(lab, endpoint, account)
    aws = AWS.for_account(endpoint, account)
    status, reason = execute(path, endpoint, aws, limits)
    result = run_checks(lab.id, specs, AWS.for_account(endpoint, account))
    result.output = reason
    if status:
        result.status = status
    return result


def grade(lab: Lab, paths: list[Path], limits: Limits | None = None) -> list[LabResult]:
    """Grade submissions one after another on a private sandbox, in input order."""
    limits = limits or Limits()
    specs = lab.checks()  # loaded before any submission runs
    with Sandbox() as sandbox:
        return [grade_one(lab, specs, path, sandbox.endpoint, limits) for path in paths]
