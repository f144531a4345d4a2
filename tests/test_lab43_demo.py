"""Lab 43-demo.

Solved, untouched, partly wrong and alternative-correct variants.
"""

from __future__ import annotations

from grader.labs import find_lab
from grader.session import check_lab

LAB = find_lab("43-demo")


def test_solution_gets_full_marks(fresh_aws):
    aws = fresh_aws(LAB.id)
    LAB.solve_fn()(aws)
    result = check_lab(LAB, aws)
    assert result.score == result.max_score


def test_untouched_scores_zero_with_messages(fresh_aws):
    result = check_lab(LAB, fresh_aws(LAB.id))
    assert result.score == 0 and all(t.output for t in result.tests)

# TODO: >= 3 partly-wrong variants (exact score and failing checks), >= 2 alternative
# correct solutions, and one failing variant per rule in lab.toml.
