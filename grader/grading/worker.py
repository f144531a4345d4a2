"""One grading process: a clean fork of the pool that grades one submission — its own
network namespace and fresh server, the submission run (``grader.grading.run``), then the
checks against what it created."""

from __future__ import annotations

import dataclasses
import os
import re
import signal
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.aws import AWS, Account
from grader.checks import CheckSpec, resolve, run_check, zero_result
from grader.errors import SubmissionError
from grader.grading import isolation
from grader.grading.cells import read_submission
from grader.grading.cgroups import Cgroups, Group
from grader.grading.isolation import Capabilities
from grader.grading.learner import LearnerWalls, walled_handlers
from grader.grading.protocol import (
    MAX_PROCESSES,
    SERVER_MEMORY_MB,
    WORKER_PORT,
    Graded,
    Limits,
    ServerStarted,
    SubmissionRequest,
)
from grader.grading.run import run_submission_isolated
from grader.labs import Lab
from grader.results import CheckResult, LabResult, Status
from grader.sandbox.template import request_server, stop_server


@dataclass(frozen=True)
class GradingContext:
    """What a grading process takes from the pool: the checks (loaded before any
    submission ran), the warm handle they read state with, the pristine account, the
    lines to the zygote (one per slot) and the run's cgroups."""

    lab: Lab
    specs: list[CheckSpec]
    limits: Limits
    caps: Capabilities
    account: Account
    handle: AWS | None = None  # for WORKER_PORT, its clients made before forking
    zygote_conns: list[socket.socket] = field(default_factory=list)
    cgroups: Cgroups | None = None
    keep: list[Path] = field(default_factory=list)  # for learner code a check runs
    hide_dirs: list[Path] = field(default_factory=list)
    seccomp: Any = None
    params: list[dict[str, Any]] = field(default_factory=list)  # each submission's values

    def values(self, index: int) -> dict[str, Any]:
        """Submission ``index``'s parameter values (its student's, else the defaults)."""
        return self.params[index] if index < len(self.params) else self.lab.defaults


@dataclass
class Worker:
    """One grading process's view: its slot, its namespace, its server, and its timings."""

    pool: GradingContext
    template: socket.socket
    slot: int
    netns: int | None
    report: int = -1
    server_pid: int = 0
    phases: dict[str, float] = field(default_factory=dict)

    def lap(self, phase: str, since: float) -> float:
        now = time.monotonic()
        self.phases[phase] = round(now - since, 4)
        return now


def grader_main(pool: GradingContext, template: socket.socket, slot: int, index: int,
                path: Path, out: int) -> None:
    """Entry point of a grading process: grade ``path`` and report on ``out``."""
    started = time.monotonic()
    isolation.die_with_parent()
    netns = None
    if pool.caps.namespaces:
        isolation.unshare(isolation.CLONE_NEWNET)  # its server: invisible to every other
        isolation.loopback_up()
        netns = os.open("/proc/self/ns/net", os.O_RDONLY)
    worker = Worker(pool, template, slot, netns, report=out)
    worker.lap("fork", started)
    result = grade_one(worker, index, path)
    duration = round(time.monotonic() - started, 3)
    os.write(out, Graded(index, result, duration, worker.phases).to_bytes())


def _group(pool: GradingContext, name: str, memory_mb: int) -> Group | None:
    if pool.cgroups is None:
        return None
    return pool.cgroups.create(name, memory_mb * 1024 * 1024, MAX_PROCESSES)


def grade_one(worker: Worker, index: int, path: Path) -> LabResult:
    """A fresh server holding the pristine account, the submission, then the checks."""
    pool = worker.pool
    account = pool.account
    limits = pool.limits
    mark = time.monotonic()
    try:
        cells, notebook = read_submission(path)
    except SubmissionError as exc:
        return zero_result(pool.lab.id, pool.specs, Status.ERROR, str(exc), pool.values(index))
    mark = worker.lap("read", mark)
    wanted = WORKER_PORT if worker.netns is not None else 0  # a private loopback: fixed port
    server_group = _group(pool, f"server-{index}", SERVER_MEMORY_MB)
    submission_group = _group(pool, f"submission-{index}", limits.memory_mb)
    server_user = pool.caps.slot_user(worker.slot, server=True) if pool.caps.root else (0, 0)
    try:
        worker.server_pid, port = request_server(
            worker.template, worker.netns, wanted, server_user,
            [str(d) for d in server_group.dirs] if server_group else [])
        os.write(worker.report, ServerStarted(worker.server_pid).to_bytes())
        endpoint = f"http://127.0.0.1:{port}"
        user = pool.caps.slot_user(worker.slot) if pool.caps.root else (0, 0)
        request = SubmissionRequest(
            cells=cells, notebook=notebook, endpoint=endpoint,
            ports=None if worker.netns is not None else [port],
            account=dataclasses.asdict(account), uid=user[0], gid=user[1],
            cgroup=[str(d) for d in submission_group.dirs] if submission_group else [],
            cgroup_v2=bool(submission_group and submission_group.v2))
        mark = worker.lap("server", mark)
        run = run_submission_isolated(pool.zygote_conns[worker.slot], request, worker.netns,
                                      limits)
        if submission_group is not None:
            run.out_of_memory = submission_group.oom_killed()
            submission_group.remove()  # nothing of the submission survives this
        previous = mark
        for name, at in run.marks.items():
            worker.phases[f"run:{name}"] = round(at - previous, 4)
            previous = at
        if run.first_cell_at:
            worker.phases["run:start"] = round(run.first_cell_at - previous, 4)
        if run.done_at:
            worker.phases["run:cells"] = round(run.done_at - (run.first_cell_at or mark), 4)
        mark = worker.lap("run", mark)
        aws = (pool.handle if pool.handle and endpoint == pool.handle.endpoint
               else AWS.for_account(endpoint, account))
        aws.params = pool.values(index)
        with walled_handlers(_learner_walls(worker, index)):
            result = run_checks_within(pool.lab.id, pool.specs, aws, limits.checks_timeout)
        mark = worker.lap("checks", mark)
    finally:
        if worker.server_pid:
            stop_server(worker.server_pid)
        for group in (submission_group, server_group):
            if group is not None:
                group.remove()
    result.output = " ".join(part for part in (
        stable_text(run.reason(limits, notebook), account), result.output) if part)
    if run.status and result.status != Status.TIMEOUT:
        result.status = run.status
    return result


def _learner_walls(worker: Worker, index: int) -> LearnerWalls | None:
    """The walls for learner code a check runs (none without root)."""
    pool = worker.pool
    if not pool.caps.root:
        return None
    return LearnerWalls(user=pool.caps.slot_user(worker.slot), keep=pool.keep,
                        hide_dirs=pool.hide_dirs, seccomp=pool.seccomp,
                        make_group=lambda: _group(pool, f"handler-{index}",
                                                  pool.limits.memory_mb),
                        namespaces=pool.caps.namespaces)


class _ChecksTimedOut(BaseException):
    """Raised by the alarm in the middle of a check (not an ``Exception``: no check's
    ``except`` catches it)."""


def run_checks_within(lab: str, specs: list[CheckSpec], aws: AWS,
                      seconds: float) -> LabResult:
    """Run the checks as ``run_checks`` does, but stop at ``seconds``: the checks not done
    by then (a submission that created thousands of resources) report ``timeout``."""
    forget = getattr(aws, "forget", None)
    if forget is not None:
        forget()
    values = getattr(aws, "params", None) or {}

    def alarm(signum: int, frame: Any) -> None:
        raise _ChecksTimedOut

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    tests = []
    try:
        for spec in specs:
            tests.append(run_check(spec, aws))
    except _ChecksTimedOut:
        reason = (f"The checks did not finish within {seconds:g} s (the account holds too "
                  "much to inspect); not graded.")
        for spec in specs[len(tests):]:
            tests.append(CheckResult(spec.name, resolve(spec.title, values), 0.0,
                                     spec.points, Status.TIMEOUT, reason,
                                     resolve(spec.hint, values), visibility=spec.shown))
        return LabResult(lab=lab, tests=tests, status=Status.TIMEOUT, output=reason)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    return LabResult(lab=lab, tests=tests)


_IDS = re.compile(r"\b(ami|i|sg|sgr|vol|snap|subnet|vpc|key|eni|igw|rtb|lt|r|acl|eipalloc|"
                  r"eipassoc|nat|pcx|tgw|fleet|sir|sfr|cr|dopt|vpce|pl|ari|aki)-[0-9a-f]{8,17}\b")


def stable_text(text: str, account: Account) -> str:
    """Deterministic feedback: no random resource ids, account ids or keys."""
    text = text.replace(account.account_id, "<account>")
    text = text.replace(account.access_key_id, "<access-key>")
    return _IDS.sub(lambda m: f"{m.group(1)}-…", text)


