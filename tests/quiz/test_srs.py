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


def test_practice_misses_come_back_in_the_sitting_right_answers_in_days():
    wrong = srs.review(None, "q-1", 0.0, now=NOW, fuzz=False)
    partial = srs.review(None, "q-1", 0.5, now=NOW, fuzz=False)
    right = srs.review(None, "q-1", 1.0, now=NOW, fuzz=False)
    assert wrong.due == NOW + timedelta(minutes=10) and srs.learning(wrong)
    assert partial.due == NOW + timedelta(minutes=15) and srs.learning(partial)
    # multiple choice: a right answer leaves learning at once (no 10-minute step)
    assert right.state == State.Review and not srs.learning(right)
    assert right.due - NOW >= timedelta(days=2)
    assert wrong.card_id == right.card_id == srs.new_card("q-1", NOW).card_id


def test_exam_answers_are_scheduled_in_days_never_minutes():
    for fraction in (0.0, 0.5, 1.0):
        card = srs.review(None, "q-1", fraction, now=NOW, fuzz=False, exam=True)
        assert card.state == State.Review
        assert card.due - NOW >= timedelta(days=1)
    assert srs.review(None, "q-1", 0.0, now=NOW, fuzz=False, exam=True).due == \
        NOW + timedelta(days=1)


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
    assert naive.due == NOW + timedelta(minutes=10)


def test_due_ids_longest_overdue_first():
    cards = {
        "late": srs.review(None, "late", 0.0, now=NOW - timedelta(days=2), fuzz=False),
        "later": srs.review(None, "later", 0.0, now=NOW - timedelta(days=1), fuzz=False),
        "future": srs.review(None, "future", 1.0, now=NOW, fuzz=False),
    }
    assert srs.due_ids(cards, NOW) == ["late", "later"]
    assert srs.due_ids(cards, NOW + timedelta(days=3)) == ["late", "later", "future"]


def test_next_due_and_the_forecast_by_calendar_day():
    cards = {
        "overdue": srs.review(None, "overdue", 0.0, now=NOW - timedelta(days=2), fuzz=False),
        "soon": srs.review(None, "soon", 0.0, now=NOW, fuzz=False),          # +10 minutes
        "two-days": srs.review(None, "two-days", 1.0, now=NOW, fuzz=False),  # +2 days
        "far": srs.review(None, "far", 1.0, now=NOW - timedelta(days=30), fuzz=False),
    }
    cards["far"] = srs.review(cards["far"], "far", 1.0, now=cards["far"].due, fuzz=False)
    cards["far"] = srs.review(cards["far"], "far", 1.0, now=cards["far"].due, fuzz=False)
    assert srs.next_due(cards, NOW) == NOW + timedelta(minutes=10)
    counts = srs.forecast(cards, NOW, zone=UTC)
    assert len(counts) == srs.FORECAST_DAYS == 14
    assert counts[0] == 2 and counts[2] == 1          # today counts the overdue card
    far_day = (cards["far"].due.date() - NOW.date()).days
    assert sum(counts) == 3 + (far_day < 14)
    assert srs.next_due({}, NOW) is None and srs.forecast({}, NOW, zone=UTC) == [0] * 14


@pytest.mark.parametrize("delta, words", [
    (timedelta(0), "now"), (timedelta(minutes=10), "in 10 minutes"),
    (timedelta(minutes=1), "in 1 minute"), (timedelta(minutes=90), "in 90 minutes"),
    (timedelta(hours=5), "in 5 hours"), (timedelta(days=1), "in 1 day"),
    (timedelta(days=12), "in 12 days")])
def test_in_words(delta, words):
    assert srs.in_words(NOW + delta, NOW) == words


def test_replay_gives_the_card_one_device_would_have():
    reviews = [(NOW, 0.0, False), (NOW + timedelta(minutes=10), 1.0, False),
               (NOW + timedelta(days=3), 1.0, True)]
    step = None
    for when, fraction, exam in reviews:
        step = srs.review(step, "q-5", fraction, now=when, fuzz=False, exam=exam)
    shuffled = [reviews[2], reviews[0], reviews[1]]
    assert srs.replay("q-5", shuffled, fuzz=False) == step
    assert srs.replay("q-5", [], fuzz=False) is None
