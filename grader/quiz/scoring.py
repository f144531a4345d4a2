"""Score one answer to one question.

Modes:

- ``exam``: all or nothing per question, no penalty for guessing (as on the real exams).
- ``practice``: partial credit, shown to the learner:
    - single, true_false: 1 or 0;
    - multiple: (right picks - wrong picks) / choose, floored at 0 — picking one of the two
      right options scores 0.5, picking every option scores 0;
    - matching: the share of pairs matched correctly;
    - ordering: the share of steps placed in their correct position.

The result carries a feedback line for every option chosen (and every correct option
missed), pair and step, each with its ``why``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from grader.errors import QuizError
from grader.quiz.model import Answer, Question

Mode = Literal["exam", "practice"]


@dataclass(frozen=True)
class Line:
    """One piece of feedback.

    Options: ``text`` is the option, ``chosen`` whether the learner picked it, ``correct``
    whether it is a right option. Pairs and steps: ``text`` is the item (or the step the
    learner put at this position), ``given`` what they chose, ``expected`` the right one,
    ``correct`` whether they got this part right.
    """

    text: str
    chosen: bool
    correct: bool
    why: str
    given: str = ""
    expected: str = ""


@dataclass(frozen=True)
class Graded:
    question: Question
    answer: Answer
    mode: Mode
    fraction: float
    lines: tuple[Line, ...]

    @property
    def correct(self) -> bool:
        return self.fraction >= 1.0


def check_answer(question: Question, answer: Answer) -> None:
    """Raise QuizError if ``answer`` cannot be an answer to ``question`` (out of range)."""
    n = len(question.options)
    if question.type in ("single", "true_false"):
        if len(answer.selected) != 1 or not all(0 <= i < n for i in answer.selected):
            raise QuizError(f"question '{question.id}': choose exactly one option")
    elif question.type == "multiple":
        if not answer.selected or not all(0 <= i < n for i in answer.selected):
            raise QuizError(f"question '{question.id}': choose options from the list")
    elif question.type == "matching":
        choices = len(question.match_choices)
        if len(answer.matches) != len(question.pairs) \
                or not all(0 <= i < choices for i in answer.matches):
            raise QuizError(f"question '{question.id}': give one match per item")
    elif sorted(answer.order) != list(range(len(question.steps))):
        raise QuizError(f"question '{question.id}': place every step exactly once")


def _options(q: Question, a: Answer) -> tuple[float, list[Line]]:
    right = q.correct_options
    chosen = [i for i in range(len(q.options)) if i in a.selected]
    missed = [i for i in sorted(right) if i not in a.selected]
    lines = [Line(text=q.options[i].text, chosen=i in a.selected, correct=q.options[i].correct,
                  why=q.options[i].why) for i in chosen + missed]
    if q.type == "multiple":
        hits = len(a.selected & right)
        misses = len(a.selected - right)
        return max(0.0, (hits - misses) / (q.choose or len(right))), lines
    return (1.0 if a.selected == right else 0.0), lines


def _matching(q: Question, a: Answer) -> tuple[float, list[Line]]:
    choices = q.match_choices
    lines = [Line(text=p.item, chosen=True, correct=choices[m] == p.match, why=p.why,
                  given=choices[m], expected=p.match)
             for p, m in zip(q.pairs, a.matches, strict=True)]
    return sum(line.correct for line in lines) / len(lines), lines


def _ordering(q: Question, a: Answer) -> tuple[float, list[Line]]:
    lines = [Line(text=q.steps[placed].text, chosen=True, correct=placed == position,
                  why=q.steps[position].why, given=q.steps[placed].text,
                  expected=q.steps[position].text)
             for position, placed in enumerate(a.order)]
    return sum(line.correct for line in lines) / len(lines), lines


def grade(question: Question, answer: Answer, mode: Mode = "practice") -> Graded:
    """Score ``answer``; exam mode rounds anything short of fully right down to 0."""
    check_answer(question, answer)
    if question.type == "matching":
        fraction, lines = _matching(question, answer)
    elif question.type == "ordering":
        fraction, lines = _ordering(question, answer)
    else:
        fraction, lines = _options(question, answer)
    if mode == "exam":
        fraction = 1.0 if fraction >= 1.0 else 0.0
    return Graded(question=question, answer=answer, mode=mode, fraction=fraction,
                  lines=tuple(lines))
