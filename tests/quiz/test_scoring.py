"""Scoring per type (exam all-or-nothing, practice partial credit), every option explained,
"I don't know", the exactly-N rule, and reading replies."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from grader.errors import QuizError
from grader.quiz.bank import load_bank
from grader.quiz.model import DONT_KNOW, Answer
from grader.quiz.present import format_reply, key, parse_reply, present
from grader.quiz.scoring import grade

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "quiz"


@pytest.fixture(scope="module")
def questions():
    return load_bank(FIXTURES).by_id()


def test_single(questions):
    q = questions["fx-single-1"]          # option 0 is right
    assert grade(q, Answer(selected=frozenset({0})), "exam").fraction == 1
    wrong = grade(q, Answer(selected=frozenset({2})), "practice")
    assert wrong.fraction == 0 and not wrong.correct
    assert [(line.text, line.chosen, line.correct) for line in wrong.lines] == [
        ("A gizmo", True, False), ("A widget", False, True), ("A gadget", False, False),
        ("A doohickey", False, False)]
    assert wrong.lines[0].why == "Gizmos are not scheduled at all."
    assert all(line.why for line in wrong.lines)


@pytest.mark.parametrize("picked, practice, exam", [
    ({0, 1}, 1.0, 1.0),          # both right
    ({0, 2}, 0.5, 0.0),          # one right, one wrong: partial in practice only
    ({2, 3}, 0.0, 0.0),
])
def test_multiple_response(questions, picked, practice, exam):
    q = questions["fx-multi-1"]            # options 0 and 1 are right, choose 2
    answer = Answer(selected=frozenset(picked))
    assert grade(q, answer, "practice").fraction == pytest.approx(practice)
    assert grade(q, answer, "exam").fraction == exam


@pytest.mark.parametrize("picked", [set(), {0}, {0, 1, 2}, {0, 1, 2, 3, 4}])
def test_choose_n_takes_exactly_n(questions, picked):
    with pytest.raises(QuizError, match=f"choose exactly 2 answers \\(you chose {len(picked)}\\)"):
        grade(questions["fx-multi-1"], Answer(selected=frozenset(picked)), "practice")


def test_every_option_is_explained_chosen_first(questions):
    q = questions["fx-multi-1"]
    graded = grade(q, Answer(selected=frozenset({0, 2})), "practice")
    assert [(line.text, line.chosen, line.correct) for line in graded.lines] == [
        ("Encryption at rest", True, True), ("Free forever", True, False),
        ("Role-based access", False, True), ("Unlimited disk", False, False),
        ("Runs on a mainframe", False, False)]
    assert graded.lines[1].why == "Alpha is billed per use."
    assert [line.why for line in graded.lines] == [q.options[line.index].why
                                                  for line in graded.lines]


def test_shown_letters_order_the_rest_after_the_chosen(questions):
    q = questions["fx-multi-1"]
    shown = present(q, random.Random(3))
    graded = grade(q, parse_reply(shown, "e,b"), "practice")
    letters = [letter for letter, _line in shown.explained(graded.lines)]
    assert letters == ["b", "e", "a", "c", "d"]


@pytest.mark.parametrize("reply", ["?", "idk", "I don't know", " IDK "])
def test_dont_know_reveals_everything_and_scores_zero(questions, reply):
    for q in questions.values():
        shown = present(q, random.Random(0))
        given = parse_reply(shown, reply)
        assert given == DONT_KNOW and format_reply(shown, given) == "?"
        for mode in ("practice", "exam"):
            graded = grade(q, given, mode)
            assert graded.fraction == 0 and not graded.correct
        assert not any(line.chosen for line in graded.lines)
        assert len(graded.lines) == len(q.options or q.pairs or q.steps)
        assert all(line.why for line in graded.lines)


def test_true_false(questions):
    q = questions["fx-tf-1"]               # True is right
    assert grade(q, Answer(selected=frozenset({0})), "exam").correct
    assert grade(q, Answer(selected=frozenset({1})), "practice").fraction == 0


def test_matching_partial_credit(questions):
    q = questions["fx-match-1"]            # Beta, Alpha, Beta; choices sorted: Alpha, Beta
    assert q.match_choices == ("Alpha", "Beta")
    all_right = grade(q, Answer(matches=(1, 0, 1)), "exam")
    assert all_right.fraction == 1
    two_of_three = grade(q, Answer(matches=(1, 1, 1)), "practice")
    assert two_of_three.fraction == pytest.approx(2 / 3)
    assert grade(q, Answer(matches=(1, 1, 1)), "exam").fraction == 0
    wrong = two_of_three.lines[1]
    assert (wrong.text, wrong.given, wrong.expected, wrong.correct) == (
        "A function triggered by an upload", "Beta", "Alpha", False)
    assert wrong.why == "Short event-driven code fits Alpha."


def test_ordering_partial_credit(questions):
    q = questions["fx-order-1"]
    assert grade(q, Answer(order=(0, 1, 2)), "exam").fraction == 1
    swapped = grade(q, Answer(order=(1, 0, 2)), "practice")
    assert swapped.fraction == pytest.approx(1 / 3)
    assert [line.correct for line in swapped.lines] == [False, False, True]
    assert grade(q, Answer(order=(1, 0, 2)), "exam").fraction == 0


@pytest.mark.parametrize("qid, answer", [
    ("fx-single-1", Answer(selected=frozenset({7}))),
    ("fx-single-1", Answer(selected=frozenset({0, 1}))),
    ("fx-multi-1", Answer(selected=frozenset())),
    ("fx-multi-1", Answer(selected=frozenset({0}))),
    ("fx-match-1", Answer(matches=(0, 1))),
    ("fx-match-1", Answer(matches=(0, 1, 5))),
    ("fx-order-1", Answer(order=(0, 0, 1))),
])
def test_out_of_range_answers_are_rejected(questions, qid, answer):
    with pytest.raises(QuizError):
        grade(questions[qid], answer)


# -- showing questions and reading replies ----------------------------------------------------

@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_the_key_written_as_a_reply_reads_back_as_the_key(questions, seed):
    for q in questions.values():
        shown = present(q, random.Random(seed))
        reply = format_reply(shown, key(q))
        assert parse_reply(shown, reply) == key(q), (q.id, reply)
        assert grade(q, parse_reply(shown, reply), "exam").correct


def test_letters_follow_the_shuffle(questions):
    q = questions["fx-single-1"]
    shown = present(q, random.Random(1))
    right_letter = "abcd"[shown.option_order.index(0)]
    assert parse_reply(shown, right_letter) == Answer(selected=frozenset({0}))
    assert parse_reply(shown, right_letter.upper() + " ") == Answer(selected=frozenset({0}))


def test_shuffles_are_seeded_and_ordering_is_never_shown_solved(questions):
    q = questions["fx-order-1"]
    for seed in range(20):
        shown = present(q, random.Random(seed))
        assert shown.step_order != (0, 1, 2)
        assert present(q, random.Random(seed)) == shown
    tf = present(questions["fx-tf-1"], random.Random(5))
    assert [text for _letter, text in tf.shown_options] == ["True", "False"]


@pytest.mark.parametrize("qid, reply, message", [
    ("fx-single-1", "z", "'z' is not one of a-d"),
    ("fx-single-1", "ab", "give one letter"),
    ("fx-single-1", "  ", "empty answer"),
    ("fx-multi-1", "a,a", "a letter is given twice"),
    ("fx-multi-1", "a,f", "'f' is not one of a-e"),
    ("fx-multi-1", "a", "choose exactly 2 answers \\(you chose 1\\)"),
    ("fx-multi-1", "abc", "choose exactly 2 answers \\(you chose 3\\)"),
    ("fx-match-1", "ab", "give 3 letters"),
    ("fx-match-1", "abc", "'c' is not one of a-b"),
    ("fx-order-1", "1-2", "exactly once"),
    ("fx-order-1", "1-1-2", "exactly once"),
    ("fx-order-1", "a-b-c", "step numbers"),
])
def test_invalid_replies_say_what_is_wrong(questions, qid, reply, message):
    shown = present(questions[qid], random.Random(0))
    with pytest.raises(QuizError, match=message):
        parse_reply(shown, reply)


def test_reply_forms(questions):
    multi = present(questions["fx-multi-1"], random.Random(0))
    assert parse_reply(multi, "a,c") == parse_reply(multi, "ca") == parse_reply(multi, "a c")
    tf = present(questions["fx-tf-1"], random.Random(0))
    assert parse_reply(tf, "t") == parse_reply(tf, "a") == Answer(selected=frozenset({0}))
    assert parse_reply(tf, "false") == Answer(selected=frozenset({1}))
    match = present(questions["fx-match-1"], random.Random(0))
    assert parse_reply(match, "b,a,b") == parse_reply(match, "bab") == Answer(matches=(1, 0, 1))
    order = present(questions["fx-order-1"], random.Random(0))
    expected = tuple(order.step_order[n - 1] for n in (3, 1, 2))
    assert parse_reply(order, "3-1-2").order == parse_reply(order, "3,1,2").order == expected
