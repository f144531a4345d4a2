"""Benchmark for the class report (issue 26): a class of 100, graded, then reported.

    python bench/bench_report.py [--size 100] [--jobs 2] [--runs 3]

The class is bench_grading's lab-01 mix plus a planted pair: one learner's own solution
(tests/labs/corpus/01-ec2-from-ami/ok_resource_api.py) and a copy of it with every name
changed, comments dropped and the layout redone. ``computelab grade`` writes the report;
``computelab report`` is then timed on its own. The script checks that the page's numbers
equal the gradebook's and that the planted pair, and only it, is in similarity.csv.
Figures go to stdout and bench/results/report.json.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import csv
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_grading import BIN, ROOT, _notebook, write_class  # noqa: E402

ORIGINAL = ROOT / "tests" / "labs" / "corpus" / "01-ec2-from-ami" / "ok_resource_api.py"


class _Rename(ast.NodeTransformer):
    def visit_Name(self, node: ast.Name) -> ast.Name:
        if node.id not in dir(builtins) and node.id != "boto3":
            node.id = "my_" + node.id[::-1]
        return node


def plant_pair(folder: Path) -> tuple[str, str]:
    code = ORIGINAL.read_text()
    copy = "# my own work\n" + ast.unparse(_Rename().visit(ast.parse(code)))
    nbformat.write(_notebook([code]), folder / "planted_original.ipynb")
    nbformat.write(_notebook([copy]), folder / "planted_copy.ipynb")
    return "planted_copy", "planted_original"


def check_numbers(out: Path) -> None:
    """The report's summary equals what the gradebook says."""
    book = list(csv.DictReader((out / "gradebook.csv").read_text().splitlines()))
    page = (out / "report.html").read_text()
    shown = dict(re.findall(r"<dd data-key='([^']+)'>([^<]*)</dd>", page))
    submitted = [r for r in book if r["status"] != "missing"]
    mean = statistics.fmean(float(r["score"]) for r in submitted)
    expected = {"Students": str(len(book)), "Submitted": str(len(submitted)),
                "Errors and timeouts": str(sum(r["status"] in ("error", "timeout")
                                               for r in book))}
    for key, value in expected.items():
        assert shown[key] == value, (key, shown[key], value)
    assert shown["Mean score"].startswith(f"{mean:.2f} /"), (shown["Mean score"], mean)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder, out = Path(tmp) / "class", Path(tmp) / "grades"
        write_class(folder, args.size - 2)
        planted = plant_pair(folder)
        start = time.perf_counter()
        subprocess.run([str(BIN / "computelab"), "grade", "01", str(folder), "--out", str(out),
                        "--jobs", str(args.jobs), "--force"], check=True,
                       capture_output=True, text=True)
        graded = time.perf_counter() - start
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            subprocess.run([str(BIN / "computelab"), "report", str(out)], check=True,
                           capture_output=True, text=True)
            times.append(time.perf_counter() - start)
        check_numbers(out)
        pairs = list(csv.DictReader((out / "similarity.csv").read_text().splitlines()))
        flagged = [(p["student_a"], p["student_b"]) for p in pairs]
        assert flagged == [planted], flagged
    result = {"size": args.size, "grade_with_report_s": round(graded, 2),
              "report_s": [round(t, 2) for t in times],
              "report_median_s": round(statistics.median(times), 2), "flagged": flagged}
    print(json.dumps(result, indent=2))
    target = ROOT / "bench" / "results" / "report.json"
    target.parent.mkdir(exist_ok=True)
    target.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
