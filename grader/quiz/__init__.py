"""The quiz engine: question banks, practice with feedback, timed exams, spaced repetition.

Modules, one job each: ``model`` (dataclasses), ``bank`` (load and validate YAML),
``present`` (shuffling, lettering, reading replies), ``scoring``, ``render`` (HTML),
``rounds`` (practice rounds), ``exam``, ``srs`` (fsrs), ``progress`` (SQLite),
``variants`` (generated numeric questions), ``export`` (GIFT, site JSON) and ``cli``.

In a notebook::

    from grader import quiz
    quiz.practice("ecs-vs-eks")        # a topic, a comparison or "clf-c02:billing"
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grader.ui.quiz_panel import QuizPanel

__all__ = ["practice"]


def practice(selector: str = "all", n: int = 5, *, seed: int | None = None,
             record: bool = True) -> QuizPanel:
    """An interactive quiz widget: one question at a time, with per-option feedback.

    ``selector`` is a topic id (``ecs``), a comparison id (``ecs-vs-eks``), an exam domain
    (``clf-c02:billing``), ``due`` (spaced-repetition reviews) or ``all``. Answers are
    recorded in the local progress store unless ``record=False``.
    """
    from grader.ui.quiz_panel import QuizPanel  # ipywidgets is imported only here

    return QuizPanel.from_selector(selector, n=n, seed=seed, record=record)
