"""How long ``computelab labs`` takes (issue: under 0.4 s), start to exit.

    python bench/bench_cli_labs.py [--runs 15]

Times the installed console script as a learner runs it (a fresh process each time, an
empty progress store) and prints the minimum, median and maximum. Quote the median.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    script = Path(sys.executable).parent / "computelab"
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "COMPUTELAB_HOME": home, "COLUMNS": "120"}
        subprocess.run([str(script), "labs"], env=env, capture_output=True, check=True)  # warm
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            subprocess.run([str(script), "labs"], env=env, capture_output=True, check=True)
            times.append(time.perf_counter() - start)
    print(f"computelab labs over {args.runs} runs: min {min(times):.3f} s, "
          f"median {statistics.median(times):.3f} s, max {max(times):.3f} s")


if __name__ == "__main__":
    main()
