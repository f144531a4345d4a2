"""Mock exam forms: deterministic, balanced by domain weight with minimums, and distinct
(at most 20% overlap between any two forms) on the real banks."""

from __future__ import annotations

import dataclasses
from collections import Counter
from itertools import combinations
from pathlib import Path

import pytest

from grader.errors import QuizError
from grader.quiz import bank, forms
from grader.quiz.exam import ExamSession, allocate
from grader.quiz.model import Bank, Option, Question

CONTENT = Path(__file__).resolve().parents[2] / "content"


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPUTELAB_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("COMPUTELAB_QUIZ_CONTENT", raising=False)


@pytest.fixture(scope="module")
def real() -> Bank:
    return bank.load_bank(CONTENT)


def _ids(built):
    return [[q.id for q in f] for f in built]


@pytest.mark.parametrize("exam_id", ["clf-c02", "saa-c03", "soa-c03"])
def test_three_full_forms_overlap_20_percent_or_less(real, exam_id):
    spec = real.catalog.exams[exam_id]
    built = forms.build(real, spec)
    assert [len(f) for f in built] == [spec.questions] * forms.FORMS
    for a, b in combinations(built, 2):
        shared = len({q.id for q in a} & {q.id for q in b})
        assert shared / spec.questions <= forms.MAX_OVERLAP, (exam_id, shared)
    assert all(len({q.id for q in f}) == len(f) for f in built)   # no repeats inside a form


@pytest.mark.parametrize("exam_id", ["clf-c02", "saa-c03", "soa-c03"])
def test_forms_are_balanced_by_domain_weight_with_minimums(real, exam_id):
    spec = real.catalog.exams[exam_id]
    n = spec.questions
    ideal = allocate({d.id: d.weight for d in spec.domains},
                     {d.id: 10_000 for d in spec.domains}, n)
    for f in forms.build(real, spec):
        assert all(q.type in ("single", "multiple") and q.domains[exam_id] for q in f)
        counts = Counter(q.domains[exam_id] for q in f)
        for d in spec.domains:
            assert counts[d.id] >= forms.minimum(spec, d.id, n), (exam_id, d.id, counts)
            # a domain gets at most its weighted share plus what short domains gave up
            given_up = sum(max(0, ideal[x.id] - counts[x.id]) for x in spec.domains)
            assert counts[d.id] <= ideal[d.id] + given_up


def test_forms_are_deterministic_and_ignore_bank_order(real):
    spec = real.catalog.exams["saa-c03"]
    shuffled = dataclasses.replace(real, questions=tuple(reversed(real.questions)))
    assert _ids(forms.build(real, spec)) == _ids(forms.build(shuffled, spec))


def _tiny_bank(per_domain: int) -> Bank:
    catalog = bank.load_catalog(CONTENT / "topics.yaml")
    spec = catalog.exams["clf-c02"]
    options = (Option("a", True, "w"), Option("b", False, "w"), Option("c", False, "w"),
               Option("d", False, "w"))
    questions = tuple(
        Question(id=f"t-{d.id}-{i}", type="single", stem=f"{d.id} {i}", topic="ec2-instances",
                 domains={"clf-c02": d.id}, difficulty="easy", explanation="e", options=options)
        for d in spec.domains for i in range(per_domain))
    return Bank(catalog=catalog, questions=questions)


def test_a_short_bank_shares_questions_and_the_overlap_measure_sees_it():
    tiny = _tiny_bank(per_domain=10)       # 40 questions cannot make three distinct 20s
    spec = tiny.catalog.exams["clf-c02"]
    built = forms.build(tiny, spec, n=20)
    assert [len(f) for f in built] == [20, 20, 20]
    assert forms.max_overlap(built) > forms.MAX_OVERLAP
    roomy = forms.build(_tiny_bank(per_domain=30), spec, n=20)
    assert forms.max_overlap(roomy) == 0.0


def test_a_form_number_outside_1_to_3_is_refused(real):
    spec = real.catalog.exams["clf-c02"]
    with pytest.raises(QuizError, match="there is no form 4: choose 1-3"):
        forms.form(real, spec, 4)


def test_exam_session_form_is_the_fixed_set_in_a_fixed_layout(real):
    first = ExamSession.start(real, exam="saa-c03", form=2, now=0.0)
    again = ExamSession.start(real, exam="saa-c03", form=2, now=0.0)
    expected = [q.id for q in forms.form(real, real.catalog.exams["saa-c03"], 2)]
    assert [p.question.id for p in first.items] == expected
    assert [p.layout() for p in first.items] == [p.layout() for p in again.items]
    other = ExamSession.start(real, exam="saa-c03", form=1, now=0.0)
    assert [p.question.id for p in other.items] != expected
