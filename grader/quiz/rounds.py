"""Practice rounds: choose questions by topic, comparison, exam domain or due date, then grade
each answer with partial credit and record it (attempt + spaced-repetition card).

A selector string (used by notebooks) is a topic id, a comparison id (an id that is both
selects questions of either), ``EXAM:DOMAIN`` such as ``clf-c02:billing``, ``all``, ``due``
or ``variants`` (generated numeric questions from ``grader.quiz.variants``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from grader.errors import QuizError
from grader.quiz import progress, srs, variants
from grader.quiz.model import Answer, Bank, Question
from grader.quiz.present import Presented, present
from grader.quiz.scoring import Graded, grade

DEFAULT_COUNT = 10


@dataclass(frozen=True)
class Selection:
    topic: str | None = None
    comparison: str | None = None
    domain: tuple[str, str] | None = None   # (exam id, domain id)
    due: bool = False
    variants: bool = False
    either: str | None = None                # id that is both a topic and a comparison


def parse_domain(bank: Bank, text: str) -> tuple[str, str]:
    exam_id, sep, domain_id = text.strip().lower().partition(":")
    spec = bank.catalog.exams.get(exam_id)
    if not sep or spec is None:
        exams = ", ".join(bank.catalog.exams)
        raise QuizError(f"domain must look like EXAM:DOMAIN with EXAM one of {exams},"
                        f" e.g. clf-c02:billing; got '{text}'")
    if domain_id not in {d.id for d in spec.domains}:
        names = ", ".join(d.id for d in spec.domains)
        raise QuizError(f"unknown domain '{domain_id}' for {exam_id}: choose one of {names}")
    return exam_id, domain_id


def selection(bank: Bank, *, topic: str | None = None, comparison: str | None = None,
              domain: str | None = None, due: bool = False) -> Selection:
    """Check the ids against topics.yaml and build a :class:`Selection`."""
    if topic is not None and topic not in bank.catalog.topics:
        raise QuizError(f"unknown topic '{topic}': choose one of"
                        f" {', '.join(bank.catalog.topics)}")
    if comparison is not None and comparison not in bank.catalog.comparisons:
        raise QuizError(f"unknown comparison '{comparison}': choose one of"
                        f" {', '.join(bank.catalog.comparisons)}")
    return Selection(topic=topic, comparison=comparison,
                     domain=parse_domain(bank, domain) if domain else None, due=due)


def parse_selector(bank: Bank, selector: str) -> Selection:
    """Read a notebook selector: topic, comparison, ``exam:domain``, all, due or variants."""
    text = selector.strip()
    if text in ("", "all"):
        return Selection()
    if text == "due":
        return Selection(due=True)
    if text == "variants":
        return Selection(variants=True)
    if ":" in text:
        return Selection(domain=parse_domain(bank, text))
    is_topic = text in bank.catalog.topics
    is_comparison = text in bank.catalog.comparisons
    if is_topic and is_comparison:
        return Selection(either=text)
    if is_topic:
        return Selection(topic=text)
    if is_comparison:
        return Selection(comparison=text)
    raise QuizError(f"'{selector}' is not a topic, a comparison or EXAM:DOMAIN; topics:"
                    f" {', '.join(bank.catalog.topics)}; comparisons:"
                    f" {', '.join(bank.catalog.comparisons)}")


def matches(question: Question, sel: Selection) -> bool:
    if sel.topic and question.topic != sel.topic:
        return False
    if sel.comparison and question.comparison != sel.comparison:
        return False
    if sel.either and sel.either not in (question.topic, question.comparison):
        return False
    if sel.domain and question.domains.get(sel.domain[0]) != sel.domain[1]:
        return False
    return True


def pick(bank: Bank, sel: Selection, *, n: int | None = None, seed: int | None = None,
         now: datetime | None = None) -> tuple[int, list[Presented]]:
    """Choose and present the questions of a practice round: ``(seed, questions)``.

    Due reviews come longest-overdue first; others are a seeded random sample.
    """
    if n is not None and n < 1:
        raise QuizError("the number of questions must be 1 or more")
    seed = random.SystemRandom().randrange(1, 2**31) if seed is None else seed
    rng = random.Random(seed)
    if sel.variants:
        generated = [variants.generate(rng.randrange(2**31)) for _ in range(n or DEFAULT_COUNT)]
        return seed, [present(q, rng) for q in generated]
    pool = [q for q in bank.questions if matches(q, sel)]
    if sel.due:
        by_id = {q.id: q for q in pool}
        cards = {qid: c for qid, c in progress.load_cards().items() if qid in by_id}
        chosen = [by_id[qid] for qid in srs.due_ids(cards, now)][: n or None]
    else:
        if not pool:
            raise QuizError("no questions match that choice yet")
        chosen = rng.sample(sorted(pool, key=lambda q: q.id), min(n or DEFAULT_COUNT, len(pool)))
    return seed, [present(q, rng) for q in chosen]


def answer(shown: Presented, given: Answer, *, record: bool = True, review: bool = False,
           now: datetime | None = None) -> Graded:
    """Grade with partial credit and (by default) record the attempt and its review."""
    return respond(shown, given, record=record, review=review, now=now).graded


@dataclass(frozen=True)
class Answered:
    """A graded answer and when spaced repetition brings the question back (None when
    it is not scheduled: not recorded, or a generated variant)."""

    graded: Graded
    due: datetime | None = None
    learning: bool = False

    def next_review(self, now: datetime | None = None) -> str | None:
        """"Next review in 2 days" (or in minutes while the question is being learnt)."""
        if self.due is None:
            return None
        return f"Next review {srs.in_words(self.due, now)}"


def respond(shown: Presented, given: Answer, *, record: bool = True, review: bool = False,
            now: datetime | None = None) -> Answered:
    """:func:`answer`, also saying when the question is due again."""
    graded = grade(shown.question, given, "practice")
    if not record:
        return Answered(graded)
    card = progress.record_answer(graded, mode="review" if review else "practice", now=now)
    if card is None:
        return Answered(graded)
    return Answered(graded, card.due, srs.learning(card))
