"""Helpers for the wall tests: grade attack scripts as a class, read what each found.

An attack script ends with ``found(...)``, which raises ``RuntimeError("RESULT {json}")``;
the grader's feedback ("Cell 1 raised RuntimeError: RESULT {...}") carries it back.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from grader.grading import Limits, grade, isolation
from grader.labs import find_lab

LAB = find_lab("01")
CAPS = isolation.probe()
needs_walls = pytest.mark.skipif(not CAPS.namespaces,
                                 reason="needs root and namespaces (the full walls)")
PRELUDE = '''
import json as _json
def found(**data):
    raise RuntimeError("RESULT " + _json.dumps(data, sort_keys=True))
'''
_RESULT = re.compile(r"RESULT (\{.*?\})(?:\.|$| \(and)")


def attack(tmp_path: Path, scripts: dict[str, str], limits: Limits | None = None,
           jobs: int = 2) -> dict[str, dict]:
    """Grade each script (named by key) as one class; return what each reported."""
    folder = tmp_path / "class"
    folder.mkdir()
    paths = []
    for name, code in scripts.items():
        path = folder / f"{name}.py"
        path.write_text(PRELUDE + code)
        paths.append(path)
    results = grade(LAB, paths, limits or Limits(timeout=60), jobs=jobs)
    return {name: report(result.output) for name, result in zip(scripts, results, strict=True)}


def report(output: str) -> dict:
    """What the script reported, or ``{"_output": feedback}`` when it did not get to."""
    match = _RESULT.search(output)
    return json.loads(match.group(1)) if match else {"_output": output}
