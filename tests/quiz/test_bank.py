"""The bank validator: every malformed question is rejected naming file, id and problem."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest
import yaml

from grader.errors import QuizError
from grader.quiz import bank
from grader.quiz.model import Question

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "quiz"

GOOD = {
    "id": "t-001",
    "type": "single",
    "stem": "Which unit does Alpha schedule?",
    "options": [
        {"text": "A widget", "correct": True, "why": "Alpha schedules widgets."},
        {"text": "A gadget", "correct": False, "why": "Beta's."},
        {"text": "A gizmo", "correct": False, "why": "Not scheduled."},
        {"text": "A doohickey", "correct": False, "why": "Distractor."},
    ],
    "explanation": "Widgets.",
    "topic": "alpha",
    "comparison": "alpha-vs-beta",
    "domains": {"clf-c02": "technology", "saa-c03": "high-performing"},
    "difficulty": "easy",
    "source": ["https://docs.aws.amazon.com/ec2/latest/instancetypes/instance-types.html"],
    "verified": "2026-12-05",
    "lesson": "compute-basics/ec2-instances.md#instance-types-and-families",
}
MULTIPLE = {
    **GOOD, "type": "multiple", "stem": "Which two? (Choose TWO.)", "choose": 2,
    "options": [*GOOD["options"][:1],
                {"text": "A sprocket", "correct": True, "why": "Also scheduled."},
                *GOOD["options"][1:]],
}


@pytest.fixture(scope="module")
def catalog():
    return bank.load_catalog(FIXTURES / "topics.yaml")


def write(tmp_path: Path, questions, name="sample.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"questions": questions}, sort_keys=False))
    return path


def mutate(base, **changes):
    q = copy.deepcopy(base)
    for key, value in changes.items():
        if value is None:
            q.pop(key, None)
        else:
            q[key] = value
    return q


def test_fixture_banks_are_valid(catalog):
    for path in bank.bank_files(FIXTURES):
        questions, problems = bank.check_file(path, catalog)
        assert problems == [] and questions


@pytest.mark.parametrize("question, problem", [
    (mutate(GOOD, type="essay"), "type must be one of"),
    (mutate(GOOD, stem=None), "needs a stem"),
    (mutate(GOOD, explanation=""), "needs an explanation"),
    (mutate(GOOD, topic="gamma"), "topic 'gamma' is not in topics.yaml"),
    (mutate(GOOD, comparison="x-vs-y"), "comparison 'x-vs-y' is not in topics.yaml"),
    (mutate(GOOD, difficulty="trivial"), "difficulty must be one of"),
    (mutate(GOOD, domains={}), "domains must name at least one exam guide"),
    (mutate(GOOD, source=None), "needs source"),
    (mutate(GOOD, source=[]), "source must be a list of one or more"),
    (mutate(GOOD, source=["https://example.com/ec2"]), "must be https on aws.amazon.com"),
    (mutate(GOOD, source=["http://docs.aws.amazon.com/ec2/"]), "must be https"),
    (mutate(GOOD, source=["https://docs.aws.amazon.com.evil.io/x"]), "must be https on"),
    (mutate(GOOD, verified=None), "needs verified"),
    (mutate(GOOD, verified="last week"), "verified must be a date YYYY-MM-DD"),
    (mutate(GOOD, verified="2999-01-01"), "is in the future"),
    (mutate(GOOD, lesson=None), "needs lesson"),
    (mutate(GOOD, lesson="compute-basics/ec2-instances.md"), "lesson must be '<lesson path>#"),
    (mutate(GOOD, lesson="compute-basics/ec2-instances.md#no-such-heading"),
     "has no heading with anchor #no-such-heading"),
    (mutate(GOOD, lesson="compute-basics/nope.md#x"), "does not exist under content/"),
    (mutate(GOOD, domains={"clf-c02": "secure", "saa-c03": "secure"}),
     "domains.clf-c02 must be one of"),
    (mutate(GOOD, explaination="typo"), "not allowed for single: explaination"),
    (mutate(GOOD, choose=1), "not allowed for single: choose"),
    (mutate(GOOD, options=GOOD["options"][:3]), "single needs 4 or more options"),
    (mutate(GOOD, options=[{**o, "correct": True} for o in GOOD["options"]]),
     "exactly one correct option, has 4"),
    (mutate(GOOD, options=[{**GOOD["options"][0], "why": ""}, *GOOD["options"][1:]]),
     "option 1 needs a why"),
    (mutate(GOOD, options=[{**GOOD["options"][0], "correct": "yes"}, *GOOD["options"][1:]]),
     "option 1 needs correct: true or false"),
    (mutate(GOOD, options=[*GOOD["options"], {**GOOD["options"][1]}]),
     "two options have the same text"),
    (mutate(MULTIPLE, choose=3), "choose is 3 but 2 options are correct"),
    (mutate(MULTIPLE, choose=None), "multiple needs choose: 2"),
    (mutate(MULTIPLE, stem="Which two?"), 'the stem must say "(Choose TWO.)"'),
    (mutate(MULTIPLE, options=MULTIPLE["options"][:4]), "multiple needs 5 or more options"),
    (mutate(GOOD, type="true_false"), "true_false needs exactly two options"),
    (mutate(GOOD, type="matching", options=None, pairs=[{"item": "a", "match": "b",
                                                          "why": "c"}]),
     "matching needs a list of 2 or more pairs"),
    (mutate(GOOD, type="matching", options=None,
            pairs=[{"item": "a", "match": "x", "why": "w"}, {"item": "b", "match": "x",
                                                             "why": "w"}]),
     "at least two different matches"),
    (mutate(GOOD, type="matching", options=None,
            pairs=[{"item": "a", "match": "x", "why": "w"}, {"item": "b", "match": "y"}]),
     "pair 2 needs a why"),
    (mutate(GOOD, type="ordering", options=None,
            steps=[{"text": "one", "why": "w"}, {"text": "one", "why": "w"}]),
     "two steps have the same text"),
    (mutate(GOOD, type="ordering", options=None, steps=[{"text": "one", "why": "w"}]),
     "ordering needs a list of 2 or more steps"),
    (mutate(GOOD, id="Bad Id"), "id must be lowercase"),
])
def test_malformed_question_is_rejected_with_file_id_and_reason(tmp_path, catalog, question,
                                                                problem):
    path = write(tmp_path, [question])
    questions, problems = bank.check_file(path, catalog)
    assert questions == []
    assert problems, "expected a problem"
    message = "\n".join(problems)
    assert "sample.yaml" in message
    assert problem in message
    if question.get("id") == "t-001":
        assert "question 't-001'" in message


def test_a_valid_question_of_each_shape_passes(tmp_path, catalog):
    tf = mutate(GOOD, id="t-002", type="true_false", options=[
        {"text": True, "correct": False, "why": "no"},        # YAML reads bare True as bool
        {"text": "False", "correct": True, "why": "yes"}])
    questions, problems = bank.check_file(write(tmp_path, [GOOD, MULTIPLE | {"id": "t-003"},
                                                           tf]), catalog)
    assert problems == []
    assert [q.type for q in questions] == ["single", "multiple", "true_false"]
    assert all(isinstance(q, Question) and q.file.endswith("sample.yaml") for q in questions)
    assert questions[2].options[0].text == "True"


def test_a_question_may_leave_out_an_exam_it_does_not_fit(tmp_path, catalog):
    questions, problems = bank.check_file(
        write(tmp_path, [mutate(GOOD, domains={"clf-c02": "technology"})]), catalog)
    assert problems == [] and questions[0].domains == {"clf-c02": "technology"}


def test_provenance_is_kept_on_the_question(tmp_path, catalog):
    (q,), problems = bank.check_file(write(tmp_path, [GOOD]), catalog)
    assert problems == []
    assert q.sources == tuple(GOOD["source"]) and q.verified == "2026-12-05"
    assert (q.lesson_page, q.lesson_anchor) == ("compute-basics/ec2-instances.md",
                                                "instance-types-and-families")


def test_the_loader_tolerates_missing_provenance_but_the_validator_does_not(tmp_path,
                                                                          catalog):
    path = write(tmp_path, [mutate(GOOD, source=None, verified=None, lesson=None)])
    assert bank.check_file(path, catalog, require_provenance=False)[1] == []
    assert len(bank.check_file(path, catalog)[1]) == 3


def test_duplicate_id_in_one_file(tmp_path, catalog):
    _questions, problems = bank.check_file(write(tmp_path, [GOOD, GOOD]), catalog)
    assert any("question 't-001': id is used twice" in p for p in problems)


def test_yaml_syntax_error_names_file_and_line(tmp_path, catalog):
    path = tmp_path / "broken.yaml"
    path.write_text("questions:\n  - id: x\n    stem: [unclosed\n")
    _questions, problems = bank.check_file(path, catalog)
    assert len(problems) == 1
    assert "broken.yaml" in problems[0] and "line" in problems[0]


def test_top_level_must_be_questions_list(tmp_path, catalog):
    path = tmp_path / "odd.yaml"
    path.write_text("- id: x\n")
    _questions, problems = bank.check_file(path, catalog)
    assert problems == [f"{path}: must be a mapping with one key, questions: a list"]


def test_load_bank_raises_quiz_error_with_count(tmp_path):
    shutil.copy(FIXTURES / "topics.yaml", tmp_path / "topics.yaml")
    (tmp_path / "quizzes").mkdir()
    write(tmp_path / "quizzes", [mutate(GOOD, difficulty="x", topic="nope")], "one.yaml")
    with pytest.raises(QuizError) as info:
        bank.load_bank(tmp_path)
    assert "one.yaml: question 't-001':" in str(info.value)
    assert "(and 1 more problems)" in str(info.value)


def test_same_id_in_two_files_is_rejected(tmp_path):
    shutil.copy(FIXTURES / "topics.yaml", tmp_path / "topics.yaml")
    (tmp_path / "quizzes").mkdir()
    write(tmp_path / "quizzes", [GOOD], "one.yaml")
    write(tmp_path / "quizzes", [mutate(GOOD, stem="Something else entirely?")], "two.yaml")
    with pytest.raises(QuizError, match="id is also used in"):
        bank.load_bank(tmp_path)


def test_catalog_errors_name_the_file(tmp_path):
    path = tmp_path / "topics.yaml"
    path.write_text("topics:\n  - id: a\n    title: A\nexams:\n  x: {title: X}\n")
    with pytest.raises(QuizError, match=r"topics\.yaml: exam 'x' needs"):
        bank.load_catalog(path)


def _q(qid: str, stem: str) -> Question:
    return Question(id=qid, type="single", stem=stem, topic="alpha", domains={},
                    difficulty="easy", explanation="")


def test_near_duplicates_found_and_distinct_stems_pass():
    questions = [
        _q("a", "Which EC2 purchasing option gives the deepest discount for steady use?"),
        _q("b", "Which EC2 purchasing option gives the deepest discount for steady use"),
        _q("c", "Which EC2 purchasing options give the deepest discount for steady use?"),
        _q("d", "What happens to instance store data when an instance stops?"),
    ]
    pairs = {(a, b) for a, b, _score in bank.near_duplicates(questions)}
    assert pairs == {("a", "b"), ("a", "c"), ("b", "c")}
