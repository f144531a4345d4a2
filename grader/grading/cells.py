"""Run one submission in *this* process: the child side of grading.

The grading worker forks a child per submission; the child calls ``run_submission``, which
runs every code cell with IPython's ``InteractiveShell`` (an error is recorded and later
cells still run) and reports progress on a pipe (``grader.grading.protocol.Report``)::

    Report(cell=3)                    cell 3 started
    Report(cell=3, error="...")       cell 3 raised (one line)
    Report(done=True)                 every cell ran

The report only feeds the learner's feedback ("cell 3 raised ..."): the grader scores
from AWS state, never from here. Also ``python -m grader.grading.cells SUBMISSION`` runs a
submission in the current environment, for debugging.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from grader.errors import SubmissionError
from grader.grading.protocol import Report

MAX_SUBMISSION_BYTES = 20 * 1024 * 1024


def one_line(exc: BaseException) -> str:
    """``Type: message`` on one line, without file names that change between runs."""
    if isinstance(exc, SyntaxError):
        where = f" (line {exc.lineno})" if exc.lineno else ""
        text = f"{type(exc).__name__}: {exc.msg}{where}"
    else:
        text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    lines = text.strip().splitlines()
    return (lines[0] if lines else type(exc).__name__)[:300]


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    if isinstance(source, list):
        return "".join(str(s) for s in source)
    if not isinstance(source, str):
        raise ValueError("cell source is not text")
    return source


def read_submission(path: Path) -> tuple[list[str], bool]:
    """A submission's code: a notebook's code cells or a script as one cell, and whether it
    is a notebook. Raises ``SubmissionError`` with a one-line reason when it cannot run."""
    if not path.is_file():
        raise SubmissionError(f"{path.name}: no such file.")
    if path.suffix not in (".ipynb", ".py"):
        raise SubmissionError(f"{path.name}: not a notebook (.ipynb) or Python script (.py).")
    size = path.stat().st_size
    if size > MAX_SUBMISSION_BYTES:
        raise SubmissionError(f"{path.name}: {size / 2**20:.0f} MB is too large for a "
                              "submission (clear the outputs and save again).")
    data = path.read_bytes()
    if path.suffix == ".py":
        try:
            text = data.decode("utf-8")
            compile(text, path.name, "exec")
        except (SyntaxError, UnicodeDecodeError, ValueError) as exc:
            reason = one_line(exc) if isinstance(exc, SyntaxError) else type(exc).__name__
            raise SubmissionError(f"{path.name}: the script does not parse ({reason}).") from exc
        return [text], False
    fix = "re-download it from JupyterLab (File > Download)."
    if not data.strip():
        raise SubmissionError(f"{path.name}: not a readable notebook (the file is empty); {fix}")
    try:
        nb = json.loads(data)
        if isinstance(nb, dict) and "worksheets" in nb:  # nbformat 3: convert (rare)
            import nbformat

            nb = nbformat.reads(data.decode("utf-8"), as_version=4)
        cells = nb["cells"]
        if not isinstance(cells, list):
            raise ValueError("cells is not a list")
        code = [_source(c) for c in cells
                if isinstance(c, dict) and c.get("cell_type") == "code"]
    except Exception as exc:
        raise SubmissionError(
            f"{path.name}: not a readable notebook ({type(exc).__name__}); {fix}") from exc
    return code, True


class Reporter:
    """Writes progress lines to the grader; never lets a broken pipe stop the submission."""

    def __init__(self, fd: int | None) -> None:
        self.fd = fd
        self.last: Report | None = None

    def send(self, report: Report) -> None:
        if self.fd is None or report == self.last:
            return
        self.last = report
        try:
            os.write(self.fd, report.to_bytes())
        except OSError:
            self.fd = None


def new_shell() -> Any:
    """An IPython shell without history (no sqlite file, no saving thread)."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False
    return InteractiveShell.instance(config=config)


_RESERVE: list[bytearray] = []


def _on_memory_error(report: Reporter, cell: list[int]) -> Any:
    """IPython handler for MemoryError: give back a reserve and report it at once, before
    formatting a traceback needs memory the submission no longer has."""

    def handler(shell: Any, etype: Any, value: Any, tb: Any, tb_offset: Any = None) -> Any:
        _RESERVE.clear()
        report.send(Report(cell=cell[0], error="MemoryError"))
        try:
            print("MemoryError: the notebook ran out of memory.", file=sys.stderr)
        except Exception:
            pass
        return []

    return handler


def run_submission(cells: list[str], notebook: bool, report: Reporter,
                   shell: Any = None) -> None:
    """Run every cell in one namespace, reporting each start, each error and the end."""
    if notebook:
        shell = shell or new_shell()
        current = [0]
        _RESERVE.append(bytearray(16 * 1024 * 1024))
        shell.set_custom_exc((MemoryError,), _on_memory_error(report, current))
        for number, source in enumerate(cells, 1):
            current[0] = number
            if not _RESERVE and _room():
                _RESERVE.append(bytearray(16 * 1024 * 1024))
            report.send(Report(cell=number))
            result = shell.run_cell(source, store_history=False, silent=False)
            exc = result.error_before_exec or result.error_in_exec
            if exc is not None:
                report.send(Report(cell=number, error=one_line(exc)))
    else:
        report.send(Report(cell=1))
        namespace: dict[str, Any] = {"__name__": "__main__"}
        try:
            exec(compile(cells[0], "submission.py", "exec"), namespace)
        except SystemExit:
            pass
        except BaseException as exc:
            import traceback

            traceback.print_exc()
            report.send(Report(cell=1, error=one_line(exc)))
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    report.send(Report(done=True))


def _room() -> bool:
    try:
        bytearray(32 * 1024 * 1024)
        return True
    except MemoryError:
        return False


def main(argv: list[str]) -> int:
    """Debugging aid: run a submission here, printing the report lines on stderr."""
    path = Path(argv[0])
    try:
        cells, notebook = read_submission(path)
    except SubmissionError as exc:
        print(exc, file=sys.stderr)
        return 2
    run_submission(cells, notebook, Reporter(sys.stderr.fileno()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
