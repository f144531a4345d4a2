"""How long ``make test-fast`` takes (issue: at most 90 s on 2 cores).

    python bench/bench_test_fast.py [--runs 3]

Runs the same pytest command as ``make test-fast`` several times, one after another, and
prints each wall time and the minimum, median and maximum. Quote the median: this machine
is shared and its speed drifts between runs.
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def fast_command() -> list[str]:
    """The pytest invocation of ``make test-fast``, read from the Makefile itself."""
    lines = (ROOT / "Makefile").read_text().splitlines()
    start = lines.index(next(line for line in lines if line.startswith("test-fast:")))
    recipe = lines[start + 1].strip().replace("$(BIN)/python", sys.executable)
    return shlex.split(recipe)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    command = fast_command() + ["-p", "no:cacheprovider"]
    print("command:", " ".join(command))
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    walls = []
    for run in range(1, args.runs + 1):
        started = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        walls.append(time.perf_counter() - started)
        summary = (done.stdout.strip().splitlines() or ["(no output)"])[-1]
        print(f"run {run}: {walls[-1]:.1f} s (exit {done.returncode}) {summary}")
    print(f"make test-fast: min {min(walls):.1f} s, median {statistics.median(walls):.1f} s, "
          f"max {max(walls):.1f} s over {len(walls)} runs")


if __name__ == "__main__":
    main()
