"""``with about("spot-ce"): ...``: the asserts inside fail naming the resource they judge.

Checks written with plain ``assert cond, "message"`` say what is wrong but not which of
several resources it is about; wrapping the part that judges one resource gives every such
failure its ``resources`` (as ``fail(message, *ids)`` does) without rewriting each assert.
A failure that already names resources keeps its own.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import Any, TypeVar, cast

from grader.checks import CheckFailed

F = TypeVar("F", bound=Callable[..., Any])


@contextlib.contextmanager
def about(*resources: str) -> Iterator[None]:
    """Name ``resources`` in any assertion failure raised inside the block."""
    try:
        yield
    except CheckFailed:
        raise
    except AssertionError as exc:
        raise CheckFailed(str(exc), [r for r in resources if r]) from None


def names(*resources: str) -> Callable[[F], F]:
    """Decorator form of ``about``, for a check that judges one or two named resources:
    put it under ``@check``."""

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with about(*resources):
                return fn(*args, **kwargs)

        return cast(F, wrapper)

    return decorate
