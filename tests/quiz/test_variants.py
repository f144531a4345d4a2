"""Generated numeric questions: reproducible, valid, arithmetically right, outside coverage."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from grader.quiz import rounds, variants
from grader.quiz.bank import check_question, load_bank, load_catalog
from grader.quiz.export import question_json

CONTENT = Path(__file__).resolve().parents[2] / "content"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "quiz"
SEEDS = range(40)


def _numbers(stem: str) -> list[float]:
    return [float(x.replace(",", "")) for x in re.findall(r"\$([\d,]+\.\d+)", stem)]


def _right(q) -> float:
    return float(next(o.text for o in q.options if o.correct).lstrip("$").replace(",", ""))


@pytest.mark.parametrize("seed", SEEDS)
def test_variants_pass_the_bank_schema(seed):
    q = variants.generate(seed)
    raw = {k: v for k, v in question_json(q).items() if v is not None}
    question, problems = check_question(raw, load_catalog(CONTENT / "topics.yaml"))
    assert problems == [] and question is not None
    assert q.generated and q.id.startswith("gen-")
    assert "illustrative" in q.stem and "illustrative" in q.explanation


def test_same_seed_same_question_different_seed_different():
    assert variants.generate(7) == variants.generate(7)
    assert len({variants.generate(s).stem for s in SEEDS}) == len(SEEDS)


@pytest.mark.parametrize("seed", SEEDS)
def test_spot_savings_arithmetic(seed):
    q = variants.spot_savings(seed)
    hours = int(re.search(r"needs ([\d,]+) instance-hours", q.stem).group(1).replace(",", ""))
    on_demand, spot = _numbers(q.stem)
    assert _right(q) == pytest.approx((on_demand - spot) * hours, abs=0.01)
    assert "no bidding" in q.explanation and "two-minute warning" in q.explanation


@pytest.mark.parametrize("seed", SEEDS)
def test_reserved_total_arithmetic(seed):
    q = variants.reserved_total(seed)
    hours = int(re.search(r"\(([\d,]+) hours\)", q.stem).group(1).replace(",", ""))
    no_upfront, upfront, partial_rate, _on_demand = _numbers(q.stem)
    expected = (upfront + partial_rate * hours if "the Partial Upfront option" in q.stem
                else no_upfront * hours)
    assert _right(q) == pytest.approx(expected, abs=0.01)


def test_variants_selector_generates_questions(monkeypatch, tmp_path):
    monkeypatch.setenv("COMPUTELAB_HOME", str(tmp_path))
    bank = load_bank(FIXTURES)
    seed, shown = rounds.pick(bank, rounds.parse_selector(bank, "variants"), n=3, seed=5)
    assert seed == 5 and len(shown) == 3
    assert all(s.question.generated for s in shown)
    assert [s.question.id for s in rounds.pick(bank, rounds.Selection(variants=True), n=3,
                                               seed=5)[1]] == [s.question.id for s in shown]
