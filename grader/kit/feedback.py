"""Feedback that names what it is about: turn a check's plain ``assert`` into ``fail``.

Checks written as a run of ``assert cond, "message"`` about one resource (a task definition
revision, a service, a function) get the resource's id attached to every failure with one
``with about(id):`` block, instead of rewriting each assert as ``fail(...)``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from grader.checks import CheckFailed, fail


@contextlib.contextmanager
def about(*resources: str) -> Iterator[None]:
    """Inside, a failing ``assert`` fails the check naming ``resources`` (a ``fail`` that
    already names its own resources is left as it is)."""
    try:
        yield
    except CheckFailed:
        raise
    except AssertionError as exc:
        fail(str(exc).split("\nassert ")[0], *(r for r in resources if r))
