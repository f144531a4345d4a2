"""Benchmark "Check my work" for every lab: latency and AWS calls per click (issue 14).

    python bench/bench_checks.py [--repeats 30] [--labs 01 03] [--path panel|check_lab]

A sandbox runs in its own process (as under ``computelab start``: the kernel and the
sandbox are different processes). For each lab: a fresh account, set up and solved with the
lab's solution, then ``--repeats`` timed clicks after one warm-up click. ``panel`` (default)
times the notebook's button path: ``CheckPanel.on_check`` (boto3 configuration check, the
checks, the store record and the HTML render); ``check_lab`` times only the checks.
AWS calls are counted with a botocore ``before-call`` hook on every session.

Prints one row per lab: score, p50/p90 ms, API calls per click and distinct operations.
Target (issue 14): p50 <= 100 ms on an idle machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

CALLS: Counter[str] = Counter()

_SERVER = """
import sys, time
from grader.sandbox import Sandbox
sandbox = Sandbox().start()
print(sandbox.endpoint, flush=True)
sys.stdin.read()  # until the benchmark closes our stdin
"""


def count_calls() -> None:
    """Count every AWS API call made by any botocore session created from now on."""
    import botocore.session

    original = botocore.session.Session.__init__

    def counted_init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.register("before-call", _count)

    botocore.session.Session.__init__ = counted_init  # type: ignore[method-assign]


def _count(model: Any = None, **_: Any) -> None:
    if model is not None:
        CALLS[f"{model.service_model.service_name}:{model.name}"] += 1


def start_sandbox() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-c", _SERVER], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def clicker(lab: Any, aws: Any, path: str) -> Callable[[], Any]:
    """One "Check my work" click along ``path``; returns what to read the score from."""
    from grader.session import check_lab

    if path == "check_lab":
        return lambda: check_lab(lab, aws)
    from grader.aws import apply_lab_environment, install_loopback_guard, lab_environment
    from grader.notebook import LabSession
    from grader.ui.check_panel import CheckPanel

    apply_lab_environment(lab_environment(aws.endpoint, aws.access_key_id,
                                          aws.secret_access_key, aws.region))
    install_loopback_guard()
    session = LabSession(lab, aws)
    panel = CheckPanel(session)
    last: list[Any] = []
    original = session.run_checks

    def run_checks() -> Any:
        last[:] = [original()]
        return last[0]

    session.run_checks = run_checks  # type: ignore[method-assign]

    def click() -> Any:
        panel.on_check()
        assert last, panel.panel.value  # misconfigured: the checks did not run
        return last.pop()

    return click


def bench_lab(lab: Any, endpoint: str, repeats: int, path: str) -> dict[str, Any]:
    from grader.aws import AWS
    from grader.sandbox import create_account
    from grader.session import setup_account

    account = create_account(endpoint, managed_policies=lab.managed_policies)
    setup_account(lab, endpoint, account)
    aws = AWS.for_account(endpoint, account)
    lab.solve_fn()(aws)
    click = clicker(lab, aws, path)
    click()  # warm-up: clients built, service models loaded, caches filled
    times = []
    CALLS.clear()
    for _ in range(repeats):
        start = time.perf_counter()
        result = click()
        times.append((time.perf_counter() - start) * 1000)
    calls = sum(CALLS.values()) / repeats
    times.sort()
    return {"lab": lab.id, "score": f"{result.score:g}/{result.max_score:g}",
            "p50": statistics.median(times), "p90": times[max(0, int(len(times) * 0.9) - 1)],
            "calls": calls, "distinct": len(CALLS)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--labs", nargs="*", default=[], help="lab numbers (default: all)")
    parser.add_argument("--path", choices=["panel", "check_lab"], default="panel")
    args = parser.parse_args()
    os.environ["COMPUTELAB_HOME"] = tempfile.mkdtemp(prefix="computelab-bench-")
    count_calls()
    from grader.labs import all_labs

    labs = [lab for lab in all_labs() if not args.labs or lab.number in args.labs
            or lab.id in args.labs]
    proc, endpoint = start_sandbox()
    try:
        rows = [bench_lab(lab, endpoint, args.repeats, args.path) for lab in labs]
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=30)
    print(f"'Check my work' via {args.path}, {args.repeats} clicks per lab, sandbox in its own "
          "process")
    print(f"{'lab':<22} {'score':>7} {'p50 ms':>8} {'p90 ms':>8} {'calls':>6} {'distinct':>8}")
    for row in rows:
        print(f"{row['lab']:<22} {row['score']:>7} {row['p50']:>8.1f} {row['p90']:>8.1f} "
              f"{row['calls']:>6.1f} {row['distinct']:>8}")


if __name__ == "__main__":
    main()
