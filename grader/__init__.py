"""ComputeLab's engine: sandbox, labs, checks, grading and quizzes.

``from grader import check`` is all a lab's checks.py needs (``grader.kit`` holds the
helpers several labs share); ``from grader import connect`` is the first line of every lab
notebook. CONTRIBUTING.md draws the packages and the rules between them.
"""

from __future__ import annotations

from typing import Any

from grader.aws import AWS
from grader.checks import check, fail
from grader.errors import ComputeLabError
from grader.results import CheckResult, LabResult, Status

__version__ = "0.1.0"

__all__ = ["AWS", "CheckResult", "ComputeLabError", "LabResult", "Status", "__version__",
           "check", "connect", "fail", "practice"]


def connect(lab: str) -> Any:
    """Connect this notebook to its lab's sandbox account (see ``grader.notebook.connect``)."""
    from grader.notebook import connect as _connect

    return _connect(lab)


def practice(selector: str = "all", n: int = 5, *, seed: int | None = None,
             record: bool = True) -> Any:
    """A quiz widget in a notebook (see ``grader.ui.quiz_panel.practice``)."""
    from grader.ui.quiz_panel import practice as _practice

    return _practice(selector, n, seed=seed, record=record)
