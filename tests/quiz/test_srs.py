"""Spaced repetition with fsrs: fixed datetimes, fuzzing off, ratings from scores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fsrs import Rating, State

from grader.quiz import srs

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize("fraction, rating", [
    (0.0, Rating.Again), (0.25, Rating.Hard), (0.99, Rating.Hard), (1.0, Rating.Good)])
def test_rating_follows_the_score(fraction, rating):
    assert srs.rating_for(fraction) == rating


def test_first_reviews_use_the_learning_steps():
    wrong = srs.review(None, "q-1", 0.0, now=NOW, fuzz=False)
    right = srs.review(None, "q-1", 1.0, now=NOW, fuzz=False)
    partial = srs.review(None, "q-1", 0.5, now=NOW, fuzz=False)
    assert wrong.due == NOW + timedelta(minutes=1)
    assert right.due == NOW + timedelta(minutes=10)
    assert NOW + timedelta(minutes=1) < partial.due < NOW + timedelta(minutes=10)
    assert wrong.card_id == right.card_id == srs.new_card("q-1", NOW).card_id


def test_right_answers_space_out_and_a_lapse_brings_the_card_back():
    card = srs.review(None, "q-2", 1.0, now=NOW, fuzz=False)
    card = srs.review(card, "q-2", 1.0, now=card.due, fuzz=False)
    assert card.state == State.Review
    first_interval = card.due - card.last_review
    assert first_interval >= timedelta(days=1)
    card = srs.review(card, "q-2", 1.0, now=card.due, fuzz=False)
    assert card.due - card.last_review > first_interval
    lapsed = srs.review(card, "q-2", 0.0, now=card.due, fuzz=False)
    assert lapsed.state == State.Relearning
    assert lapsed.due - lapsed.last_review <= timedelta(minutes=10)


def test_without_fuzz_the_schedule_is_repeatable():
    def run():
        card = srs.review(None, "q-3", 1.0, now=NOW, fuzz=False)
        for _ in range(4):
            card = srs.review(card, "q-3", 1.0, now=card.due, fuzz=False)
        return card.due
    assert run() == run()


def test_naive_datetimes_are_taken_as_utc():
    naive = srs.review(None, "q-4", 0.0, now=NOW.replace(tzinfo=None), fuzz=False)
    assert naive.due == NOW + timedelta(minutes=1)


def test_due_ids_longest_overdue_first():
    cards = {
        "late": srs.review(None, "late", 0.0, now=NOW - timedelta(days=2), fuzz=False),
        "later": srs.review(None, "later", 0.0, now=NOW - timedelta(days=1), fuzz=False),
        "future": srs.review(None, "future", 1.0, now=NOW, fuzz=False),
    }
    assert srs.due_ids(cards, NOW) == ["late", "later"]
    assert srs.due_ids(cards, NOW + timedelta(hours=1)) == ["late", "later", "future"]
