"""Spaced repetition with the maintained ``fsrs`` package (py-fsrs 6.x).

Every question answered becomes a card. The rating follows the score:
wrong (0) -> ``Again``, partly right -> ``Hard``, right -> ``Good``. Generated variants
are not scheduled (their ids change with the seed). Times are timezone-aware UTC, as fsrs
requires.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from datetime import UTC, datetime

from fsrs import Card, Rating, Scheduler

DESIRED_RETENTION = 0.9


def scheduler(*, fuzz: bool = True) -> Scheduler:
    """The scheduler; tests pass ``fuzz=False`` for exact, repeatable intervals."""
    return Scheduler(desired_retention=DESIRED_RETENTION, enable_fuzzing=fuzz)


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
           now: datetime | None = None, fuzz: bool = True) -> Card:
    """Review (or create and review) the card of ``question_id`` after a score."""
    moment = utc(now)
    card = card or new_card(question_id, moment)
    updated, _log = scheduler(fuzz=fuzz).review_card(card, rating_for(fraction), moment)
    return updated


def due_ids(cards: Mapping[str, Card], now: datetime | None = None) -> list[str]:
    """Question ids whose card is due at ``now``, the longest overdue first."""
    moment = utc(now)
    due = [(card.due, qid) for qid, card in cards.items() if card.due <= moment]
    return [qid for _due, qid in sorted(due)]
