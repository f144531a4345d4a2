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

import errno
import json
import os
import stat
import sys
import unicodedata
from pathlib import Path
from typing import Any

from grader.errors import SubmissionError
from grader.grading.protocol import MAX_REPORT_LINE, Report

MAX_SUBMISSION_BYTES = 20 * 1024 * 1024


def one_line(exc: BaseException) -> str:
    """``Type: message`` on one line, without file names that change between runs."""
    if isinstance(exc, SyntaxError):
        where = f" (line {exc.lineno})" if exc.lineno else ""
        text = f"{type(exc).__name__}: {exc.msg}{where}"
    else:
        try:
            message = str(exc)
        except Exception:  # a submission's exception may refuse to print itself
            message = "(unprintable)"
        text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    lines = text.strip().splitlines()
    return (lines[0] if lines else type(exc).__name__)[:300]


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    if isinstance(source, list):
        return "".join(str(s) for s in source)
    if not isinstance(source, str):
        raise ValueError("cell source is not text")
    return source


def shown(path: Path) -> str:
    """A file name fit for a one-line message: control characters and undecodable bytes
    (a student's file name is anything) become ``?``."""
    return "".join("?" if unicodedata.category(c) in ("Cc", "Cs") else c
                   for c in path.name[:120])


def open_flags() -> int:
    """Read-only, never through a link, never blocking on a FIFO, never inherited."""
    return (os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
            | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0))


def refusal(path: Path, mode: int) -> str:
    """Why a file of this type (``st_mode`` from ``lstat``) is not read as a submission;
    empty for a regular file."""
    if stat.S_ISREG(mode):
        return ""
    if stat.S_ISLNK(mode):
        return (f"{shown(path)}: is a symbolic link; submissions are never read through a "
                "link (hand in the file itself).")
    return f"{shown(path)}: is {_kind(mode)}, not a notebook or script file."


def _kind(mode: int) -> str:
    for test, kind in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISLNK, "a symbolic link")):
        if test(mode):
            return kind
    return "not a regular file"


def submission_bytes(path: Path, limit: int = MAX_SUBMISSION_BYTES) -> bytes:
    """A submission file's bytes, read as a hostile file: opened without following a link
    (``O_NOFOLLOW``: a link to ``labs/*/solution.ipynb`` is refused, not read with the
    grader's rights), without blocking (a FIFO), only when ``fstat`` says it is a regular
    file with one name (a hard link could be the course's own file under another name), and
    at most ``limit`` bytes. Raises ``SubmissionError`` with a one-line reason.

    Only the last path component is checked here: callers that walk a student's folder
    (``grader.classroom.submissions``) refuse links on the way down.
    """
    try:
        seen = os.lstat(path)  # devices are never even opened (opening one can act)
        if reason := refusal(path, seen.st_mode):
            raise SubmissionError(reason)
        fd = os.open(path, open_flags())
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # became a link since the lstat
            raise SubmissionError(refusal(path, stat.S_IFLNK)) from exc
        if exc.errno == errno.ENOENT:
            raise SubmissionError(f"{shown(path)}: no such file.") from exc
        raise SubmissionError(
            f"{shown(path)}: cannot be read ({exc.strerror or type(exc).__name__}).") from exc
    try:
        info = os.fstat(fd)
        if (info.st_dev, info.st_ino) != (seen.st_dev, seen.st_ino):
            raise SubmissionError(f"{shown(path)}: changed while it was being opened.")
        if info.st_nlink > 1:
            raise SubmissionError(f"{shown(path)}: has {info.st_nlink} hard links; hand in a "
                                  "copy (cp) so the file is only the student's.")
        if info.st_size > limit:
            raise SubmissionError(f"{shown(path)}: {info.st_size / 2**20:.0f} MB is too large "
                                  "for a submission (clear the outputs and save again).")
        os.set_blocking(fd, True)
        chunks: list[bytes] = []
        size = 0
        while size <= limit and (chunk := os.read(fd, min(1 << 20, limit + 1 - size))):
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:  # it grew while being read
            raise SubmissionError(f"{shown(path)}: more than {limit / 2**20:.0f} MB is too large "
                                  "for a submission.")
        return b"".join(chunks)
    except OSError as exc:
        raise SubmissionError(
            f"{shown(path)}: cannot be read ({exc.strerror or type(exc).__name__}).") from exc
    finally:
        os.close(fd)


def read_submission(path: Path) -> tuple[list[str], bool]:
    """A submission's code: a notebook's code cells or a script as one cell, and whether it
    is a notebook. Raises ``SubmissionError`` with a one-line reason when it cannot run."""
    if path.suffix not in (".ipynb", ".py"):
        raise SubmissionError(f"{shown(path)}: not a notebook (.ipynb) or Python script (.py).")
    data = submission_bytes(path)
    if path.suffix == ".py":
        try:
            text = data.decode("utf-8")
            compile(text, path.name, "exec")
        except (SyntaxError, UnicodeDecodeError, ValueError, RecursionError, MemoryError) as exc:
            reason = one_line(exc) if isinstance(exc, SyntaxError) else type(exc).__name__
            raise SubmissionError(f"{shown(path)}: the script does not parse ({reason}).") from exc
        return [text], False
    fix = "re-download it from JupyterLab (File > Download)."
    if not data.strip():
        raise SubmissionError(f"{shown(path)}: not a readable notebook (the file is empty); {fix}")
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
            f"{shown(path)}: not a readable notebook ({type(exc).__name__}); {fix}") from exc
    return code, True


class Reporter:
    """Writes progress lines to the grader; never lets a broken pipe stop the submission."""

    def __init__(self, fd: int | None) -> None:
        self.fd = fd
        self.last: Report | None = None

    def send(self, report: Report) -> None:
        """One line, at most ``MAX_REPORT_LINE`` bytes (``Report.parse`` drops longer
        ones); a broken pipe or a message that will not encode ends reporting, not the
        submission."""
        if self.fd is None or report == self.last:
            return
        self.last = report
        try:
            line = report.to_bytes()
            if len(line) <= MAX_REPORT_LINE:
                os.write(self.fd, line)
        except (OSError, ValueError, TypeError, RecursionError):
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
