"""What the class-grading tests share: lab 01, results without a sandbox, and a stand-in
for the grading pool whose scores are written in each submission's text."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from grader.checks import zero_result
from grader.grading import Graded
from grader.labs import find_lab
from grader.results import LabResult

LAB = find_lab("01")
SPECS = LAB.checks()
FULL = {s.name for s in SPECS}


def partial_result(passed: set[str]) -> LabResult:
    """A result where only ``passed`` checks passed (no sandbox needed)."""
    result = zero_result(LAB.id, SPECS, "failed", "", LAB.defaults)
    for t in result.tests:
        if t.name in passed:
            t.score, t.status, t.output = t.max_score, "passed", "Done."
        else:
            t.output = f"Not done: {t.title}"
    result.status = "passed" if len(passed) == len(SPECS) else "failed"
    result.output = ""
    return result


def write(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def fake_grade_iter(calls: list[list[str]]):
    """A ``grade_iter`` that records what it was asked and scores by the file's text:
    ``solved`` -> full marks, anything else -> one check."""

    def grade_iter(lab, paths, limits=None, jobs=None, hide=None, on_ready=None, **_):
        calls.append([p.name for p in paths])
        for index, path in enumerate(paths):
            text = path.read_text()
            result = partial_result(FULL if "solved" in text else {"key_pair_created"})
            yield Graded(index, result, 1.5)

    return grade_iter


# About one grading run rather than the results (the walls, the class report's time): a
# merge writes none of them (`computelab report` on the merged folder writes the report)
RUN_ONLY = {"run.json", "report.html", "similarity.csv"}


def untimed(out: Path) -> dict[str, str]:
    """Every file in ``out`` with its timings taken out (the only thing allowed to differ),
    except the ``RUN_ONLY`` files."""
    files = {}
    for path in sorted(out.rglob("*")):
        if not path.is_file():
            continue
        name = path.relative_to(out).as_posix()
        if name in RUN_ONLY:
            continue
        text = path.read_text()
        if name == "gradebook.csv":
            rows = list(csv.reader(io.StringIO(text)))
            at = rows[0].index("duration_s")
            text = "\n".join(",".join(r[:at] + r[at + 1:]) for r in rows)
        elif name.endswith(".json"):
            data = json.loads(text)
            for row in data.get("rows", [data]):
                for key in ("duration", "graded_at", "mac"):
                    row.pop(key, None)
            text = json.dumps(data, sort_keys=True)
        elif name == "junit.xml":
            text = "\n".join(line for line in text.splitlines() if "time=" not in line)
        files[name] = text
    return files
