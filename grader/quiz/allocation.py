"""How many questions each exam guide domain gets: proportional to its weight, never more
than the domain has. Shared by random exams (``grader.quiz.exam``) and mock forms
(``grader.quiz.forms``)."""

from __future__ import annotations

import math
from collections.abc import Mapping


def allocate(weights: Mapping[str, float], available: Mapping[str, int], n: int) -> dict[str, int]:
    """How many questions each domain gets: proportional to ``weights`` (largest remainder),
    never more than ``available``; a short domain's share goes to the others."""
    n = min(n, sum(available.get(d, 0) for d in weights))
    fixed: dict[str, int] = {}
    while True:
        free = [d for d in weights if d not in fixed]
        left = n - sum(fixed.values())
        total = sum(weights[d] for d in free)
        if not free or left <= 0 or total <= 0:
            return {d: fixed.get(d, 0) for d in weights}
        quota = {d: left * weights[d] / total for d in free}
        counts = {d: math.floor(quota[d]) for d in free}
        by_remainder = sorted(free, key=lambda d: (-(quota[d] - counts[d]), -weights[d], d))
        for d in by_remainder[: left - sum(counts.values())]:
            counts[d] += 1
        short = [d for d in free if counts[d] > available.get(d, 0)]
        if not short:
            return {d: fixed.get(d, counts.get(d, 0)) for d in weights}
        for d in short:
            fixed[d] = available.get(d, 0)
