"""One grading process: a clean fork of the pool that grades one submission — its own
network namespace and fresh server, the submission run (``grader.grading.run``), then the
checks against what it created."""

from __future__ import annotations

import dataclasses
import os
import re
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path

from grader.aws import AWS, Account
from grader.checks import CheckSpec, run_checks, zero_result
from grader.errors import SubmissionError
from grader.grading import isolation
from grader.grading.cells import read_submission
from grader.grading.protocol import WORKER_PORT, Graded, ServerStarted, SubmissionContext
from grader.grading.run import run_submission_isolated
from grader.labs import Lab
from grader.results import LabResult, Status
from grader.sandbox.template import request_server, stop_server


@dataclass(frozen=True)
class GradingContext:
    """What a grading process takes from the pool: the checks (loaded before any
    submission ran), the warm handle they read state with, and the submission's context."""

    lab: Lab
    specs: list[CheckSpec]
    child: SubmissionContext
    handle: AWS | None = None  # for WORKER_PORT, its clients made before forking


@dataclass
class Worker:
    """One grading process's view: its namespaces, its server, and its timings."""

    pool: GradingContext
    template: socket.socket
    netns: int | None
    own_pidns: int | None
    report: int = -1
    server_pid: int = 0
    phases: dict[str, float] = field(default_factory=dict)

    def lap(self, phase: str, since: float) -> float:
        now = time.monotonic()
        self.phases[phase] = round(now - since, 4)
        return now


def grader_main(pool: GradingContext, template: socket.socket, index: int, path: Path,
                out: int) -> None:
    """Entry point of a grading process: grade ``path`` and report on ``out``."""
    started = time.monotonic()
    isolation.die_with_parent()
    netns = None
    namespaces = pool.child.caps.namespaces
    if namespaces:
        isolation.unshare(isolation.CLONE_NEWNET)  # its server: invisible to every other
        isolation.loopback_up()
        netns = os.open("/proc/self/ns/net", os.O_RDONLY)
    isolation.become_subreaper()
    own_pidns = os.open("/proc/self/ns/pid", os.O_RDONLY) if namespaces else None
    worker = Worker(pool, template, netns, own_pidns, report=out)
    worker.lap("fork", started)
    result = grade_one(worker, path)
    duration = round(time.monotonic() - started, 3)
    os.write(out, Graded(index, result, duration, worker.phases).to_bytes())


def grade_one(worker: Worker, path: Path) -> LabResult:
    """A fresh server holding the pristine account, the submission, then the checks."""
    pool = worker.pool
    account = pool.child.account
    mark = time.monotonic()
    try:
        cells, notebook = read_submission(path)
    except SubmissionError as exc:
        return zero_result(pool.lab.id, pool.specs, Status.ERROR, str(exc))
    mark = worker.lap("read", mark)
    wanted = WORKER_PORT if worker.netns is not None else 0  # a private loopback: fixed port
    worker.server_pid, port = request_server(worker.template, worker.netns, wanted)
    os.write(worker.report, ServerStarted(worker.server_pid).to_bytes())
    try:
        endpoint = f"http://127.0.0.1:{port}"
        context = dataclasses.replace(
            pool.child, endpoint=endpoint,
            ports=None if worker.netns is not None else frozenset({port}))
        mark = worker.lap("server", mark)
        run = run_submission_isolated(context, worker.own_pidns, cells, notebook)
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
        result = run_checks(pool.lab.id, pool.specs, aws)
        mark = worker.lap("checks", mark)
    finally:
        stop_server(worker.server_pid)
    result.output = stable_text(run.reason(context.limits, notebook), account)
    if run.status:
        result.status = run.status
    return result


_IDS = re.compile(r"\b(ami|i|sg|sgr|vol|snap|subnet|vpc|key|eni|igw|rtb|lt|r|acl|eipalloc|"
                  r"eipassoc|nat|pcx|tgw|fleet|sir|sfr|cr|dopt|vpce|pl|ari|aki)-[0-9a-f]{8,17}\b")


def stable_text(text: str, account: Account) -> str:
    """Deterministic feedback: no random resource ids, account ids or keys."""
    text = text.replace(account.account_id, "<account>")
    text = text.replace(account.access_key_id, "<access-key>")
    return _IDS.sub(lambda m: f"{m.group(1)}-…", text)


