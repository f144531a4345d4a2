"""Run one submission (notebook or script) in *this* process: the child side of grading.

Invoked as ``python -m grader.runner SUBMISSION REPORT``. Every code cell runs even when
an earlier one fails (later cells still count where they can). The report lists cell
errors for the learner's feedback only: the grader scores from AWS state, never from here.
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path
from typing import Any


def _one_line(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".splitlines()[0][:300]


def code_cells(path: Path) -> list[str]:
    """The code of a submission: a notebook's code cells, or a script as one cell."""
    if path.suffix == ".ipynb":
        import nbformat

        nb = nbformat.read(path, as_version=4)
        return [c.source for c in nb.cells if c.cell_type == "code"]
    return [path.read_text()]


def run_cells(cells: list[str], notebook: bool) -> list[dict[str, Any]]:
    """Execute cells in one namespace; return the errors (cell number and one line)."""
    errors: list[dict[str, Any]] = []
    if notebook:
        from IPython.core.interactiveshell import InteractiveShell

        shell = InteractiveShell.instance()
        for number, source in enumerate(cells, 1):
            result = shell.run_cell(source, store_history=False, silent=False)
            exc = result.error_before_exec or result.error_in_exec
            if exc is not None:
                errors.append({"cell": number, "error": _one_line(exc)})
        return errors
    namespace: dict[str, Any] = {"__name__": "__main__"}
    try:
        exec(compile(cells[0], "submission.py", "exec"), namespace)
    except SystemExit:
        pass
    except BaseException as exc:
        traceback.print_exc()
        errors.append({"cell": 1, "error": _one_line(exc)})
    return errors


def main(argv: list[str]) -> int:
    submission, report = Path(argv[0]), Path(argv[1])
    cells = code_cells(submission)
    errors = run_cells(cells, notebook=submission.suffix == ".ipynb")
    report.write_text(json.dumps({"cells": len(cells), "errors": errors}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
