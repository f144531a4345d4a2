"""Benchmark for lab 01 (issue 2): check latency and grading speed vs nbconvert.

    python bench/bench_lab01.py [--copies 20] [--repeats 30]

1. "Check my work" latency: all lab-01 checks against a warm sandbox account holding the
   solved state, median and p90 of ``--repeats`` runs (target p50 <= 100 ms).
2. Grading: ``computelab grade 01`` on N copies of the solved notebook, versus
   ``jupyter nbconvert --execute`` of the same notebooks one after another (each given its
   own fresh sandbox account, as grading does). Target: grading >= 3x faster.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from grader.aws import AWS, lab_environment
from grader.labs import find_lab
from grader.sandbox import REGION, Sandbox, create_account
from grader.session import check_lab

BIN = Path(sys.executable).parent


def check_latency(repeats: int) -> tuple[float, float]:
    lab = find_lab("01")
    with Sandbox() as sandbox:
        aws = AWS.for_account(sandbox.endpoint, create_account(sandbox.endpoint))
        lab.solve_fn()(aws)
        check_lab(lab, aws)  # warm: clients created, backends loaded
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            result = check_lab(lab, aws)
            times.append(time.perf_counter() - start)
        assert result.score == result.max_score
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.9) - 1]


def grade_copies(copies: list[Path]) -> float:
    out = copies[0].parent / "grades"  # a fresh output folder: nothing to resume from
    start = time.perf_counter()
    subprocess.run([str(BIN / "computelab"), "grade", "01", *map(str, copies), "--json",
                    "--out", str(out), "--force"], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def nbconvert_copies(copies: list[Path]) -> float:
    start = time.perf_counter()
    with Sandbox() as sandbox:
        for path in copies:
            account = create_account(sandbox.endpoint)
            env = lab_environment(sandbox.endpoint, account.access_key_id,
                                  account.secret_access_key, REGION)
            env["COMPUTELAB_GRADING"] = "1"
            subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "notebook", "--execute",
                            "--output", path.with_suffix(".out.ipynb").name, str(path)],
                           check=True, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    os.environ.setdefault("COMPUTELAB_HOME", tempfile.mkdtemp(prefix="computelab-bench-"))

    p50, p90 = check_latency(args.repeats)
    print(f"check my work (lab 01, warm): p50 {p50 * 1000:.1f} ms, p90 {p90 * 1000:.1f} ms "
          f"over {args.repeats} runs")

    solved = find_lab("01").path / "solution.ipynb"
    with tempfile.TemporaryDirectory(prefix="computelab-bench-") as tmp:
        copies = []
        for number in range(args.copies):
            copy = Path(tmp) / f"student{number:03d}.ipynb"
            shutil.copyfile(solved, copy)
            copies.append(copy)
        graded = grade_copies(copies)
        baseline = nbconvert_copies(copies)
    n = args.copies
    print(f"computelab grade: {graded:.1f} s for {n} ({graded / n:.2f} s per submission)")
    print(f"nbconvert --execute, serial: {baseline:.1f} s for {n} "
          f"({baseline / n:.2f} s per submission)")
    print(f"speed-up: {baseline / graded:.1f}x")


if __name__ == "__main__":
    main()
