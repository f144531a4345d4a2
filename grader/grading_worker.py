"""One grading process: a clean fork of the pool that grades one submission — its own
network namespace and fresh server, the submission run (``grader.grading_run``), then the
checks against what it created."""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.checks import ERROR, LabResult, run_checks, zero_result
from grader.errors import SubmissionError
from grader.grading import WORKER_PORT
from grader.grading_run import _run
from grader.runner import read_submission

if TYPE_CHECKING:
    from grader.grading_pool import _Pool


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


def _aws(endpoint: str, account: Any, loader: Any) -> Any:
    """An ``AWS`` handle (every handle shares the warm model ``loader``)."""
    from grader.aws import AWS

    return AWS.for_account(endpoint, account)
