"""Progress in SQLite: attempts, cards and mastery survive a restart."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from grader import store
from grader.quiz import progress
from grader.quiz.bank import load_bank
from grader.quiz.model import Answer
from grader.quiz.scoring import grade

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "quiz"
PAST = datetime(2020, 1, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPUTELAB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COMPUTELAB_QUIZ_CONTENT", str(FIXTURES))
    return tmp_path / "home"


@pytest.fixture(scope="module")
def bank():
    return load_bank(FIXTURES)


def test_answers_survive_a_restart(bank, home):
    q = bank.get("fx-multi-1")
    progress.record_answer(grade(q, Answer(selected=frozenset({0, 2}))), now=PAST)
    # a new interpreter reads the same file: nothing lives only in memory
    code = ("from grader.quiz import progress;"
            "print(progress.attempt_count(), sorted(progress.load_cards()),"
            " progress.latest_scores())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "1 ['fx-multi-1'] {'fx-multi-1': 0.5}"
    assert (home / "computelab.sqlite3").exists()


def test_mastery_by_topic_and_domain(bank):
    progress.record_answer(grade(bank.get("fx-single-1"), Answer(selected=frozenset({0}))))
    progress.record_answer(grade(bank.get("fx-multi-1"), Answer(selected=frozenset({0, 2}))))
    progress.record_answer(grade(bank.get("fx-multi-1"), Answer(selected=frozenset({2, 3}))))
    report = progress.report(bank)
    alpha = next(m for m in report.topics if m.key == "alpha")
    # latest scores: single 1.0, multi 0.0 (the later attempt counts); 4 alpha questions
    assert (alpha.questions, alpha.seen) == (4, 2)
    assert alpha.accuracy == pytest.approx(0.5) and alpha.mastery == pytest.approx(0.25)
    beta = next(m for m in report.topics if m.key == "beta")
    assert (beta.seen, beta.accuracy, beta.mastery) == (0, None, 0.0)
    security = next(m for m in report.domains["clf-c02"] if m.key == "clf-c02:security")
    assert (security.questions, security.seen, security.mastery) == (1, 1, 0.0)
    assert report.attempts == 3


def test_labs_passed_come_from_the_check_results(bank):
    assert progress.report(bank).labs == {"01-alpha": "not started"}
    store.record_check("01-alpha", {"score": 2, "max_score": 4, "status": "failed"})
    assert progress.report(bank).labs["01-alpha"] == "in progress"
    store.record_check("01-alpha", {"score": 4, "max_score": 4, "status": "passed"})
    store.record_check("99-other", {"score": 1, "max_score": 1, "status": "passed"})
    assert progress.report(bank).labs == {"01-alpha": "passed", "99-other": "passed"}


def test_reviews_due_are_counted(bank):
    progress.record_answer(grade(bank.get("fx-tf-1"), Answer(selected=frozenset({1}))),
                           now=PAST)
    progress.record_answer(grade(bank.get("fx-single-2"), Answer(selected=frozenset({0}))))
    report = progress.report(bank)
    assert report.due == 1
    assert report.next_due is not None and report.next_due > datetime.now(UTC)
    assert report.forecast[0] == 1 and sum(report.forecast) == 2
    assert progress.report(bank, now=datetime.now(UTC) + timedelta(days=3)).due == 2


def test_generated_questions_are_not_scheduled(bank):
    from grader.quiz import variants

    q = variants.generate(5)
    progress.record_answer(grade(q, Answer(selected=frozenset({0}))))
    assert progress.load_cards() == {}
    assert progress.attempt_count() == 1


def test_quiz_tables_live_in_the_shared_store(home, bank):
    progress.record_answer(grade(bank.get("fx-single-1"), Answer(selected=frozenset({0}))))
    conn = sqlite3.connect(home / "computelab.sqlite3")
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    conn.close()
    assert {"check_results", "quiz_attempts", "quiz_cards", "exam_sessions",
            "exam_answers"} <= tables
