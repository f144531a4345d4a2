"""Benchmark for class grading (issue 6): computelab grade vs nbgrader and nbconvert.

    python bench/bench_grading.py [--sizes 25 50 100] [--jobs 2] [--baseline-sizes 25]
                                  [--nbgrader /tmp/nbgrader-venv/bin/nbgrader]

Submissions are lab-01 notebooks, a fixed mix by index (of every 20: 12 solved, 3 partly
wrong, 2 raising in a middle cell, 1 syntax error, 1 corrupt file, 1 untouched).

- ``computelab grade 01 DIR --jobs N --force --json``: wall time of the whole command
  (pool start-up and warm-up included), every isolation guarantee on.
- ``nbgrader autograde`` (from its own virtualenv: it is not a project dependency; create
  it with ``python -m venv /tmp/nbgrader-venv && /tmp/nbgrader-venv/bin/pip install
  nbgrader``) and ``jupyter nbconvert --execute`` one after another. Both run the same
  kernel (this project's Python, through a private kernelspec) against one shared sandbox
  server; each notebook gets a fresh account from an extra first cell. They get no
  isolation at all, which only flatters them.

Baselines run serially, so their cost is linear in class size: by default they run at the
smallest size only (``--baseline-sizes`` to change that). Figures go to stdout and to
bench/results/grading.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from grader.labs import find_lab
from grader.sandbox import Sandbox

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LAB = find_lab("01")

FRESH_ACCOUNT_CELL = """\
import json, os, urllib.request
_req = urllib.request.Request(os.environ["AWS_ENDPOINT_URL"] + "/_computelab/accounts",
                              data=b"{}", method="POST")
_acct = json.load(urllib.request.urlopen(_req))
os.environ["AWS_ACCESS_KEY_ID"] = _acct["access_key_id"]
os.environ["AWS_SECRET_ACCESS_KEY"] = _acct["secret_access_key"]
"""


def _cells() -> list[str]:
    nb = nbformat.read(LAB.path / "solution.ipynb", as_version=4)
    return [c.source for c in nb.cells if c.cell_type == "code"]


def _notebook(cells: list[str]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    return nb


def submission(index: int) -> tuple[str, nbformat.NotebookNode | str]:
    """The index-th submission of the mix: (kind, notebook or raw text)."""
    cells = _cells()
    slot = index % 20
    if slot < 12:
        return "solved", _notebook(cells)
    if slot == 12:
        return "partial", _notebook(cells[:6] + cells[7:])  # builder never terminated
    if slot == 13:
        cells[5] = cells[5].replace('InstanceType="t3.micro"', 'InstanceType="t3.small"')
        return "partial", _notebook(cells)
    if slot == 14:
        cells[3] = cells[3].replace("UserData=user_data,", "")
        return "partial", _notebook(cells)
    if slot in (15, 16):
        cells[3] = "raise RuntimeError('launch failed')"
        return "broken", _notebook(cells)
    if slot == 17:
        cells[2] = cells[2].replace("ec2.create_key_pair(", "ec2.create_key_pair((")
        return "broken", _notebook(cells)
    if slot == 18:
        return "broken", '{"cells": [ {"cell_type": "code",'
    return "untouched", nbformat.read(LAB.notebook, as_version=4)


def write_class(folder: Path, size: int, fresh_accounts: bool = False) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(size):
        _, content = submission(index)
        path = folder / f"s{index:03d}.ipynb"
        if isinstance(content, str):
            path.write_text(content)
        else:
            if fresh_accounts:
                content = nbformat.from_dict(json.loads(nbformat.writes(content)))
                content.cells.insert(0, nbformat.v4.new_code_cell(FRESH_ACCOUNT_CELL))
            nbformat.write(content, path)
        paths.append(path)
    return paths


def run_computelab(folder: Path, out: Path, jobs: int) -> tuple[float, list[dict]]:
    start = time.perf_counter()
    done = subprocess.run([str(BIN / "computelab"), "grade", "01", str(folder), "--out",
                           str(out), "--jobs", str(jobs), "--force", "--json"],
                          check=True, capture_output=True, text=True)
    return time.perf_counter() - start, json.loads(done.stdout)


def kernel_env(tmp: Path, endpoint: str) -> dict[str, str]:
    """A python3 kernelspec that runs this project's Python, and the sandbox variables."""
    spec = tmp / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3", "language": "python"}))
    env = dict(os.environ)
    env.update({"JUPYTER_PATH": str(tmp / "jupyter"), "AWS_ENDPOINT_URL": endpoint,
                "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_DEFAULT_REGION": "us-east-1", "COMPUTELAB_GRADING": "1",
                "COMPUTELAB_HOME": str(tmp / "home"), "PYTHONPATH": str(ROOT)})
    return env


def run_nbconvert(paths: list[Path], env: dict[str, str]) -> float:
    start = time.perf_counter()
    for path in paths:
        subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "notebook", "--execute",
                        "--allow-errors", "--ExecutePreprocessor.timeout=120",
                        "--output", path.with_suffix(".out.ipynb").name, str(path)],
                       env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def run_nbgrader(nbgrader: str, tmp: Path, paths: list[Path], env: dict[str, str]) -> float:
    course = tmp / "course"
    (course / "source" / "lab01").mkdir(parents=True)
    shutil.copy(LAB.notebook, course / "source" / "lab01" / "lab01.ipynb")
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        "c.CourseDirectory.course_id = 'bench'\n"
        "c.Execute.timeout = 120\n"
        "c.Execute.allow_errors = True\n")
    for index, path in enumerate(paths):
        target = course / "submitted" / f"s{index:03d}" / "lab01"
        target.mkdir(parents=True)
        shutil.copy(path, target / "lab01.ipynb")
    env = {**env, "PATH": f"{Path(nbgrader).parent}{os.pathsep}{env.get('PATH', '')}"}
    quiet = {"cwd": course, "env": env, "stdout": subprocess.DEVNULL,
             "stderr": subprocess.DEVNULL}
    subprocess.run([nbgrader, "generate_assignment", "lab01", "--force"], check=True, **quiet)
    start = time.perf_counter()
    subprocess.run([nbgrader, "autograde", "lab01", "--create", "--force"], **quiet)
    elapsed = time.perf_counter() - start
    graded = list((course / "autograded").glob("*/lab01/lab01.ipynb"))
    print(f"    nbgrader autograded {len(graded)} of {len(paths)} notebooks")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[25, 50, 100])
    parser.add_argument("--baseline-sizes", type=int, nargs="*", default=None)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--nbgrader", default="/tmp/nbgrader-venv/bin/nbgrader")
    parser.add_argument("--no-nbconvert", action="store_true")
    args = parser.parse_args()
    baseline_sizes = args.baseline_sizes if args.baseline_sizes is not None else [
        min(args.sizes)]
    figures: dict[str, dict[str, float]] = {}

    def record(tool: str, size: int, seconds: float) -> None:
        figures.setdefault(tool, {})[str(size)] = round(seconds, 2)
        print(f"  {tool:<22} {size:>4} submissions: {seconds:7.1f} s "
              f"({seconds / size:.2f} s per submission)", flush=True)

    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="computelab-bench-") as tmp_name:
        tmp = Path(tmp_name)
        os.environ.setdefault("COMPUTELAB_HOME", str(tmp / "home"))
        for size in args.sizes:
            folder = tmp / f"class-{size}"
            write_class(folder, size)
            seconds, rows = run_computelab(folder, tmp / f"grades-{size}", args.jobs)
            record(f"computelab --jobs {args.jobs}", size, seconds)
            kinds = [submission(i)[0] for i in range(size)]
            solved = [r for r, k in zip(rows, kinds, strict=True) if k == "solved"]
            assert all(r["score"] == r["max_score"] for r in solved), "a solved copy lost marks"
        for size in baseline_sizes:
            base = tmp / f"baseline-{size}"
            paths = write_class(base / "class", size, fresh_accounts=True)
            with Sandbox() as sandbox:
                env = kernel_env(base, sandbox.endpoint)
                if Path(args.nbgrader).exists():
                    record("nbgrader autograde", size, run_nbgrader(args.nbgrader, base, paths,
                                                                    env))
                else:
                    print(f"  nbgrader not found at {args.nbgrader}: skipped")
                if not args.no_nbconvert:
                    record("nbconvert --execute", size, run_nbconvert(paths, env))
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    ours = figures[f"computelab --jobs {args.jobs}"]
    for tool in ("nbgrader autograde", "nbconvert --execute"):
        for size, seconds in figures.get(tool, {}).items():
            if size in ours:
                print(f"speed-up vs {tool} at {size}: {seconds / ours[size]:.1f}x")
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "grading.json").write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
