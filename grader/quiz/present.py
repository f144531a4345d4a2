"""How a question is shown, and how a typed reply maps back to a canonical answer.

Options are shuffled (true/false keeps True then False) and lettered a, b, c...; the
matches of a matching question are listed sorted and lettered; ordering steps are shuffled
and numbered 1, 2, 3... The reply format (also used by ``--answers``):

- single, true_false: one letter (``b``; true/false also takes ``t``/``f``)
- multiple: letters, with or without commas (``a,c`` or ``ac``)
- matching: one letter per item, in item order (``b,a,c`` or ``bac``)
- ordering: the shown step numbers in the correct order (``2-1-3``) — the one ordering
  convention, also used by the notebook widget and the site: for each position in turn,
  which step goes there
- any type: ``?`` (or ``idk``) for "I don't know": a miss that reveals the answer

A multiple-response reply must give exactly ``choose`` letters.
"""

from __future__ import annotations

import random
import re
import string
from dataclasses import dataclass

from grader.errors import QuizError
from grader.quiz.model import DONT_KNOW, Answer, Question
from grader.quiz.scoring import Graded, Line, choose_message

LETTERS = string.ascii_lowercase
DONT_KNOW_REPLIES = frozenset({"?", "idk", "dont know", "don't know", "i don't know"})


@dataclass(frozen=True)
class Presented:
    """A question as shown: ``option_order[i]`` is the canonical option shown as letter i;
    ``step_order[i]`` the canonical step shown as number i + 1."""

    question: Question
    option_order: tuple[int, ...] = ()
    step_order: tuple[int, ...] = ()

    @property
    def shown_options(self) -> list[tuple[str, str]]:
        return [(LETTERS[i], self.question.options[j].text)
                for i, j in enumerate(self.option_order)]

    @property
    def shown_matches(self) -> list[tuple[str, str]]:
        return [(LETTERS[i], m) for i, m in enumerate(self.question.match_choices)]

    @property
    def shown_steps(self) -> list[tuple[int, str]]:
        return [(i + 1, self.question.steps[j].text) for i, j in enumerate(self.step_order)]

    def letter(self, option_index: int) -> str:
        """The letter a canonical option is shown with."""
        return LETTERS[self.option_order.index(option_index)]

    def explained(self, lines: tuple[Line, ...]) -> list[tuple[str, Line]]:
        """Option feedback lines with their letters: chosen first, then in letter order."""
        lettered = [(self.letter(line.index), line) for line in lines]
        return sorted(lettered, key=lambda pair: (not pair[1].chosen, pair[0]))

    def layout(self) -> dict[str, list[int]]:
        """What to store to show the question the same way again (exam resume)."""
        return {"options": list(self.option_order), "steps": list(self.step_order)}


def present(question: Question, rng: random.Random) -> Presented:
    """Shuffle a question's options or steps with ``rng`` (reproducible from a seed)."""
    option_order: list[int] = list(range(len(question.options)))
    step_order: list[int] = list(range(len(question.steps)))
    if question.type in ("single", "multiple"):
        rng.shuffle(option_order)
    elif question.type == "true_false":
        option_order.sort(key=lambda i: question.options[i].text != "True")
    elif question.type == "ordering":
        identity = list(step_order)
        while len(step_order) > 1 and step_order == identity:
            rng.shuffle(step_order)
    return Presented(question, tuple(option_order), tuple(step_order))


def restore(question: Question, layout: dict[str, list[int]]) -> Presented:
    """Rebuild a presentation saved with :meth:`Presented.layout`."""
    options = tuple(layout.get("options", []))
    steps = tuple(layout.get("steps", []))
    if sorted(options) != list(range(len(question.options))) \
            or sorted(steps) != list(range(len(question.steps))):
        raise QuizError(f"question '{question.id}' changed since this exam was started")
    return Presented(question, options, steps)


def _letters(reply: str) -> list[str]:
    cleaned = re.sub(r"[\s,;/]+", "", reply.lower())
    return list(cleaned)


def _letter_index(letter: str, count: int) -> int:
    index = LETTERS.find(letter) if len(letter) == 1 else -1
    if index < 0 or index >= count:
        raise QuizError(f"'{letter}' is not one of a-{LETTERS[count - 1]}")
    return index


def parse_reply(shown: Presented, reply: str) -> Answer:
    """Turn a typed reply into a canonical :class:`Answer`; QuizError says what is wrong."""
    q = shown.question
    text = reply.strip()
    if not text:
        raise QuizError("empty answer")
    if " ".join(text.lower().split()) in DONT_KNOW_REPLIES:
        return DONT_KNOW
    if q.type == "true_false" and text.lower() in ("t", "true", "f", "false"):
        text = "a" if text.lower().startswith("t") else "b"
    if q.type in ("single", "true_false"):
        letters = _letters(text)
        if len(letters) != 1:
            raise QuizError("give one letter")
        index = _letter_index(letters[0], len(q.options))
        return Answer(selected=frozenset({shown.option_order[index]}))
    if q.type == "multiple":
        letters = _letters(text)
        indices = [_letter_index(x, len(q.options)) for x in letters]
        if len(set(indices)) != len(indices):
            raise QuizError("a letter is given twice")
        if len(indices) != q.choose:
            raise QuizError(choose_message(q.choose or 0, len(indices)))
        return Answer(selected=frozenset(shown.option_order[i] for i in indices))
    if q.type == "matching":
        letters = _letters(text)
        if len(letters) != len(q.pairs):
            raise QuizError(f"give {len(q.pairs)} letters, one per item in order")
        choices = len(q.match_choices)
        return Answer(matches=tuple(_letter_index(x, choices) for x in letters))
    parts = [p for p in re.split(r"[\s,;>-]+", text) if p]
    count = len(q.steps)
    if not all(p.isdigit() for p in parts):
        raise QuizError(f"give the step numbers 1-{count} in order, e.g. 2-1-3")
    numbers = [int(p) for p in parts]
    if sorted(numbers) != list(range(1, count + 1)):
        raise QuizError(f"give each step number 1-{count} exactly once, e.g. 2-1-3")
    return Answer(order=tuple(shown.step_order[n - 1] for n in numbers))


def format_reply(shown: Presented, answer: Answer) -> str:
    """The reply that would produce ``answer`` (``b``, ``a,c``, ``bac``, ``2-1-3``)."""
    q = shown.question
    if answer.unknown:
        return "?"
    if q.type in ("single", "multiple", "true_false"):
        letters = sorted(LETTERS[shown.option_order.index(i)] for i in answer.selected)
        return ",".join(letters)
    if q.type == "matching":
        return "".join(LETTERS[i] for i in answer.matches)
    return "-".join(str(shown.step_order.index(i) + 1) for i in answer.order)


def key(question: Question) -> Answer:
    """The fully correct answer, in canonical terms."""
    if question.type == "matching":
        choices = question.match_choices
        return Answer(matches=tuple(choices.index(p.match) for p in question.pairs))
    if question.type == "ordering":
        return Answer(order=tuple(range(len(question.steps))))
    return Answer(selected=question.correct_options)


# -- the words every face shares ------------------------------------------------------------

def instruction(shown: Presented) -> str:
    """What the learner is asked to do, in words the CLI, widget and site share."""
    q = shown.question
    if q.type == "multiple":
        return f"exactly {q.choose} answers"
    if q.type == "matching":
        return "pick a match for each item"
    if q.type == "ordering":
        return "for each position in turn, pick the step that goes there"
    return "choose one"


def verdict(graded: Graded) -> str:
    if graded.answer.unknown:
        return "You said you don't know: here is the answer (counted as a miss)"
    if graded.correct:
        return "Correct"
    return "Partly right" if graded.fraction > 0 else "Not quite"


def option_label(line: Line) -> str:
    """How an option line is introduced: whether it was chosen and whether it is right."""
    if line.chosen:
        return "You chose (right)" if line.correct else "You chose (wrong)"
    return "Not chosen (right)" if line.correct else "Not chosen (wrong)"
