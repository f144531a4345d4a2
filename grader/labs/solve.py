"""Run a lab's reference solution (solution.py, a plain script) in one account.

The script uses plain ``boto3.client(...)`` like a learner's notebook; while it runs,
boto3's default session is one that talks to ``aws``'s endpoint with its credentials.
"""

from __future__ import annotations

import contextlib
import io
import sys
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from grader.aws import AWS
from grader.checks import resolve


def run_solution(source: Path, aws: AWS, quiet: bool = True,
                 values: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Run ``source`` (a lab's solution.py) against ``aws``; return its globals.

    ``{{ NAME }}`` placeholders take ``values`` first (a student's, or the defaults), as
    in the notebooks the build step makes."""
    code = compile(resolve(source.read_text(encoding="utf-8"), values or {}), str(source),
                   "exec")
    name = f"{source.parent.name}_solution"
    module = types.ModuleType(name)
    module.__file__ = str(source)
    out = contextlib.redirect_stdout(io.StringIO()) if quiet else contextlib.nullcontext()
    saved = sys.modules.get(name)
    sys.modules[name] = module  # dataclasses look their module up while it runs
    try:
        with aws.as_boto3_default(), out:
            exec(code, module.__dict__)
    finally:
        if saved is None:
            sys.modules.pop(name, None)
        else:
            sys.modules[name] = saved
    return dict(module.__dict__)
