"""The real question banks in content/quizzes: schema, unique ids, near duplicates, coverage."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from grader.quiz import bank, export

CONTENT = Path(__file__).resolve().parents[2] / "content"
BANK_FILES = sorted((CONTENT / "quizzes").glob("*.yaml"))

MIN_PER_TOPIC = 15
MIN_PER_COMPARISON = 15
MIN_TOTAL = 450


@pytest.fixture(autouse=True)
def real_content(monkeypatch):
    monkeypatch.delenv("COMPUTELAB_QUIZ_CONTENT", raising=False)


@pytest.fixture(scope="module")
def catalog():
    return bank.load_catalog(CONTENT / "topics.yaml")


def test_topics_yaml_has_soa_c03_from_its_exam_guide(catalog):
    soa = catalog.exams["soa-c03"]
    assert (soa.questions, soa.minutes, soa.pass_score) == (65, 130, 720)
    assert {d.id: d.weight for d in soa.domains} == {
        "monitoring": 22, "reliability": 22, "deployment": 22, "security": 16, "networking": 18}
    text = (CONTENT / "topics.yaml").read_text(encoding="utf-8")
    assert "docs.aws.amazon.com/aws-certification/" in text   # the guide is cited


def test_topics_yaml_has_both_exam_guides(catalog):
    clf, saa = catalog.exams["clf-c02"], catalog.exams["saa-c03"]
    assert (clf.questions, clf.minutes, clf.pass_score) == (65, 90, 700)
    assert (saa.questions, saa.minutes, saa.pass_score) == (65, 130, 720)
    for spec in (clf, saa):
        assert sum(d.weight for d in spec.domains) == 100
    assert {d.id: d.weight for d in clf.domains} == {
        "cloud-concepts": 24, "security": 30, "technology": 34, "billing": 12}
    assert {d.id: d.weight for d in saa.domains} == {
        "secure": 30, "resilient": 26, "high-performing": 24, "cost-optimized": 20}


@pytest.mark.parametrize("path", BANK_FILES, ids=[p.name for p in BANK_FILES])
def test_bank_file_is_valid(path, catalog):
    """Strict: schema plus source (AWS documentation URLs), verified date and a lesson
    anchor that exists, for every question."""
    questions, problems = bank.check_file(path, catalog)
    assert not problems, "\n".join(problems)
    assert questions
    assert all(q.sources and q.verified and q.lesson for q in questions)


def _all_questions(catalog):
    found = []
    for path in BANK_FILES:
        questions, _problems = bank.check_file(path, catalog)
        found.extend(questions)
    return found


def test_ids_are_unique_across_banks(catalog):
    ids = Counter(q.id for q in _all_questions(catalog))
    assert [qid for qid, n in ids.items() if n > 1] == []


def test_no_near_duplicate_stems(catalog):
    assert bank.near_duplicates(_all_questions(catalog)) == []


def coverage_report(catalog, questions):
    per_topic = Counter(q.topic for q in questions if not q.generated)
    per_comparison = Counter(q.comparison for q in questions if q.comparison and not q.generated)
    lines = [f"total: {sum(per_topic.values())} (need {MIN_TOTAL})", "per topic:"]
    lines += [f"  {t:22} {per_topic[t]:3}"
              + (f"  <-- below {MIN_PER_TOPIC}" if per_topic[t] < MIN_PER_TOPIC else "")
              for t in catalog.topics]
    lines.append("per comparison:")
    lines += [f"  {c:22} {per_comparison[c]:3}"
              + (f"  <-- below {MIN_PER_COMPARISON}" if per_comparison[c] < MIN_PER_COMPARISON
                 else "")
              for c in catalog.comparisons]
    short = ([t for t in catalog.topics if per_topic[t] < MIN_PER_TOPIC]
             + [c for c in catalog.comparisons if per_comparison[c] < MIN_PER_COMPARISON])
    return "\n".join(lines), short, sum(per_topic.values())


def test_coverage_per_topic_and_comparison(catalog):
    report, short, total = coverage_report(catalog, _all_questions(catalog))
    print(report)
    assert not short and total >= MIN_TOTAL, report


def test_coverage_report_flags_a_thin_bank(catalog):
    """The coverage rule itself: one question per topic is not enough."""
    questions = _all_questions(catalog)
    one_each = list({q.topic: q for q in questions}.values())
    _report, short, total = coverage_report(catalog, one_each)
    assert total < MIN_TOTAL
    assert set(catalog.topics) <= set(short)


def test_every_question_is_in_the_gift_export_or_listed_as_left_out(catalog):
    loaded = bank.load_bank(CONTENT)
    result = export.gift(loaded)
    left_out = {qid for qid, _why in result.left_out}
    for q in loaded.questions:
        if q.type == "ordering":
            assert q.id in left_out
        else:
            assert (f"::{q.id}::" in result.text) != (q.id in left_out), q.id


def test_exam_mode_can_draw_a_full_exam_from_the_banks(catalog):
    from grader.quiz.exam import allocate

    loaded = bank.load_bank(CONTENT)
    for spec in catalog.exams.values():
        available = Counter(q.domains[spec.id] for q in loaded.questions
                            if q.type in ("single", "multiple") and spec.id in q.domains)
        counts = allocate({d.id: d.weight for d in spec.domains}, available, spec.questions)
        assert sum(counts.values()) == spec.questions, (spec.id, dict(available))


@pytest.mark.parametrize("exam_id", ["clf-c02", "saa-c03", "soa-c03"])
def test_the_banks_fill_a_default_65_question_exam_by_weight(exam_id):
    import random

    from grader.quiz.exam import allocate, draw

    full = bank.load_bank(CONTENT)
    spec = full.catalog.exams[exam_id]
    drawn = draw(full, spec, spec.questions, random.Random(1))
    assert len(drawn) == spec.questions == 65
    per_domain = Counter(q.domains[exam_id] for q in drawn)
    unlimited = allocate({d.id: d.weight for d in spec.domains},
                         {d.id: 10_000 for d in spec.domains}, 65)
    assert dict(per_domain) == unlimited     # no domain is short of compute questions
