"""Benchmark the sandbox journal (issue 20): what recording costs, and how long a restart's
restore takes.

    python bench/bench_journal.py [--labs 01 03]

Each lab's reference solution is applied in a sandbox without a journal and in one with
(both in this process, each lab in a fresh account), timed per lab; then a fresh process
restores every log, timed as a whole (the line ``computelab start`` prints comes after this).
Prints one row per lab (requests logged, log KB, solve ms plain / journaled) and the restore.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESTORE = """
import sys, time
from pathlib import Path
t = time.perf_counter()
from grader.sandbox import Sandbox
from grader.sandbox.journal import Journal, summary
with Sandbox(journal=Journal(Path(sys.argv[1]))) as sandbox:
    took = time.perf_counter() - t
    print(f"restore (fresh process, imports included): {took:.1f} s")
    print(*summary(sandbox.restored), sep="\\n")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labs", nargs="*", help="lab ids or numbers (default: every lab)")
    args = parser.parse_args()
    os.environ["COMPUTELAB_HOME"] = tempfile.mkdtemp(prefix="bench-journal-")
    from grader.labs import all_labs, find_lab
    from grader.sandbox import Sandbox, publish
    from grader.sandbox.journal import Journal, read_log
    from grader.session import lab_aws

    labs = [find_lab(name) for name in args.labs] if args.labs else all_labs()
    folder = Path(tempfile.mkdtemp(prefix="bench-journal-state-"))
    times: dict[str, list[float]] = {lab.id: [] for lab in labs}
    for journal in (None, Journal(folder)):
        with Sandbox(journal=journal) as sandbox:
            publish(sandbox.endpoint)
            for lab in labs:
                aws = lab_aws(lab, sandbox.endpoint)
                start = time.perf_counter()
                lab.solve_fn()(aws)
                times[lab.id].append((time.perf_counter() - start) * 1000)
    print(f"{'lab':<22} {'requests':>8} {'KB':>6} {'plain ms':>9} {'journaled ms':>13}")
    for lab in labs:
        path = folder / f"{lab.id}.jsonl"
        plain, journaled = times[lab.id]
        print(f"{lab.id:<22} {len(read_log(path)[1]):>8} {path.stat().st_size / 1024:>6.1f} "
              f"{plain:>9.0f} {journaled:>13.0f}")
    subprocess.run([sys.executable, "-c", RESTORE, str(folder)], check=True)


if __name__ == "__main__":
    main()
