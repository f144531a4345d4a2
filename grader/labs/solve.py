"""Run a lab's reference solution (solution.py, a plain script) in one account.

The script uses plain ``boto3.client(...)`` like a learner's notebook; while it runs,
boto3's default session is one that talks to ``aws``'s endpoint with its credentials.
"""

from __future__ import annotations

import contextlib
import io
import runpy
from pathlib import Path
from typing import Any

from grader.aws import AWS


def run_solution(source: Path, aws: AWS, quiet: bool = True) -> dict[str, Any]:
    """Run ``source`` (a lab's solution.py) against ``aws``; return its globals."""
    out = contextlib.redirect_stdout(io.StringIO()) if quiet else contextlib.nullcontext()
    with aws.as_boto3_default(), out:
        return runpy.run_path(str(source), run_name=f"{source.parent.name}_solution")
