"""The readiness range: a 90% Wilson interval that widens as the questions get fewer."""

from __future__ import annotations

import pytest

from grader.quiz.readiness import describe, estimate, wilson


def test_wilson_matches_known_values():
    low, high = wilson(7, 10)
    assert low == pytest.approx(0.4418, abs=1e-3) and high == pytest.approx(0.8726, abs=1e-3)
    assert wilson(0, 4)[0] == 0.0 and wilson(4, 4)[1] == pytest.approx(1.0)


def test_fewer_questions_give_a_wider_range():
    widths = [wilson(n * 3 // 4, n)[1] - wilson(n * 3 // 4, n)[0] for n in (4, 20, 80)]
    assert widths[0] > widths[1] > widths[2]


def test_a_perfect_short_run_is_not_proof():
    assert estimate(2, 2).low < 0.6 and estimate(2, 2).high == 1.0


def test_describe_says_how_many_questions_the_range_rests_on():
    assert describe(estimate(7, 10)) == "44%-87% (from 10 questions)"
    assert describe(estimate(1, 1)).endswith("(from 1 question)")
    assert describe(estimate(0, 0)) == "not tested"


def test_bad_counts_are_refused():
    with pytest.raises(ValueError):
        wilson(3, 2)
