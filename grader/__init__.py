"""ComputeLab's engine: sandbox, labs, checks, grading and quizzes.

``from grader import check`` is all a lab's checks.py needs (``grader.policies`` and
``grader.lookups`` hold the helpers several labs share); ``from grader import connect`` is
the first line of every lab notebook.
"""

from __future__ import annotations

from typing import Any

from grader.aws import AWS
from grader.checks import CheckResult, LabResult, check
from grader.errors import ComputeLabError

__version__ = "0.1.0"

__all__ = ["AWS", "CheckResult", "ComputeLabError", "LabResult", "__version__", "check",
           "connect"]


def connect(lab: str) -> Any:
    """Connect this notebook to its lab's sandbox account (see ``grader.notebook.connect``)."""
    from grader.notebook import connect as _connect

    return _connect(lab)
