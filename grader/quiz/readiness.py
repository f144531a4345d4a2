"""Readiness from a practice exam: a range per domain, never a pass/fail verdict.

A few dozen questions cannot say much, and an honest report shows how much: for ``k``
right out of ``n`` we give the 90% Wilson score interval of the share of such questions
the learner gets right. It stays inside 0-100% and is wide when ``n`` is small (1 of 1
right gives about 27-100%), so a short exam cannot look like proof. The site computes
the same interval in ``content/assets/quiz.js``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

CONFIDENCE = 0.90
Z = 1.6448536269514722      # the two-sided 90% point of the standard normal


@dataclass(frozen=True)
class Estimate:
    """``correct`` of ``total``; ``low``-``high`` is the range (None when nothing was asked)."""

    correct: int
    total: int
    low: float | None
    high: float | None


def wilson(correct: int, total: int, z: float = Z) -> tuple[float, float]:
    """The Wilson score interval for ``correct`` successes in ``total`` trials."""
    if total <= 0 or not 0 <= correct <= total:
        raise ValueError("need 0 <= correct <= total and total > 0")
    p = correct / total
    z2 = z * z
    centre = (p + z2 / (2 * total)) / (1 + z2 / total)
    half = z * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total)) / (1 + z2 / total)
    low = 0.0 if correct == 0 else max(0.0, centre - half)     # exact at the ends
    high = 1.0 if correct == total else min(1.0, centre + half)
    return low, high


def estimate(correct: int, total: int) -> Estimate:
    if total == 0:
        return Estimate(correct, 0, None, None)
    low, high = wilson(correct, total)
    return Estimate(correct, total, low, high)


def percent(value: float) -> str:
    """A whole percent, rounded half up like the site's ``Math.round`` (so both agree)."""
    return f"{math.floor(value * 100 + 0.5)}%"


def describe(e: Estimate) -> str:
    """``"55%-90% (from 8 questions)"``, or ``"not tested"``."""
    if e.low is None or e.high is None:
        return "not tested"
    plural = "" if e.total == 1 else "s"
    return f"{percent(e.low)}-{percent(e.high)} (from {e.total} question{plural})"
