"""Score one answer to one question.

Modes:

- ``exam``: all or nothing per question, no penalty for guessing (as on the real exams).
- ``practice``: partial credit, shown to the learner:
    - single, true_false: 1 or 0;
    - multiple: right picks / choose — a "choose N" question takes exactly N picks (the
      one rule every face enforces), so one right and one wrong pick of two scores 0.5;
    - matching: the share of pairs matched correctly;
    - ordering: the share of steps placed in their correct position.
- "I don't know" (``Answer.unknown``) scores 0 in both modes and reveals the answer.

The result carries a feedback line for every option — the chosen ones first, then the
others in bank order — and for every pair and step, each with its ``why``.
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

    Options: ``text`` is the option, ``index`` its position in the bank, ``chosen`` whether
    the learner picked it, ``correct`` whether it is a right option. Pairs and steps:
    ``text`` is the item (or the step the learner put at this position), ``given`` what
    they chose, ``expected`` the right one, ``correct`` whether they got this part right.
    """

    text: str
    chosen: bool
    correct: bool
    why: str
    given: str = ""
    expected: str = ""
    index: int = -1


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
    """Raise QuizError if ``answer`` cannot be an answer to ``question``: out of range, or
    not exactly ``choose`` picks on a multiple-response question."""
    if answer.unknown:
        return
    n = len(question.options)
    if question.type in ("single", "true_false"):
        if len(answer.selected) != 1 or not all(0 <= i < n for i in answer.selected):
            raise QuizError(f"question '{question.id}': choose exactly one option")
    elif question.type == "multiple":
        if not all(0 <= i < n for i in answer.selected):
            raise QuizError(f"question '{question.id}': choose options from the list")
        if len(answer.selected) != question.choose:
            raise QuizError(f"question '{question.id}': "
                            + choose_message(question.choose or 0, len(answer.selected)))
    elif question.type == "matching":
        choices = len(question.match_choices)
        if len(answer.matches) != len(question.pairs) \
                or not all(0 <= i < choices for i in answer.matches):
            raise QuizError(f"question '{question.id}': give one match per item")
    elif sorted(answer.order) != list(range(len(question.steps))):
        raise QuizError(f"question '{question.id}': place every step exactly once")


def choose_message(choose: int, given: int) -> str:
    """The one wording of the multiple-response rule, used by every face."""
    return f"choose exactly {choose} answers (you chose {given})"


def is_valid(question: Question, answer: Answer) -> bool:
    try:
        check_answer(question, answer)
    except QuizError:
        return False
    return True


def _options(q: Question, a: Answer) -> tuple[float, list[Line]]:
    """Every option explained: the chosen ones first, then the rest in bank order."""
    order = sorted(range(len(q.options)), key=lambda i: i not in a.selected)
    lines = [Line(text=q.options[i].text, chosen=i in a.selected, correct=q.options[i].correct,
                  why=q.options[i].why, index=i) for i in order]
    if a.unknown:
        return 0.0, lines
    right = q.correct_options
    if q.type == "multiple":
        return len(a.selected & right) / (q.choose or len(right)), lines
    return (1.0 if a.selected == right else 0.0), lines


def _matching(q: Question, a: Answer) -> tuple[float, list[Line]]:
    choices = q.match_choices
    given = [choices[m] for m in a.matches] if not a.unknown else [""] * len(q.pairs)
    lines = [Line(text=p.item, chosen=not a.unknown, correct=g == p.match, why=p.why,
                  given=g, expected=p.match, index=i)
             for i, (p, g) in enumerate(zip(q.pairs, given, strict=True))]
    return sum(line.correct for line in lines) / len(lines), lines


def _ordering(q: Question, a: Answer) -> tuple[float, list[Line]]:
    placed = list(a.order) if not a.unknown else [-1] * len(q.steps)
    lines = [Line(text=q.steps[p].text if p >= 0 else "", chosen=p >= 0, correct=p == position,
                  why=q.steps[position].why, given=q.steps[p].text if p >= 0 else "",
                  expected=q.steps[position].text, index=position)
             for position, p in enumerate(placed)]
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
