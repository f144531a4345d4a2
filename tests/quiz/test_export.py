"""GIFT export and the site JSON schema (content/quizzes/JSON-FORMAT.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader.quiz import export
from grader.quiz.bank import load_bank

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "quiz"
COMMON = {"id", "type", "stem", "topic", "comparison", "difficulty", "domains", "explanation",
          "source", "verified", "lesson"}
EXTRA = {"single": {"options"}, "multiple": {"options", "choose"}, "true_false": {"options"},
         "matching": {"pairs"}, "ordering": {"steps"}}


@pytest.fixture(scope="module")
def bank():
    return load_bank(FIXTURES)


def test_site_json_shape(bank):
    data = export.site_json(bank)
    assert set(data) == {"version", "topics", "comparisons", "questions"}
    assert data["version"] == 1
    assert data["topics"]["alpha"] == {"title": "Alpha service", "lesson": "basics/alpha.md"}
    assert data["comparisons"] == {"alpha-vs-beta": "Alpha vs Beta",
                                   "beta-choice": "Choosing with Beta"}
    assert len(data["questions"]) == len(bank.questions)
    for item in data["questions"]:
        assert set(item) == COMMON | EXTRA[item["type"]], item["id"]
    json.dumps(data)   # serialisable as is


def test_site_json_fields(bank):
    by_id = {q["id"]: q for q in export.site_json(bank)["questions"]}
    multi = by_id["fx-multi-1"]
    assert multi["choose"] == 2 and multi["comparison"] is None
    assert multi["options"][0] == {"text": "Encryption at rest", "correct": True,
                                   "why": "Alpha encrypts everything at rest."}
    assert multi["domains"] == {"clf-c02": "security", "saa-c03": "secure"}
    assert by_id["fx-order-1"]["steps"][0] == {"text": "Submit the job to a queue",
                                               "why": "Jobs enter through a queue."}
    assert by_id["fx-match-1"]["pairs"][1]["match"] == "Alpha"
    assert multi["source"] == [
        "https://docs.aws.amazon.com/ec2/latest/instancetypes/instance-types.html"]
    assert multi["verified"] == "2026-12-05"
    assert multi["lesson"] == "compute-basics/ec2-instances.md#learning-objectives"


def test_site_json_defaults_to_the_configured_content(monkeypatch, bank):
    monkeypatch.setenv("COMPUTELAB_QUIZ_CONTENT", str(FIXTURES))
    assert export.site_json() == export.site_json(bank)


def test_gift_per_type(bank):
    result = export.gift(bank)
    text = result.text
    assert "::fx-single-1:: Which unit does Alpha schedule? \\{braces\\} and a colon\\: to" in text
    assert "\t=A widget#Alpha schedules widgets." in text
    assert "\t~A gadget#Gadgets belong to Beta." in text
    assert "\t~%50%Encryption at rest#" in text and "\t~%-50%Free forever#" in text
    assert "{TRUE#The 15-minute limit is Alpha's, not Beta's.#Beta has no time limit." in text
    assert "\t=A function triggered by an upload -> Alpha" in text
    assert "\t####Alpha runs widgets; Beta runs gadgets." in text
    assert "$CATEGORY: computelab/alpha" in text


def test_gift_leaves_out_what_it_cannot_express(bank):
    result = export.gift(bank)
    assert dict(result.left_out) == {
        "fx-order-1": "GIFT has no ordering question type",
        "fx-match-2": "GIFT matching needs at least 3 pairs",
    }
    assert "::fx-order-1::" not in result.text and "::fx-match-2::" not in result.text
    assert "// Left out: fx-match-2" in result.text


def test_gift_multiple_weights_for_three_correct():
    assert export._weight(100 / 3) == "33.33333" and export._weight(-50) == "-50"
