"""The quiz, exam, progress and export commands, driven without a TTY."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from grader.cli import app
from grader.cli.quiz import register
from grader.quiz import progress
from grader.quiz.bank import load_bank
from grader.quiz.export import site_json
from grader.quiz.model import Answer
from grader.quiz.scoring import grade

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "quiz"
register(app)
runner = CliRunner()


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPUTELAB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COMPUTELAB_QUIZ_CONTENT", str(FIXTURES))
    monkeypatch.setenv("COLUMNS", "120")
    return tmp_path / "home"


@pytest.fixture(scope="module")
def bank():
    return load_bank(FIXTURES)


def run(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input)


def right_reply(bank, listed: dict) -> str:
    """The correct reply to a question as the CLI listed it (letters follow the shuffle)."""
    q = bank.get(listed["id"])
    if q.type == "matching":
        letter = {m["text"]: m["letter"] for m in listed["matches"]}
        return "".join(letter[p.match] for p in q.pairs)
    if q.type == "ordering":
        number = {s["text"]: s["number"] for s in listed["steps"]}
        return "-".join(str(number[s.text]) for s in q.steps)
    right = {o.text for o in q.options if o.correct}
    return ",".join(o["letter"] for o in listed["options"] if o["text"] in right)


def wrong_reply(bank, listed: dict) -> str:
    q = bank.get(listed["id"])
    right = {o.text for o in q.options if o.correct}
    return next(o["letter"] for o in listed["options"] if o["text"] not in right)


def assert_one_line_error(result, text: str):
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and text in lines[0], lines
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", [["quiz"], ["quiz", "export"], ["exam"], ["progress"]])
def test_every_command_has_help_with_an_example(command):
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.stdout and "computelab " + command[0] in result.stdout


def test_quiz_json_lists_questions_without_the_key():
    result = run("quiz", "--seed", "5", "-n", "8", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["seed"] == 5 and len(data["questions"]) == 8
    assert "correct" not in result.stdout and "why" not in result.stdout
    again = json.loads(run("quiz", "--seed", "5", "-n", "8", "--json").stdout)
    assert again == data


def test_quiz_answers_all_right_then_recorded(bank):
    listing = json.loads(run("quiz", "--seed", "7", "-n", "8", "--json").stdout)["questions"]
    answers = ";".join(f"{q['position']}:{right_reply(bank, q)}" for q in listing)
    result = run("quiz", "--seed", "7", "-n", "8", "--answers", answers, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["score"] == 8 and data["answered"] == 8
    assert all(r["correct"] and r["answer"] == r["key"] for r in data["results"])
    assert all(r["feedback"] and r["feedback"][0]["why"] for r in data["results"])
    assert progress.attempt_count() == 8


def test_quiz_answers_partial_and_human_output(bank):
    listing = json.loads(run("quiz", "--topic", "alpha", "--seed", "1", "--json").stdout)
    multi = next(q for q in listing["questions"] if q["id"] == "fx-multi-1")
    one_right = right_reply(bank, multi).split(",")[0]
    result = run("quiz", "--topic", "alpha", "--seed", "1",
                 "--answers", f"{multi['position']}:{one_right}")
    assert result.exit_code == 0, result.output
    assert "Partly right" in result.stdout and "50% of the marks" in result.stdout
    assert "Score: 0.5 / 1" in result.stdout


@pytest.mark.parametrize("answers, text", [
    ("1:z", "question 1: 'z' is not one of a-"),
    ("9:a", "there is no question 9"),
    ("1b", "'1b' is not NUMBER:REPLY"),
    ("1:a;1:b", "question 1 is answered twice"),
    (";", "no answers given"),
])
def test_quiz_bad_answers_are_one_line_errors_and_record_nothing(answers, text):
    result = run("quiz", "--topic", "alpha", "-n", "2", "--seed", "3", "--answers", answers)
    assert_one_line_error(result, text)
    assert progress.attempt_count() == 0


@pytest.mark.parametrize("args, text", [
    (["--topic", "nope"], "unknown topic 'nope'"),
    (["--comparison", "x-vs-y"], "unknown comparison 'x-vs-y'"),
    (["--domain", "billing"], "domain must look like EXAM:DOMAIN"),
    (["--domain", "clf-c02:nope"], "unknown domain 'nope' for clf-c02"),
    (["-n", "0"], "1 or more"),
])
def test_quiz_bad_selection(args, text):
    assert_one_line_error(run("quiz", *args), text)


def test_quiz_by_domain_and_comparison():
    data = json.loads(run("quiz", "--domain", "clf-c02:billing", "--json").stdout)
    assert {q["id"] for q in data["questions"]} == {"fx-single-2", "fx-match-2"}
    data = json.loads(run("quiz", "--comparison", "beta-choice", "--json").stdout)
    assert {q["id"] for q in data["questions"]} == {"fx-match-1", "fx-order-1"}


def test_quiz_due_reviews_what_fsrs_says_is_due(bank):
    empty = run("quiz", "--due")
    assert empty.exit_code == 0 and "Nothing is due" in empty.stdout
    q = bank.get("fx-single-3")
    wrong = next(i for i, o in enumerate(q.options) if not o.correct)
    progress.record_answer(grade(q, Answer(selected=frozenset({wrong}))),
                           now=datetime(2020, 1, 1, tzinfo=UTC))
    listing = json.loads(run("quiz", "--due", "--json").stdout)
    assert listing["mode"] == "review"
    assert [x["id"] for x in listing["questions"]] == ["fx-single-3"]
    reply = right_reply(bank, listing["questions"][0])
    result = run("quiz", "--due", "--seed", str(listing["seed"]), "--answers", f"1:{reply}",
                 "--json")
    assert json.loads(result.stdout)["results"][0]["correct"]
    assert json.loads(run("quiz", "--due", "--json").stdout)["questions"] == []


def test_quiz_interactive_reasks_on_invalid_input_and_can_stop(bank):
    listing = json.loads(run("quiz", "--topic", "alpha", "-n", "2", "--seed", "4",
                             "--json").stdout)["questions"]
    first = listing[0]
    reply = right_reply(bank, first)
    result = run("quiz", "--topic", "alpha", "-n", "2", "--seed", "4",
                 input=f"zz\n{reply}\nquit\n")
    assert result.exit_code == 0, result.output
    assert "try again" in result.stdout
    assert "Correct — 100% of the marks" in result.stdout
    assert "Stopped. Score: 1 / 1" in result.stdout
    assert progress.attempt_count() == 1


def test_quiz_interactive_end_of_input_keeps_what_was_answered(bank):
    listing = json.loads(run("quiz", "--topic", "alpha", "-n", "2", "--seed", "4",
                             "--json").stdout)["questions"]
    result = run("quiz", "--topic", "alpha", "-n", "2", "--seed", "4",
                 input=f"{wrong_reply(bank, listing[0])}\n")
    assert result.exit_code == 0 and "Stopped" in result.stdout
    assert progress.attempt_count() == 1


# -- exam -------------------------------------------------------------------------------------

def test_exam_answers_json_end_to_end(bank):
    listing = json.loads(run("exam", "--seed", "21", "--json").stdout)
    assert len(listing["questions"]) == 4 and listing["minutes"] == 10
    assert all(q["type"] in ("single", "multiple") for q in listing["questions"])
    replies = [right_reply(bank, q) for q in listing["questions"]]
    replies[0] = wrong_reply(bank, listing["questions"][0])
    answers = ";".join(f"{i}:{r}" for i, r in enumerate(replies, start=1))
    result = run("exam", "--resume", "--answers", answers, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["session"] == listing["session"]
    assert (report["correct"], report["questions"]) == (3, 4)
    assert report["scaled_estimate"] == 775 and report["passed_estimate"] is True
    assert "estimate" in report["note"]
    assert {d["id"] for d in report["domains"]} == {"cloud-concepts", "security", "technology",
                                                    "billing"}
    assert report["items"][0]["correct"] is False


def test_exam_out_of_range_answer_keeps_the_session(bank):
    listing = json.loads(run("exam", "--exam", "saa-c03", "--seed", "3", "-n", "3",
                             "--json").stdout)
    first = right_reply(bank, listing["questions"][0])
    bad = run("exam", "--resume", "--answers", f"1:{first};2:z")
    assert_one_line_error(bad, "question 2: 'z' is not one of")
    assert "is saved" in bad.stderr
    rest = ";".join(f"{i}:{right_reply(bank, q)}"
                    for i, q in enumerate(listing["questions"], start=1) if i > 1)
    result = run("exam", "--resume", "--answers", rest, "--json")
    report = json.loads(result.stdout)
    assert report["exam"] == "saa-c03" and report["correct"] == 3 and report["answered"] == 3


def test_exam_bad_input():
    assert_one_line_error(run("exam", "--exam", "XYZ-C01"), "unknown exam 'XYZ-C01'")
    assert_one_line_error(run("exam", "--resume"), "no unfinished exam")
    assert_one_line_error(run("exam", "--resume", "--seed", "3"), "--resume continues")


def test_exam_interactive_flag_review_quit_and_resume(bank):
    listing = json.loads(run("exam", "--seed", "13", "-n", "3", "--json").stdout)["questions"]
    first = right_reply(bank, listing[0])
    session_input = f"{first}\nflag\nz\nreview\nquit\n"
    result = run("exam", "--resume", input=session_input)
    assert result.exit_code == 0, result.output
    assert "Flagged for review." in result.stdout
    assert "try again" in result.stdout
    assert "Unanswered: [2, 3] · Flagged: [2]" in result.stdout
    assert "continue with `computelab exam --resume`" in result.stdout
    second = right_reply(bank, listing[1])
    result = run("exam", "--resume", input=f"{second}\n\nsubmit\ny\n")
    assert result.exit_code == 0, result.output
    assert "Estimated scaled score: 700" in result.stdout
    assert "estimate" in result.stdout
    assert "Review (questions you missed)" in result.stdout


def test_progress_table_and_json(bank):
    progress.record_answer(grade(bank.get("fx-single-1"), Answer(selected=frozenset({0}))))
    table = run("progress")
    assert table.exit_code == 0, table.output
    assert "Mastery by topic" in table.stdout and "Alpha service" in table.stdout
    assert "Labs passed: 0 of 1" in table.stdout and "Reviews due: 0" in table.stdout
    data = json.loads(run("progress", "--json").stdout)
    assert data["attempts"] == 1 and data["topics"][0]["seen"] == 1


# -- export -----------------------------------------------------------------------------------

def test_export_gift_lists_left_out_questions(tmp_path):
    result = run("quiz", "export", "--format", "gift")
    assert result.exit_code == 0, result.output
    assert "::fx-single-1::" in result.stdout and "::fx-order-1::" not in result.stdout
    assert "left out fx-order-1: GIFT has no ordering question type" in result.stderr
    out = tmp_path / "bank.gift"
    result = run("quiz", "export", "--format", "gift", "--out", str(out))
    assert "::fx-tf-1::" in out.read_text() and "Wrote 6 questions" in result.stderr


def test_export_json_is_the_site_json(bank):
    result = run("quiz", "export", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == site_json(bank)


def test_export_bad_format():
    assert_one_line_error(run("quiz", "export", "--format", "xml"), "unknown format 'xml'")


def test_real_process_without_a_tty_no_traceback(home):
    env = {**os.environ, "COMPUTELAB_HOME": str(home),
           "COMPUTELAB_QUIZ_CONTENT": str(FIXTURES)}
    code = "from grader.cli import main; main()"
    bad = subprocess.run([sys.executable, "-c", code, "quiz", "--topic", "nope"],
                         capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.strip().splitlines() == [
        "Error: unknown topic 'nope': see content/topics.yaml for the ids"]
    ok = subprocess.run([sys.executable, "-c", code, "quiz", "-n", "2", "--seed", "1",
                         "--json"], capture_output=True, text=True, env=env,
                        stdin=subprocess.DEVNULL)
    assert ok.returncode == 0, ok.stderr
    assert len(json.loads(ok.stdout)["questions"]) == 2


def test_exam_submit_shows_the_review_screen_and_can_be_cancelled(bank):
    listing = json.loads(run("exam", "--seed", "13", "-n", "3", "--json").stdout)["questions"]
    result = run("exam", "--resume", input=f"{right_reply(bank, listing[0])}\nsubmit\nn\nquit\n")
    assert result.exit_code == 0, result.output
    assert "Unanswered: [2, 3]" in result.stdout and "Submit anyway?" in result.stdout
    assert "Estimated scaled score" not in result.stdout
    resumed = json.loads(run("exam", "--resume", "--json").stdout)
    assert resumed["questions"] == listing
