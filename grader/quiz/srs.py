"""Spaced repetition with the maintained ``fsrs`` package (py-fsrs 6.x).

Every question answered becomes a card. The rating follows the score:
wrong (0) -> ``Again``, partly right -> ``Hard``, right -> ``Good``. Generated variants
are not scheduled (their ids change with the seed). Times are timezone-aware UTC, as fsrs
requires.

Learning steps, chosen for multiple choice rather than fsrs's flashcard defaults
(1 and 10 minutes, so that every right answer came back in 10 minutes):

- practice and review: one 10-minute step. A right answer leaves learning at once and
  comes back in days (fsrs's first interval for ``Good``, about 2); a miss comes back once
  in the same sitting, 10 minutes later (a partly right answer in 15), because recognising
  the right option right after reading why it is right proves little. A card already in
  review that is missed relearns with the same single 10-minute step.
- exam: no steps. An exam is a test, not a study session: every answer is scheduled in
  days, so a miss comes back the next day and a right answer in about two.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta, tzinfo

from fsrs import Card, Rating, Scheduler, State

DESIRED_RETENTION = 0.9
PRACTICE_STEPS = (timedelta(minutes=10),)
EXAM_STEPS: tuple[timedelta, ...] = ()
FORECAST_DAYS = 14


def scheduler(*, fuzz: bool = True, exam: bool = False) -> Scheduler:
    """The scheduler for practice (or an exam); tests pass ``fuzz=False`` for exact,
    repeatable intervals."""
    steps = EXAM_STEPS if exam else PRACTICE_STEPS
    return Scheduler(desired_retention=DESIRED_RETENTION, learning_steps=steps,
                     relearning_steps=steps, enable_fuzzing=fuzz)


def rating_for(fraction: float) -> Rating:
    if fraction >= 1.0:
        return Rating.Good
    if fraction <= 0.0:
        return Rating.Again
    return Rating.Hard


def new_card(question_id: str, now: datetime) -> Card:
    """A fresh card with a stable id derived from the question id."""
    return Card(card_id=zlib.crc32(question_id.encode("utf-8")), due=now)


def utc(moment: datetime | None = None) -> datetime:
    """``moment`` (default: now) as an aware UTC datetime."""
    if moment is None:
        return datetime.now(UTC)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def review(card: Card | None, question_id: str, fraction: float, *,
           now: datetime | None = None, fuzz: bool = True, exam: bool = False) -> Card:
    """Review (or create and review) the card of ``question_id`` after a score."""
    moment = utc(now)
    card = card or new_card(question_id, moment)
    updated, _log = scheduler(fuzz=fuzz, exam=exam).review_card(
        card, rating_for(fraction), moment)
    return updated


def replay(question_id: str, reviews: Iterable[tuple[datetime, float, bool]], *,
           fuzz: bool = True) -> Card | None:
    """The card that ``(when, fraction, exam)`` reviews, in time order, give: how a
    question's schedule is rebuilt when answers from another device are merged in."""
    card: Card | None = None
    for when, fraction, exam in sorted(reviews, key=lambda r: r[0]):
        card = review(card, question_id, fraction, now=when, fuzz=fuzz, exam=exam)
    return card


def learning(card: Card) -> bool:
    """Whether the card is on a short step (minutes) rather than a review interval."""
    return card.state in (State.Learning, State.Relearning)


def due_ids(cards: Mapping[str, Card], now: datetime | None = None) -> list[str]:
    """Question ids whose card is due at ``now``, the longest overdue first."""
    moment = utc(now)
    due = [(card.due, qid) for qid, card in cards.items() if card.due <= moment]
    return [qid for _due, qid in sorted(due)]


def next_due(cards: Mapping[str, Card], now: datetime | None = None) -> datetime | None:
    """When the next card not yet due falls due (None when there is none)."""
    moment = utc(now)
    later = [card.due for card in cards.values() if card.due > moment]
    return min(later) if later else None


def forecast(cards: Mapping[str, Card], now: datetime | None = None, *,
             days: int = FORECAST_DAYS, zone: tzinfo | None = None) -> list[int]:
    """Reviews falling due on each of the next ``days`` calendar days in ``zone`` (default:
    this computer's), today first; today also counts what is overdue."""
    moment = utc(now)
    today = moment.astimezone(zone).date() if zone else moment.astimezone().date()
    counts = [0] * days
    for card in cards.values():
        due = card.due.astimezone(zone) if zone else card.due.astimezone()
        offset = max(0, (due.date() - today).days)
        if offset < days:
            counts[offset] += 1
    return counts


def in_words(due: datetime, now: datetime | None = None) -> str:
    """How long until ``due``: "now", "in 10 minutes", "in 5 hours", "in 3 days"."""
    seconds = (utc(due) - utc(now)).total_seconds()
    if seconds <= 30:
        return "now"
    if seconds >= 86400 - 30:
        count, unit = round(seconds / 86400), "day"
    elif seconds >= 7200 - 30:
        count, unit = round(seconds / 3600), "hour"
    else:
        count, unit = max(1, round(seconds / 60)), "minute"
    return f"in {count} {unit}{'' if count == 1 else 's'}"
