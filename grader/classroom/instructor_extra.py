"""The instructor extra (``pip install 'computelab[instructor]'``): plots and similarity.

A learner's install has neither library; a missing one is a one-line error saying how to
get it, never an ImportError traceback.
"""

from __future__ import annotations

import importlib
from typing import Any

from grader.errors import ComputeLabError

INSTALL = "pip install 'computelab[instructor]'"


class MissingInstructorExtra(ComputeLabError):
    """A library of the instructor extra is not installed."""


def require(module: str) -> Any:
    """Import ``module`` from the instructor extra."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingInstructorExtra(
            f"the class report needs the instructor extra ({module} is missing): "
            f"{INSTALL}") from exc
