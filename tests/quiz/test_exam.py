"""Exam mode: the weighted seeded draw, defaults, the clock, flags, resume and the report
(compute part only, a readiness range per domain, never a pass/fail verdict)."""

from __future__ import annotations

import dataclasses
import random
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from grader.errors import QuizError
from grader.quiz import progress
from grader.quiz.bank import load_bank, load_catalog
from grader.quiz.exam import (
    READINESS_NOTE,
    SCOPE_NOTE,
    ExamSession,
    allocate,
    draw,
    pace_minutes,
)
from grader.quiz.model import DONT_KNOW, Answer, Bank, Option, Pair, Question
from grader.quiz.present import key

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "quiz"
CLF = {"cloud-concepts": 24, "security": 30, "technology": 34, "billing": 12}
SAA = ["secure", "resilient", "high-performing", "cost-optimized"]


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPUTELAB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COMPUTELAB_QUIZ_CONTENT", str(FIXTURES))
    return tmp_path / "home"


@pytest.fixture(scope="module")
def bank():
    return load_bank(FIXTURES)


def synthetic_bank(per_domain: dict[str, int]) -> Bank:
    """Many single/multiple questions per CLF-C02 domain, plus matching ones never drawn."""
    options = (Option("right", True, "w"), Option("wrong 1", False, "w"),
               Option("wrong 2", False, "w"), Option("wrong 3", False, "w"))
    questions = []
    for d_index, (domain, count) in enumerate(per_domain.items()):
        for i in range(count):
            questions.append(Question(
                id=f"{domain}-{i:03}", type="single" if i % 3 else "multiple",
                stem=f"{domain} {i}", topic="alpha", difficulty="easy", explanation="e",
                domains={"clf-c02": domain, "saa-c03": SAA[d_index]}, options=options,
                choose=1 if i % 3 == 0 else None))
            questions.append(Question(
                id=f"{domain}-m{i:03}", type="matching", stem=f"{domain} m{i}", topic="alpha",
                difficulty="easy", explanation="e",
                domains={"clf-c02": domain, "saa-c03": SAA[d_index]},
                pairs=(Pair("a", "x", "w"), Pair("b", "y", "w"))))
    return Bank(catalog=load_catalog(FIXTURES / "topics.yaml"), questions=tuple(questions))


def test_allocate_follows_the_weights_by_largest_remainder():
    counts = allocate(CLF, dict.fromkeys(CLF, 100), 65)
    assert counts == {"cloud-concepts": 16, "security": 19, "technology": 22, "billing": 8}
    for n in (10, 20, 50, 65, 100):
        counts = allocate(CLF, dict.fromkeys(CLF, 1000), n)
        assert sum(counts.values()) == n
        for domain, weight in CLF.items():
            assert abs(counts[domain] - n * weight / 100) < 1, (n, domain)


def test_allocate_gives_a_short_domains_share_to_the_others():
    counts = allocate(CLF, {"cloud-concepts": 2, "security": 100, "technology": 100,
                            "billing": 100}, 65)
    assert counts["cloud-concepts"] == 2
    assert sum(counts.values()) == 65
    assert allocate(CLF, {"cloud-concepts": 1, "security": 1, "technology": 0, "billing": 0},
                    65) == {"cloud-concepts": 1, "security": 1, "technology": 0, "billing": 0}


def test_draw_by_weight_with_a_fixed_seed():
    big = synthetic_bank(dict.fromkeys(CLF, 60))
    spec = big.catalog.exams["clf-c02"]
    drawn = draw(big, spec, 65, random.Random(1234))
    assert len(drawn) == 65 and len({q.id for q in drawn}) == 65
    assert {q.type for q in drawn} <= {"single", "multiple"}
    per_domain = Counter(q.domains["clf-c02"] for q in drawn)
    for domain, weight in CLF.items():
        assert abs(per_domain[domain] - 65 * weight / 100) < 1
    again = draw(big, spec, 65, random.Random(1234))
    assert [q.id for q in again] == [q.id for q in drawn]
    other = draw(big, spec, 65, random.Random(99))
    assert [q.id for q in other] != [q.id for q in drawn]


def test_defaults_come_from_topics_yaml_and_can_be_overridden(bank):
    session = ExamSession.start(bank, exam="CLF-C02", seed=3, now=1000.0)
    assert len(session.items) == 4 and session.minutes == 10
    assert session.remaining(1000.0) == 600
    short = ExamSession.start(bank, exam="saa-c03", n=2, minutes=3, seed=3, now=1000.0)
    assert len(short.items) == 2 and short.remaining(1000.0) == 180
    assert all(s.question.type in ("single", "multiple") for s in session.items)


def test_minutes_follow_the_real_exams_pace_unless_given(bank):
    """Fewer questions, proportionally less time (rounded up to a minute)."""
    clf, saa = bank.catalog.exams["clf-c02"], bank.catalog.exams["saa-c03"]
    assert ExamSession.start(bank, exam="clf-c02", n=2, seed=1).minutes == 5     # 10 for 4
    assert ExamSession.start(bank, exam="saa-c03", n=3, seed=1).minutes == 15    # 20 for 4
    assert ExamSession.start(bank, n=2, minutes=7, seed=1).minutes == 7
    real = dataclasses.replace(clf, questions=65, minutes=90)
    assert pace_minutes(real, 65) == 90 and pace_minutes(real, 20) == 28
    assert pace_minutes(dataclasses.replace(saa, questions=65, minutes=130), 10) == 20


def test_the_default_draw_is_65_when_the_banks_have_enough():
    big = synthetic_bank(dict.fromkeys(CLF, 60))
    catalog = big.catalog
    real = dataclasses.replace(catalog.exams["clf-c02"], questions=65, minutes=90)
    big = Bank(catalog=dataclasses.replace(catalog, exams={"clf-c02": real}),
               questions=big.questions)
    session = ExamSession.start(big, seed=5)
    assert len(session.items) == 65 and session.minutes == 90


def test_same_seed_same_exam(bank):
    one = ExamSession.start(bank, seed=11)
    two = ExamSession.start(bank, seed=11)
    assert [(s.question.id, s.option_order) for s in one.items] == \
        [(s.question.id, s.option_order) for s in two.items]
    assert one.id != two.id


def test_unknown_exam_and_bad_counts(bank):
    with pytest.raises(QuizError, match="unknown exam 'DVA-C02'"):
        ExamSession.start(bank, exam="DVA-C02")
    with pytest.raises(QuizError):
        ExamSession.start(bank, n=0)
    with pytest.raises(QuizError):
        ExamSession.start(bank, minutes=0)


def test_clock_deadline_and_flags(bank):
    session = ExamSession.start(bank, seed=1, minutes=1, now=0.0)
    session.answer(1, key(session.items[0].question), now=10.0)
    assert session.remaining(40.0) == 20
    assert session.toggle_flag(2, now=41.0) is True
    assert session.flagged() == [2] and session.unanswered() == [2, 3, 4]
    assert session.toggle_flag(2, now=42.0) is False
    with pytest.raises(QuizError, match="time is up"):
        session.answer(2, key(session.items[1].question), now=61.0)
    with pytest.raises(QuizError, match="no question 9"):
        session.answer_reply(9, "a", now=20.0)
    with pytest.raises(QuizError, match="question 3: 'z' is not one of"):
        session.answer_reply(3, "z", now=20.0)
    assert 3 not in session.answers
    report = session.submit(now=70.0)
    assert report.answered == 1 and report.used_minutes == 1


def test_resume_keeps_answers_flags_layout_and_remaining_time(bank):
    started = ExamSession.start(bank, seed=8, minutes=10, now=1000.0)
    started.answer_reply(1, "b", now=1030.0)
    started.toggle_flag(3, now=1045.0)
    # "restart": a new object from the store, much later (time while closed is not counted)
    resumed = ExamSession.resume(bank, now=50_000.0)
    assert resumed.id == started.id
    assert resumed.answers == started.answers and resumed.flags == {3}
    assert [s.option_order for s in resumed.items] == [s.option_order for s in started.items]
    assert resumed.remaining(50_000.0) == 600 - 45
    assert resumed.remaining(50_100.0) == 600 - 145


def test_pause_saves_the_time_used(bank):
    session = ExamSession.start(bank, seed=8, minutes=10, now=0.0)
    session.pause(now=200.0)
    assert ExamSession.resume(bank, now=9999.0).remaining(9999.0) == 400


def test_resume_with_nothing_open(bank):
    with pytest.raises(QuizError, match="no unfinished exam"):
        ExamSession.resume(bank)


def test_every_answer_is_in_the_store_before_submit(bank, home):
    session = ExamSession.start(bank, seed=2)
    session.answer_reply(2, "a")
    conn = sqlite3.connect(home / "computelab.sqlite3")     # another "process"
    rows = conn.execute("SELECT position, answer_json FROM exam_answers").fetchall()
    conn.close()
    assert [r[0] for r in rows] == [2] and rows[0][1]


def test_submit_reports_readiness_ranges_not_a_verdict(bank):
    session = ExamSession.start(bank, seed=4, now=0.0)
    for position, shown in enumerate(session.items, start=1):
        session.answer(position, key(shown.question), now=1.0)
    report = session.submit(now=2.0)
    data = report.to_dict()
    assert (report.correct, report.questions, report.percent) == (4, 4, 1.0)
    assert report.label.endswith("compute part only") and report.scope == SCOPE_NOTE
    assert report.note == READINESS_NOTE and "not a pass/fail prediction" in report.note
    for word in ("pass_score", "passed_estimate", "scaled_estimate", "verdict"):
        assert word not in str(data)
    assert report.high == 1.0 and 0.5 < report.low < 1.0
    assert sum(d.total for d in report.domains) == 4
    for d in report.domains:
        if d.total:
            assert d.high == 1.0 and d.low is not None and d.low < 1.0
        else:
            assert d.low is None and d.high is None
    with pytest.raises(QuizError):
        session.submit()
    with pytest.raises(QuizError, match="no unfinished exam"):
        ExamSession.resume(bank)
    assert progress.exam_reports()[0]["session"] == session.id


def test_the_report_names_topic_difficulty_and_id_of_every_question(bank):
    session = ExamSession.start(bank, seed=4, now=0.0)
    report = session.submit(now=2.0)
    for item, shown in zip(report.items, session.items, strict=True):
        q = shown.question
        assert (item["id"], item["topic"], item["difficulty"]) == (q.id, q.topic, q.difficulty)


def test_unanswered_and_dont_know_count_as_wrong(bank):
    session = ExamSession.start(bank, seed=4, now=0.0)
    one = positions(session, "single")[0]
    first = session.items[one - 1].question
    wrong = next(i for i, o in enumerate(first.options) if not o.correct)
    other = next(p for p in range(1, 5) if p != one)
    session.answer(one, Answer(selected=frozenset({wrong})), now=1.0)
    session.answer_reply(other, "?", now=1.0)
    report = session.submit(now=2.0)
    assert report.correct == 0 and report.answered == 2 and report.dont_know == 1
    assert report.low == 0.0 and report.high < 0.5
    items = {item["position"]: item for item in report.items}
    assert items[one]["answer"] is not None and items[other]["answer"] == "?"
    assert items[other]["dont_know"] is True
    assert [i["answer"] for p, i in items.items() if p not in (one, other)] == [None, None]


def positions(session, kind):
    return [p for p, s in enumerate(session.items, 1) if s.question.type == kind]


def test_answer_replies_store_all_or_nothing(bank):
    session = ExamSession.start(bank, seed=4, now=0.0)
    multi, one = positions(session, "multiple")[0], positions(session, "single")[0]
    with pytest.raises(QuizError, match=f"question {multi}: choose exactly 2 answers"
                                        r" \(you chose 1\)"):
        session.answer_replies({one: "a", multi: "a"}, now=1.0)
    assert session.answers == {}
    assert ExamSession.resume(bank, now=2.0).answers == {}
    with pytest.raises(QuizError, match="no question 9"):
        session.answer_replies({one: "a", 9: "a"}, now=1.0)
    session.answer_replies({one: "a", multi: "a,b"}, now=1.0)
    assert set(ExamSession.resume(bank, now=2.0).answers) == {one, multi}


def test_resume_drops_an_answer_saved_under_the_old_rule(bank, home):
    session = ExamSession.start(bank, seed=4, now=0.0)
    multi = next(p for p, s in enumerate(session.items, 1) if s.question.type == "multiple")
    progress.save_exam_answer(session.id, multi, Answer(selected=frozenset({0})), False, 1.0)
    assert multi not in ExamSession.resume(bank, now=2.0).answers


def test_time_up_refuses_answers(bank):
    session = ExamSession.start(bank, seed=4, minutes=1, now=0.0)
    with pytest.raises(QuizError, match="time is up"):
        session.answer_replies({positions(session, "single")[0]: "a"}, now=61.0)
    assert session.answers == {}
    assert DONT_KNOW.unknown
