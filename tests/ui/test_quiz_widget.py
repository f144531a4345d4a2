"""The notebook quiz widget, exercised headlessly: set values, click, read the feedback HTML."""

from __future__ import annotations

import dataclasses
import random
import subprocess
import sys
from html import escape
from pathlib import Path

import ipywidgets as widgets
import pytest

import grader as quiz
from grader.errors import QuizError
from grader.quiz import progress
from grader.quiz.bank import load_bank
from grader.quiz.present import present
from grader.ui.quiz_panel import QuizPanel

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "quiz"


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPUTELAB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COMPUTELAB_QUIZ_CONTENT", str(FIXTURES))


@pytest.fixture(scope="module")
def bank():
    return load_bank(FIXTURES)


def panel_for(bank, *qids, record=False) -> QuizPanel:
    rng = random.Random(0)
    return QuizPanel([present(bank.get(q), rng) for q in qids], record=record)


def test_practice_returns_a_widget_for_a_comparison():
    panel = quiz.practice("alpha-vs-beta", n=3, seed=1, record=False)
    assert isinstance(panel, widgets.VBox)
    assert len(panel.questions) == 3
    assert {s.question.comparison for s in panel.questions} == {"alpha-vs-beta"}
    assert "Question 1 of 3" in panel.stem.value


@pytest.mark.parametrize("selector, ids", [
    ("beta-choice", {"fx-match-1", "fx-order-1"}),
    ("clf-c02:billing", {"fx-single-2", "fx-match-2"}),
    ("alpha", {"fx-single-1", "fx-multi-1", "fx-single-2", "fx-single-3"}),
])
def test_selectors(selector, ids):
    panel = quiz.practice(selector, n=10, seed=2, record=False)
    assert {s.question.id for s in panel.questions} == ids


def test_unknown_selector():
    with pytest.raises(QuizError, match="not a topic, a comparison or EXAM:DOMAIN"):
        quiz.practice("nope")


def test_single_choice_right_answer_shows_its_why(bank):
    panel = panel_for(bank, "fx-single-1", record=True)
    shown = panel.current
    panel.choice.value = shown.option_order.index(0)        # the right option, as shown
    panel.submit_button.click()
    assert "Correct" in panel.feedback.value
    assert "Alpha schedules widgets." in panel.feedback.value
    assert "Alpha runs widgets; Beta runs gadgets." in panel.feedback.value
    assert panel.submit_button.disabled and panel.choice.disabled
    assert "Score: 1 / 1 answered (100%)" in panel.score.value
    assert progress.attempt_count() == 1


def test_single_choice_wrong_answer_explains_every_option_chosen_first(bank):
    panel = panel_for(bank, "fx-single-1")
    shown = panel.current
    panel.choice.value = shown.option_order.index(1)        # "A gadget"
    panel.submit_button.click()
    html = panel.feedback.value
    assert "Not quite" in html
    right = "abcd"[shown.option_order.index(0)]
    assert f"Right answer: <b>{right}</b>" in html
    for option in shown.question.options:
        assert escape(option.why) in html
    assert html.index("You chose (wrong)") < html.index("Not chosen (right)")
    assert html.index("Gadgets belong to Beta.") < html.index("Alpha schedules widgets.")
    assert progress.attempt_count() == 0                      # record=False


def test_no_hints_before_answering_all_shown_after(bank):
    panel = panel_for(bank, "fx-single-1")
    q = panel.current.question
    assert q.id not in panel.stem.value and q.topic not in panel.stem.value
    assert q.difficulty not in panel.stem.value
    panel.choice.value = 0
    panel.submit_button.click()
    assert q.id in panel.feedback.value and q.difficulty in panel.feedback.value


@pytest.mark.parametrize("ticks", [1, 3])
def test_choose_n_takes_exactly_n_ticks(bank, ticks):
    panel = panel_for(bank, "fx-multi-1", record=True)
    for box in panel.checks[:ticks]:
        box.value = True
    panel.submit_button.click()
    assert f"Choose exactly 2 answers (you chose {ticks})." in panel.feedback.value
    assert not panel.submit_button.disabled and progress.attempt_count() == 0


def test_multiple_response_partial_credit(bank):
    panel = panel_for(bank, "fx-multi-1")
    shown = panel.current
    panel.checks[shown.option_order.index(0)].value = True    # one of the two right ones
    panel.checks[shown.option_order.index(2)].value = True    # and a wrong one
    panel.submit_button.click()
    assert "Partly right" in panel.feedback.value and "50% of the marks" in panel.feedback.value
    assert "Alpha encrypts everything at rest." in panel.feedback.value
    assert "Alpha uses roles, not embedded keys." in panel.feedback.value   # missed right one


def test_dont_know_reveals_and_counts_as_a_miss(bank):
    panel = panel_for(bank, "fx-multi-1", "fx-single-1", record=True)
    panel.dont_know_button.click()
    html = panel.feedback.value
    assert escape("You said you don't know") in html and "counted as a miss" in html
    for option in panel.current.question.options:
        assert escape(option.why) in html
    assert "Score: 0 / 1 answered (0%)" in panel.score.value
    assert panel.dont_know_button.disabled and not panel.next_button.disabled
    assert progress.latest_scores() == {"fx-multi-1": 0.0}
    assert "Next review in 10 minutes" in html       # a miss comes back in the sitting


def test_matching_dropdowns(bank):
    panel = panel_for(bank, "fx-match-1")
    choices = panel.current.question.match_choices            # ("Alpha", "Beta")
    for dropdown, value in zip(panel.dropdowns, [1, 1, 1], strict=True):
        dropdown.value = value
    panel.submit_button.click()
    html = panel.feedback.value
    assert "67% of the marks" in html
    assert f"(right: <b>{choices[0]}</b>)" in html
    assert "Short event-driven code fits Alpha." in html


def test_ordering_dropdowns(bank):
    panel = panel_for(bank, "fx-order-1")
    shown = panel.current
    assert [d.description for d in panel.dropdowns] == ["Position 1", "Position 2",
                                                        "Position 3"]
    for position, dropdown in enumerate(panel.dropdowns):
        dropdown.value = shown.step_order.index(position)     # the right step for each slot
    panel.submit_button.click()
    assert "Correct" in panel.feedback.value and "100% of the marks" in panel.feedback.value


def test_incomplete_answers_are_not_graded(bank):
    panel = panel_for(bank, "fx-order-1", "fx-single-1", record=True)
    panel.submit_button.click()
    assert "Choose something in every list first." in panel.feedback.value
    for dropdown in panel.dropdowns:
        dropdown.value = 0
    panel.submit_button.click()
    assert "Use each step once." in panel.feedback.value
    assert not panel.submit_button.disabled and progress.attempt_count() == 0


def test_next_walks_through_and_the_score_runs(bank):
    panel = panel_for(bank, "fx-tf-1", "fx-single-2")
    assert panel.next_button.disabled
    panel.choice.value = 0                                    # True is right and shown first
    panel.submit_button.click()
    assert not panel.next_button.disabled
    panel.next_button.click()
    assert "Question 2 of 2" in panel.stem.value and panel.feedback.value == ""
    panel.choice.value = panel.current.option_order.index(1)  # wrong
    panel.submit_button.click()
    assert "Score: 1 / 2 answered (50%)" in panel.score.value
    assert "Done" in panel.score.value and panel.next_button.disabled


def test_nothing_due_shows_a_message():
    panel = quiz.practice("due", record=False)
    assert panel.questions == [] and "nothing is due" in panel.stem.value
    assert panel.submit_button.disabled


def test_stems_are_escaped(bank):
    panel = panel_for(bank, "fx-single-1")
    assert "{braces}" in panel.stem.value
    hostile = dataclasses.replace(bank.get("fx-single-1"), stem="<script>x</script>")
    panel = QuizPanel([present(hostile, random.Random(0))], record=False)
    assert "<script>" not in panel.stem.value and "&lt;script&gt;" in panel.stem.value


def test_importing_the_quiz_does_not_import_ipywidgets():
    code = ("import sys, grader.quiz.rounds, grader.quiz.exam, grader.cli.quiz; "
            "print('ipywidgets' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"


def test_feedback_reads_more_only_after_answering(bank):
    panel = panel_for(bank, "fx-single-1")
    q = bank.get("fx-single-1")
    assert "Read more" not in panel.feedback.value
    panel.dont_know_button.click()
    html = panel.feedback.value
    assert "<b>Read more</b> (checked 2026-12-05)" in html
    assert f"<code>{q.lesson}</code>" in html
    assert f'<a href="{q.sources[0]}" target="_blank" rel="noopener">' in html
    assert html.index(escape(q.explanation)) < html.index("Read more")
