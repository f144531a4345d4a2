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


def listed_question(bank, listed: dict):
    """The bank question behind a listing (exam listings carry no id: found by stem)."""
    if "id" in listed:
        return bank.get(listed["id"])
    return next(q for q in bank.questions if q.stem == listed["stem"])


def right_reply(bank, listed: dict) -> str:
    """The correct reply to a question as the CLI listed it (letters follow the shuffle)."""
    q = listed_question(bank, listed)
    if q.type == "matching":
        letter = {m["text"]: m["letter"] for m in listed["matches"]}
        return "".join(letter[p.match] for p in q.pairs)
    if q.type == "ordering":
        number = {s["text"]: s["number"] for s in listed["steps"]}
        return "-".join(str(number[s.text]) for s in q.steps)
    right = {o.text for o in q.options if o.correct}
    return ",".join(o["letter"] for o in listed["options"] if o["text"] in right)


def wrong_reply(bank, listed: dict) -> str:
    """A wrong reply with the right number of letters."""
    q = listed_question(bank, listed)
    right = {o.text for o in q.options if o.correct}
    wrong = [o["letter"] for o in listed["options"] if o["text"] not in right]
    return ",".join(wrong[: q.choose or 1])


def one_letter_short(bank, listed: dict) -> str:
    return right_reply(bank, listed).split(",")[0]


def assert_one_line_error(result, text: str):
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and text in lines[0], lines
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", [["quiz"], ["quiz", "export"], ["quiz", "validate"],
                                     ["quiz", "stale"], ["quiz", "forms"], ["quiz", "import"],
                                     ["exam"],
                                     ["progress"]])
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
    half = f"{one_letter_short(bank, multi)},{wrong_reply(bank, multi)[0]}"
    result = run("quiz", "--topic", "alpha", "--seed", "1",
                 "--answers", f"{multi['position']}:{half}")
    assert result.exit_code == 0, result.output
    assert "Partly right" in result.stdout and "50% of the marks" in result.stdout
    assert "Score: 0.5 / 1" in result.stdout


def test_feedback_explains_every_option_chosen_first(bank):
    listing = json.loads(run("quiz", "--topic", "alpha", "--seed", "1", "--json").stdout)
    single = next(q for q in listing["questions"] if q["id"] == "fx-single-1")
    wrong = wrong_reply(bank, single)
    result = run("quiz", "--topic", "alpha", "--seed", "1", "--answers",
                 f"{single['position']}:{wrong}", "--json")
    feedback = json.loads(result.stdout)["results"][0]["feedback"]
    assert [f["letter"] for f in feedback][0] == wrong and feedback[0]["chosen"]
    assert sorted(f["letter"] for f in feedback) == ["a", "b", "c", "d"]
    q = bank.get("fx-single-1")
    assert {f["why"] for f in feedback} == {o.why for o in q.options}
    human = run("quiz", "--topic", "alpha", "--seed", "1", "--answers",
                f"{single['position']}:{wrong}").stdout
    for o in q.options:
        assert o.why in human
    assert human.index("You chose (wrong)") < human.index("Not chosen (right)")


def test_practice_shows_no_topic_or_id_until_answered(bank):
    listing = json.loads(run("quiz", "--topic", "alpha", "-n", "1", "--seed", "4",
                             "--json").stdout)["questions"]
    q = bank.get(listing[0]["id"])
    result = run("quiz", "--topic", "alpha", "-n", "1", "--seed", "4",
                 input=f"{right_reply(bank, listing[0])}\n")
    before, _sep, after = result.stdout.partition("Correct")
    assert q.id not in before and "alpha ·" not in before
    assert q.id in after and q.difficulty in after


def multi_listing(mode: str) -> tuple[list[str], list[dict], dict]:
    """A practice round or an exam (left open) with a "choose 2" question in it."""
    base = ["quiz", "--topic", "alpha", "--seed", "1"] if mode == "quiz" else \
        ["exam", "--seed", "21"]
    listing = json.loads(run(*base, "--json").stdout)["questions"]
    return base, listing, next(q for q in listing if q["type"] == "multiple")


@pytest.mark.parametrize("mode", ["quiz", "exam"])
def test_choose_n_scripted_refuses_a_wrong_count_and_stores_nothing(bank, mode):
    base, listing, multi = multi_listing(mode)
    others = [q for q in listing if q is not multi]
    answers = ";".join([f"{q['position']}:{right_reply(bank, q)}" for q in others]
                       + [f"{multi['position']}:{one_letter_short(bank, multi)}"])
    args = [*base, "--answers", answers] if mode == "quiz" else \
        ["exam", "--resume", "--answers", answers]
    result = run(*args)
    assert_one_line_error(result, f"question {multi['position']}: choose exactly 2 answers"
                                  " (you chose 1)")
    assert progress.attempt_count() == 0
    if mode == "exam":
        assert "nothing was stored" in result.stderr
        resumed = json.loads(run("exam", "--resume", "--json").stdout)
        assert resumed["questions"] == listing
        record = progress.load_exam(progress.latest_open_exam())
        assert record.answers == {}


@pytest.mark.parametrize("mode", ["quiz", "exam"])
def test_choose_n_interactive_asks_again(bank, mode):
    base, listing, multi = multi_listing(mode)
    goto = f"goto {multi['position']}\n" if mode == "exam" else \
        "".join(f"{wrong_reply(bank, q)}\n" for q in listing[: multi["position"] - 1])
    script = f"{goto}{one_letter_short(bank, multi)}\n{right_reply(bank, multi)}\nquit\n"
    args = base if mode == "quiz" else ["exam", "--resume"]
    result = run(*args, input=script)
    assert result.exit_code == 0, result.output
    assert "choose exactly 2 answers (you chose 1) — answer again." in result.stdout
    if mode == "exam":
        record = progress.load_exam(progress.latest_open_exam())
        assert list(record.answers) == [multi["position"]]


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
    (["--topic", "nope"], "unknown topic 'nope': choose one of alpha, beta"),
    (["--comparison", "x-vs-y"],
     "unknown comparison 'x-vs-y': choose one of alpha-vs-beta, beta-choice"),
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
    assert "answer again" in result.stdout
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
    assert listing["label"].endswith("compute part only")
    assert all(q["type"] in ("single", "multiple") for q in listing["questions"])
    replies = [right_reply(bank, q) for q in listing["questions"]]
    replies[0] = wrong_reply(bank, listing["questions"][0])
    answers = ";".join(f"{i}:{r}" for i, r in enumerate(replies, start=1))
    result = run("exam", "--resume", "--answers", answers, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["session"] == listing["session"]
    assert (report["correct"], report["questions"]) == (3, 4)
    assert 0 < report["low"] < 0.75 < report["high"] <= 1
    assert "not a pass/fail prediction" in report["note"]
    assert "passed_estimate" not in report and "scaled_estimate" not in report
    assert {d["id"] for d in report["domains"]} == {"cloud-concepts", "security", "technology",
                                                    "billing"}
    assert report["items"][0]["correct"] is False
    assert all(i["topic"] and i["difficulty"] and i["id"] for i in report["items"])


def test_exam_listing_gives_no_hints():
    listing = json.loads(run("exam", "--seed", "21", "--json").stdout)
    for q in listing["questions"]:
        assert not {"id", "topic", "difficulty"} & set(q)
    text = run("exam", "--resume", input="quit\n").stdout
    assert "fx-" not in text and "alpha ·" not in text and "easy" not in text
    assert "compute part only" in text and "Compute questions only" in text


def test_exam_minutes_scale_with_n():
    assert json.loads(run("exam", "-n", "2", "--seed", "1", "--json").stdout)["minutes"] == 5
    assert json.loads(run("exam", "--exam", "saa-c03", "-n", "2", "--seed", "1",
                          "--json").stdout)["minutes"] == 10
    assert json.loads(run("exam", "-n", "2", "--minutes", "3", "--seed", "1",
                          "--json").stdout)["minutes"] == 3


def test_exam_out_of_range_answer_stores_nothing(bank):
    listing = json.loads(run("exam", "--exam", "saa-c03", "--seed", "3", "-n", "3",
                             "--json").stdout)
    first = right_reply(bank, listing["questions"][0])
    bad = run("exam", "--resume", "--answers", f"1:{first};2:z")
    assert_one_line_error(bad, "question 2: 'z' is not one of")
    assert "nothing was stored" in bad.stderr and "still open" in bad.stderr
    assert progress.load_exam(listing["session"]).answers == {}
    rest = ";".join(f"{i}:{right_reply(bank, q)}"
                    for i, q in enumerate(listing["questions"], start=1))
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
    assert "answer again" in result.stdout
    assert "Unanswered: [2, 3] · Flagged: [2]" in result.stdout
    assert "continue with `computelab exam --resume`" in result.stdout
    second = right_reply(bank, listing[1])
    result = run("exam", "--resume", input=f"{second}\n?\nsubmit\ny\n")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "2/3 compute questions right (67%): readiness range" in out
    assert "1 \"I don't know\"" in out and "your answer: I don't know" in out
    assert "PASS" not in out and "FAIL" not in out and "Estimated scaled" not in out
    assert "compute part only" in out and "not a pass/fail prediction" in out
    for shown in listing:
        q = listed_question(bank, shown)
        assert q.id in out and q.explanation[:40] in out
        for o in q.options:
            assert o.why[:40] in out.replace("\n", " ")


def spend_the_whole_limit(session_id: str) -> None:
    """As if the learner had used all of the exam's minute before quitting."""
    progress.save_exam_time(session_id, 61.0)


def test_exam_time_up_submits_without_try_again(bank):
    listing = json.loads(run("exam", "--seed", "13", "-n", "3", "--minutes", "1",
                             "--json").stdout)
    spend_the_whole_limit(listing["session"])
    result = run("exam", "--resume", input=f"{right_reply(bank, listing['questions'][0])}\n")
    assert result.exit_code == 0, result.output
    assert "Time is up" in result.stdout and "submitted" in result.stdout
    assert "try again" not in result.stdout.lower()
    assert "0/3 compute questions right" in result.stdout
    assert progress.latest_open_exam() is None


def test_exam_time_up_scripted_stores_nothing_and_submits(bank):
    listing = json.loads(run("exam", "--seed", "13", "-n", "3", "--minutes", "1",
                             "--json").stdout)
    spend_the_whole_limit(listing["session"])
    answers = ";".join(f"{i}:{right_reply(bank, q)}"
                       for i, q in enumerate(listing["questions"], start=1))
    result = run("exam", "--resume", "--answers", answers, "--json")
    assert result.exit_code == 0, result.output
    assert "Time is up" in result.stderr and "try again" not in result.stderr.lower()
    assert json.loads(result.stdout)["answered"] == 0


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
        "Error: unknown topic 'nope': choose one of alpha, beta"]
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
    assert "readiness range" not in result.stdout
    resumed = json.loads(run("exam", "--resume", "--json").stdout)
    assert resumed["questions"] == listing


def test_practice_dont_know_reveals_the_answer_and_counts_as_a_miss(bank):
    listing = json.loads(run("quiz", "--topic", "alpha", "-n", "1", "--seed", "4",
                             "--json").stdout)["questions"]
    result = run("quiz", "--topic", "alpha", "-n", "1", "--seed", "4", input="?\n")
    assert result.exit_code == 0, result.output
    assert "You said you don't know" in result.stdout and "counted as a miss" in result.stdout
    assert f"Right answer: {right_reply(bank, listing[0])}" in result.stdout
    assert "Score: 0 / 1" in result.stdout
    assert progress.latest_scores() == {listing[0]["id"]: 0.0}


def test_progress_lists_exams_as_compute_part_with_a_range(bank):
    listing = json.loads(run("exam", "--seed", "21", "--json").stdout)["questions"]
    answers = ";".join(f"{i}:{right_reply(bank, q)}" for i, q in enumerate(listing, start=1))
    assert run("exam", "--resume", "--answers", answers, "--json").exit_code == 0
    out = run("progress").stdout
    assert "Exam CLF-C02 (compute part)" in out and "4/4 compute questions right" in out
    assert "readiness range 60%-100%" in out
    assert "pass" not in out.lower().replace("passed", "")


# -- provenance, stale, validate, forms ----------------------------------------------------

def test_feedback_ends_with_read_more_lesson_and_sources(bank):
    listing = json.loads(run("quiz", "--topic", "alpha", "--seed", "1", "--json").stdout)
    single = next(q for q in listing["questions"] if q["id"] == "fx-single-1")
    reply = f"{single['position']}:{right_reply(bank, single)}"
    human = run("quiz", "--topic", "alpha", "--seed", "1", "--answers", reply).stdout
    q = bank.get("fx-single-1")
    assert "Read more (checked 2026-12-05):" in human
    assert f"Lesson: {q.lesson}" in human and q.sources[0] in human
    assert human.index(q.explanation) < human.index("Read more")
    data = json.loads(run("quiz", "--topic", "alpha", "--seed", "1", "--answers", reply,
                          "--json").stdout)
    assert data["results"][0]["read_more"] == {"lesson": q.lesson, "source": list(q.sources),
                                               "verified": "2026-12-05"}


def test_exam_review_shows_read_more(bank):
    listing = json.loads(run("exam", "--seed", "21", "--json").stdout)
    answers = ";".join(f"{i}:{right_reply(bank, q)}"
                       for i, q in enumerate(listing["questions"], start=1))
    human = run("exam", "--resume", "--answers", answers).stdout
    assert human.count("Read more") == len(listing["questions"])


def _content_copy(tmp_path: Path, old: str, new: str) -> Path:
    """The fixture content with one change in alpha.yaml (its first occurrence)."""
    content = tmp_path / "content"
    (content / "quizzes").mkdir(parents=True)
    (content / "topics.yaml").write_text((FIXTURES / "topics.yaml").read_text())
    (content / "quizzes" / "beta.yaml").write_text((FIXTURES / "quizzes" / "beta.yaml").read_text())
    text = (FIXTURES / "quizzes" / "alpha.yaml").read_text()
    (content / "quizzes" / "alpha.yaml").write_text(text.replace(old, new, 1))
    return content


def test_stale_lists_questions_older_than_the_given_days(tmp_path, monkeypatch):
    assert "No question was last checked more than" in run("quiz", "stale").stdout
    content = _content_copy(tmp_path, "verified: 2026-12-05", "verified: 2024-01-01")
    monkeypatch.setenv("COMPUTELAB_QUIZ_CONTENT", str(content))
    listed = json.loads(run("quiz", "stale", "--json").stdout)
    assert [i["id"] for i in listed] == ["fx-single-1"]
    assert listed[0]["verified"] == "2024-01-01" and listed[0]["source"]
    assert listed[0]["age_days"] > 180
    human = run("quiz", "stale", "--older-than", "90").stdout
    assert "fx-single-1  checked 2024-01-01" in human and "1 questions to re-check" in human
    error = run("quiz", "stale", "--older-than", "-1")
    assert error.exit_code != 0 and "--older-than must be 0 or more" in error.stderr


def test_validate_passes_the_fixture_banks_and_names_each_problem(tmp_path, monkeypatch):
    ok = run("quiz", "validate")
    assert ok.exit_code == 0 and "all valid" in ok.stdout
    content = _content_copy(tmp_path, "verified: 2026-12-05", "verified: soon")
    alpha = content / "quizzes" / "alpha.yaml"
    alpha.write_text(alpha.read_text().replace("https://docs.aws.amazon.com/ec2",
                                               "https://example.com/ec2", 1))
    monkeypatch.setenv("COMPUTELAB_QUIZ_CONTENT", str(content))
    bad = run("quiz", "validate")
    assert bad.exit_code == 1
    lines = bad.stderr.strip().splitlines()
    assert any("fx-single-1" in line and "verified must be a date" in line for line in lines)
    assert any("must be https on aws.amazon.com or docs.aws.amazon.com" in line
               for line in lines)
    assert "Traceback" not in bad.output


def test_forms_lists_three_forms_and_their_overlap():
    data = json.loads(run("quiz", "forms", "--exam", "CLF-C02", "--json").stdout)
    assert [f["form"] for f in data["forms"]] == [1, 2, 3]
    assert set(data["overlap"]) == {"1-2", "1-3", "2-3"}
    human = run("quiz", "forms", "--exam", "clf-c02").stdout
    assert "form 3" in human and "Overlap between forms" in human


def test_exam_form_is_fixed_and_repeatable(bank):
    first = json.loads(run("exam", "--form", "2", "--json").stdout)
    again = json.loads(run("exam", "--form", "2", "--json").stdout)
    assert first["session"] != again["session"]
    assert first["questions"] == again["questions"]       # same questions, same layout
    assert first["label"].endswith("compute part only")


@pytest.mark.parametrize("args, text", [
    (["exam", "--form", "4"], "there is no form 4: choose 1-3"),
    (["exam", "--form", "1", "--seed", "3"], "--form is a fixed mock exam"),
    (["exam", "--resume", "--form", "1"], "leave out --minutes, -n, --seed and --form"),
])
def test_exam_form_errors_are_one_line(args, text):
    result = run(*args)
    assert result.exit_code != 0 and text in result.stderr
    assert "Traceback" not in result.output


# -- spaced repetition you can see, exam reviews, Anki, progress files ---------------------

def test_each_answer_says_when_it_comes_back(bank):
    listing = json.loads(run("quiz", "--topic", "alpha", "--seed", "1", "--json").stdout)
    single = next(q for q in listing["questions"] if q["id"] == "fx-single-1")
    right = run("quiz", "--topic", "alpha", "--seed", "1", "--answers",
                f"{single['position']}:{right_reply(bank, single)}")
    assert "Next review in 2 days." in right.stdout, right.stdout
    wrong = run("quiz", "--topic", "alpha", "--seed", "1", "--answers",
                f"{single['position']}:{wrong_reply(bank, single)}", "--json")
    result = json.loads(wrong.stdout)["results"][0]
    assert result["learning"] is True
    due = datetime.fromisoformat(result["next_review"])
    assert 9 * 60 <= (due - datetime.now(UTC)).total_seconds() <= 10 * 60


def test_nothing_due_says_when_the_next_review_is(bank):
    progress.record_answer(grade(bank.get("fx-single-1"), Answer(selected=frozenset({0}))))
    result = run("quiz", "--due")
    assert result.exit_code == 0
    assert "Nothing is due for review right now; the next review is due in 2 days" \
        in result.stdout
    data = json.loads(run("quiz", "--due", "--json").stdout)
    assert data["next_due"] and datetime.fromisoformat(data["next_due"]) > datetime.now(UTC)


def test_progress_shows_the_next_due_time_and_a_14_day_forecast(bank):
    progress.record_answer(grade(bank.get("fx-single-1"), Answer(selected=frozenset({0}))))
    table = run("progress")
    assert "Next review due in 2 days" in table.stdout
    assert "Reviews due, next 14 days" in table.stdout and "today" in table.stdout
    data = json.loads(run("progress", "--json").stdout)
    assert len(data["forecast"]) == 14 and sum(data["forecast"]) == 1
    assert data["next_due"]


def test_an_exam_right_answer_does_not_come_back_in_minutes(bank):
    listing = json.loads(run("exam", "--seed", "21", "--json").stdout)
    answers = ";".join(f"{q['position']}:{right_reply(bank, q)}" for q in listing["questions"])
    run("exam", "--resume", "--answers", answers, "--json")
    soon = datetime.now(UTC).timestamp() + 86400
    assert all(c.due.timestamp() > soon for c in progress.load_cards().values())


def test_exam_review_reopens_past_reports(bank):
    first = json.loads(run("exam", "--seed", "21", "--json").stdout)
    replies = [right_reply(bank, q) for q in first["questions"]]
    replies[1] = wrong_reply(bank, first["questions"][1])
    run("exam", "--resume", "--answers",
        ";".join(f"{i}:{r}" for i, r in enumerate(replies, start=1)))
    second = json.loads(run("exam", "--seed", "22", "-n", "2", "--json").stdout)
    submitted = json.loads(run("exam", "--resume", "--answers", "1:?", "--json").stdout)

    latest = run("exam", "--review")
    assert latest.exit_code == 0, latest.output
    assert second["session"] in latest.stdout.split("Other reports")[0]
    assert "your answer: I don't know" in latest.stdout
    assert f"Other reports: {first['session']}" in latest.stdout
    older = run("exam", "--review", first["session"])
    assert older.exit_code == 0, older.output
    for q in first["questions"]:                 # every question reviewable, stem and whys
        assert " ".join(q["stem"].split()[:4]) in " ".join(older.stdout.split())
    assert older.stdout.count("✘") >= 1 and "Readiness range" in older.stdout
    again = json.loads(run("exam", "--review", second["session"], "--json").stdout)
    assert again == submitted


def test_exam_review_bad_input():
    assert_one_line_error(run("exam", "--review"), "no submitted exam to review yet")
    assert_one_line_error(run("exam", "--review", "nope"), "no exam 'nope'")
    open_exam = json.loads(run("exam", "--seed", "5", "--json").stdout)["session"]
    assert_one_line_error(run("exam", "--review", open_exam), "is not submitted yet")
    assert_one_line_error(run("exam", "--review", "--seed", "3"), "--review reopens")
    assert_one_line_error(run("exam", open_exam), "goes with --review or --resume")


def test_export_anki_needs_out_and_writes_an_apkg(tmp_path):
    assert_one_line_error(run("quiz", "export", "--format", "anki"), "give --out FILE.apkg")
    out = tmp_path / "computelab.apkg"
    result = run("quiz", "export", "--format", "anki", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "Wrote 8 notes in 2 decks" in result.stderr and out.stat().st_size > 0


def _answers_file(path: Path, answers: list[dict]) -> Path:
    path.write_text(json.dumps({"format": "computelab-progress", "version": 1,
                                "answers": answers}), encoding="utf-8")
    return path


def test_import_merges_site_answers_once(bank, tmp_path):
    site = _answers_file(tmp_path / "site.json", [
        {"id": "fx-single-1", "at": "2026-01-05T10:00:00.000Z", "score": 0, "mode": "practice"},
        {"id": "fx-single-1", "at": "2026-01-05T10:10:00.000Z", "score": 1, "mode": "practice"},
        {"id": "fx-multi-1", "at": "2026-01-06T09:00:00.123Z", "score": 0, "mode": "exam",
         "exam": "web-1"},
        {"id": "gone-from-banks", "at": "2026-01-06T09:00:00Z", "score": 1, "mode": "practice"},
    ])
    result = run("quiz", "import", str(site))
    assert result.exit_code == 0, result.output
    assert ("Imported 3 of 4 answers (1 for questions no longer in the banks skipped);"
            " 2 questions rescheduled") in result.stdout
    again = json.loads(run("quiz", "import", str(site), "--json").stdout)
    assert again == {"read": 4, "added": 0, "known": 3, "unknown": 1, "rescheduled": 0}
    assert progress.attempt_count() == 3
    assert progress.latest_scores() == {"fx-single-1": 1.0, "fx-multi-1": 0.0}
    cards = progress.load_cards()
    assert set(cards) == {"fx-single-1", "fx-multi-1"}
    # replayed in time order: a miss, then right 10 minutes later -> out of learning
    assert cards["fx-single-1"].state.name == "Review"
    assert cards["fx-single-1"].due >= datetime(2026, 1, 6, 10, 10, tzinfo=UTC)


def test_progress_export_then_import_moves_progress_between_computers(bank, tmp_path, home,
                                                                      monkeypatch):
    progress.record_answer(grade(bank.get("fx-single-1"), Answer(selected=frozenset({0}))))
    progress.record_answer(grade(bank.get("fx-tf-1"), Answer(selected=frozenset({1}))))
    out = tmp_path / "progress.json"
    result = run("progress", "--export", str(out))
    assert result.exit_code == 0 and "Wrote 2 answers" in result.stderr
    before = progress.load_cards()
    monkeypatch.setenv("COMPUTELAB_HOME", str(tmp_path / "other-computer"))
    assert progress.attempt_count() == 0
    assert "Imported 2 of 2 answers" in run("quiz", "import", str(out)).stdout
    assert progress.latest_scores() == {"fx-single-1": 1.0, "fx-tf-1": 0.0}
    moved = progress.load_cards()
    for qid, card in before.items():
        assert abs((moved[qid].due - card.due).total_seconds()) < 86400 * 0.25
    # and back: the first computer already has every answer (times kept to the millisecond)
    back = tmp_path / "back.json"
    run("progress", "--export", str(back))
    monkeypatch.setenv("COMPUTELAB_HOME", str(home))
    assert "Imported 0 of 2 answers (2 already here skipped)" in run(
        "quiz", "import", str(back)).stdout
    assert progress.attempt_count() == 2


@pytest.mark.parametrize("content, text", [
    ("not json", "is not JSON"),
    ('{"answers": []}', "is not a ComputeLab progress file"),
    ('{"format": "computelab-progress", "version": 9, "answers": []}', "version 9"),
    ('{"format": "computelab-progress", "version": 1, "answers": [{"id": "fx-single-1",'
     ' "at": "yesterday", "score": 1, "mode": "practice"}]}', "'yesterday' is not an ISO"),
    ('{"format": "computelab-progress", "version": 1, "answers": [{"id": "fx-single-1",'
     ' "at": "2026-01-01T00:00:00Z", "score": 2, "mode": "practice"}]}', "'score' must be"),
])
def test_import_bad_files_are_one_line_errors_and_store_nothing(tmp_path, content, text):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    assert_one_line_error(run("quiz", "import", str(path)), text)
    assert_one_line_error(run("quiz", "import", str(tmp_path / "missing.json")),
                          "does not exist")
    assert progress.attempt_count() == 0
