"""The site's quizzes and exam in a real Chromium: answers kept in the browser and merged by
`computelab quiz import`, the exam's clock, flags, resume and report, and accessibility
(axe-core through axe-playwright-python, in the light and the dark theme; keyboard only).

Every wait is on a condition (Playwright's ``expect``), never a fixed time.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.site.browser import Steps, _options_answer, _pick, open_page

pytestmark = pytest.mark.browser
EXAM_KEY = "computelab.exam.v1"


def _exam_page(page: Any, server: str, size: str = "10") -> Any:
    from playwright.sync_api import expect

    page.goto(server + "exam/")
    # Material remembers the last tab chosen (content.tabs.link): choose the exam's
    page.locator(".tabbed-labels label", has_text="Exam set").click()
    exam = page.locator(".cl-exam")
    expect(exam).to_have_attribute("data-cl-ready", "true")
    exam.locator(".cl-exam-choice").select_option("clf-c02")
    exam.locator(".cl-exam-size").select_option(size)
    exam.locator(".cl-start").click()
    expect(exam.locator(".cl-question")).to_have_count(int(size))
    return exam


def _shown_options(question: Any) -> list[str]:
    return [o.get_attribute("data-option") for o in question.locator(".cl-option").all()]


def test_exam_clock_flags_resume_and_a_visible_report(browser_page: tuple[Any, list[str]],
                                                      server: str,
                                                      quiz_data: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    from grader.quiz.readiness import describe, estimate

    page, blocked = browser_page
    steps = Steps(page, "exam-resume")
    by_id = {q["id"]: q for q in quiz_data["questions"]}
    page.on("dialog", lambda dialog: dialog.accept())   # "N not answered ... submit anyway?"

    with steps.step("clock-counts-down"):
        exam = _exam_page(page, server)
        timer = exam.locator(".cl-exam-timer")
        expect(timer).to_have_text(re.compile(r"^Time left 1[34]:\d\d$"))   # 14 min for 10
        first_reading = timer.inner_text()
        expect(timer).not_to_have_text(first_reading)                      # it ticks

    with steps.step("flag-and-answer"):
        questions = exam.locator(".cl-question")
        order = [q.get_attribute("data-qid") for q in questions.all()]
        layouts = [_shown_options(q) for q in questions.all()]
        questions.nth(0).locator(".cl-flag").click()
        expect(questions.nth(0).locator(".cl-flag")).to_have_attribute("aria-pressed", "true")
        second = by_id[order[1]]
        _pick(questions.nth(1), _options_answer(second, right=True))
        expect(exam.locator(".cl-exam-status")).to_have_text(
            "Answered 1 of 10 · Unanswered: 1, 3, 4, 5, 6, 7, 8, 9, 10 · Flagged: 1")

    with steps.step("reload-resumes"):
        page.reload()
        exam = page.locator(".cl-exam")
        expect(exam.locator(".cl-exam-resumed")).to_contain_text("Resumed your exam in progress")
        questions = exam.locator(".cl-question")
        expect(questions).to_have_count(10)
        assert [q.get_attribute("data-qid") for q in questions.all()] == order
        assert [_shown_options(q) for q in questions.all()] == layouts
        expect(questions.nth(0)).to_have_attribute("data-flagged", "true")
        for i in _options_answer(second, right=True):
            expect(questions.nth(1).locator(f'.cl-option[data-option="{i}"] input')).to_be_checked()
        expect(exam.locator(".cl-exam-status")).to_contain_text("Answered 1 of 10")

    with steps.step("report-visible-and-as-the-terminal"):
        exam.locator(".cl-exam-submit").click()
        report = exam.locator(".cl-report")
        score = report.locator(".cl-score")
        expect(score).to_have_text(f"1 of 10 compute questions right (10%): readiness range"
                                   f" {describe(estimate(1, 10))}.")
        expect(score).to_be_in_viewport()
        # not hidden under the sticky header: the point in the score's middle is the score
        page.wait_for_function("""() => {
            const s = document.querySelector('.cl-report .cl-score');
            const r = s.getBoundingClientRect();
            return s.contains(document.elementFromPoint(r.left + 4, r.top + r.height / 2));
        }""")
        tally: dict[str, list[int]] = {}
        for n, qid in enumerate(order):
            counts = tally.setdefault(by_id[qid]["domains"]["clf-c02"], [0, 0])
            counts[0] += int(n == 1)
            counts[1] += 1
        for domain, (right, total) in tally.items():
            row = report.locator(f'tr[data-domain="{domain}"]')
            expect(row.locator("td").nth(1)).to_have_text(f"{right}/{total}")
            expect(row.locator(".cl-range")).to_have_text(describe(estimate(right, total)))
        expect(report.locator(".cl-summary")).to_contain_text("1 answered; 1 flagged;")
        expect(exam.locator(".cl-exam-bar")).to_be_hidden()
        assert page.evaluate(f"localStorage.getItem('{EXAM_KEY}')") is None

    assert blocked == [], f"requests left the machine: {blocked}"


@pytest.mark.parametrize("seconds_left", [2, -5])
def test_time_up_submits_the_saved_answers(browser_page: tuple[Any, list[str]],
                                           server: str, seconds_left: int) -> None:
    from playwright.sync_api import expect

    page, blocked = browser_page
    steps = Steps(page, f"exam-time-up{seconds_left}")
    with steps.step("time-runs-out"):
        exam = _exam_page(page, server)
        exam.locator(".cl-question").first.locator("input").first.check()
        # the learner comes back with two seconds left on the clock, or none
        page.evaluate(f"""() => {{
            const s = JSON.parse(localStorage.getItem('{EXAM_KEY}'));
            s.used = s.minutes * 60 - {seconds_left};
            localStorage.setItem('{EXAM_KEY}', JSON.stringify(s));
        }}""")
        page.reload()
        report = page.locator(".cl-exam .cl-report")
        expect(report.locator(".cl-time-up")).to_have_text(
            "Time is up: your answers were submitted.")
        expect(report.locator(".cl-summary")).to_contain_text("1 answered")
        expect(page.locator(".cl-exam .cl-exam-resumed")).to_be_hidden()
    assert page.evaluate(f"localStorage.getItem('{EXAM_KEY}')") is None
    assert blocked == []


def test_site_answers_export_and_merge_with_quiz_import(browser_page: tuple[Any, list[str]],
                                                        server: str, quiz_data: dict[str, Any],
                                                        tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from playwright.sync_api import expect

    from grader.cli import app
    from grader.cli.quiz import register
    from grader.quiz import progress

    page, blocked = browser_page
    steps = Steps(page, "export-import")
    by_id = {q["id"]: q for q in quiz_data["questions"]}
    with steps.step("answer-two"):
        page.goto(server + "containers/ecs/")
        quiz = page.locator('.cl-quiz[data-topic="ecs"]')
        expect(quiz).to_have_attribute("data-cl-ready", "true")
        saved = quiz.locator(".cl-saved")
        expect(saved).to_have_attribute("data-count", "0")
        expect(saved.locator(".cl-export")).to_be_disabled()
        first = quiz.locator(".cl-question").nth(0)
        q = by_id[first.get_attribute("data-qid")]
        if "options" in q:
            _pick(first, _options_answer(q, right=True))
            first.locator(".cl-submit").click()
        else:
            first.locator(".cl-dont-know").click()
        second = quiz.locator(".cl-question").nth(1)
        second.locator(".cl-dont-know").click()
        expect(saved).to_have_attribute("data-count", "2")
        ids = {first.get_attribute("data-qid"), second.get_attribute("data-qid")}
        expect(saved.locator(".cl-saved-count")).to_have_text(
            "2 answers saved in this browser (nothing leaves it).")

    with steps.step("still-there-after-a-reload"):
        page.reload()
        expect(page.locator(".cl-quiz .cl-saved")).to_have_attribute("data-count", "2")

    with steps.step("export-then-import"):
        with page.expect_download() as download:
            page.locator(".cl-quiz .cl-export").click()
        path = tmp_path / download.value.suggested_filename
        download.value.save_as(path)
        assert re.fullmatch(r"computelab-progress-\d{4}-\d\d-\d\d\.json", path.name)
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["format"] == "computelab-progress" and len(data["answers"]) == 2
        monkeypatch.setenv("COMPUTELAB_HOME", str(tmp_path / "home"))
        monkeypatch.delenv("COMPUTELAB_QUIZ_CONTENT", raising=False)
        register(app)
        result = CliRunner().invoke(app, ["quiz", "import", str(path)])
        assert result.exit_code == 0, result.output
        assert "Imported 2 of 2 answers; 2 questions rescheduled" in result.stdout
        assert set(progress.latest_scores()) == ids and set(progress.load_cards()) == ids
    assert blocked == []


# -- accessibility ----------------------------------------------------------------------------

def _axe(page: Any, selector: str, where: str) -> None:
    """No axe-core violation (contrast, names, roles...) inside ``selector``."""
    axe_sync = pytest.importorskip("axe_playwright_python.sync_playwright")
    found = axe_sync.Axe().run(page, context=selector).response["violations"]
    problems = [f"{v['id']}: {n['target']} {n.get('any', [{}])[0].get('message', '')}"
                for v in found for n in v["nodes"]]
    assert not problems, f"{where}:\n" + "\n".join(problems)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_quiz_and_exam_state_passes_axe(server: str, quiz_data: dict[str, Any],
                                              scheme: str) -> None:
    from playwright.sync_api import expect

    by_id = {q["id"]: q for q in quiz_data["questions"]}
    with open_page(server, color_scheme=scheme) as (page, blocked):
        page.on("dialog", lambda dialog: dialog.accept())
        page.goto(server + "containers/ecs/")
        expect(page.locator("body")).to_have_attribute(
            "data-md-color-scheme", "slate" if scheme == "dark" else "default")
        quiz = page.locator('.cl-quiz[data-topic="ecs"]')
        expect(quiz).to_have_attribute("data-cl-ready", "true")
        _axe(page, ".cl-quiz", f"{scheme}: lesson quiz, unanswered")
        questions = quiz.locator(".cl-question")
        for n, right in ((0, True), (1, False)):
            question = questions.nth(n)
            q = by_id[question.get_attribute("data-qid")]
            if "options" not in q:
                question.locator(".cl-dont-know").click()
                continue
            _pick(question, _options_answer(q, right=right))
            question.locator(".cl-submit").click()
        questions.nth(2).locator(".cl-dont-know").click()
        expect(quiz.locator('.cl-question[data-state="unanswered"]')).to_have_count(0)
        _axe(page, ".cl-quiz", f"{scheme}: lesson quiz, right, wrong and don't know")

        page.goto(server + "exam/")
        page.locator(".tabbed-labels label", has_text="Practice by topic").click()
        practice = page.locator(".cl-practice")
        expect(practice).to_have_attribute("data-cl-ready", "true")
        practice.locator(".cl-practice-filter").select_option("topic:batch")
        practice.locator(".cl-practice-count").select_option("0")
        practice.locator(".cl-start").click()
        practice.locator('.cl-question[data-type="ordering"]').first.locator(
            ".cl-dont-know").click()
        practice.locator('.cl-question[data-type="matching"]').first.locator(
            ".cl-dont-know").click()
        _axe(page, ".cl-practice", f"{scheme}: practice with ordering and matching")

        exam = _exam_page(page, server)
        exam.locator(".cl-flag").first.click()
        _axe(page, ".cl-exam", f"{scheme}: exam in progress")
        first = exam.locator(".cl-question").first
        _pick(first, _options_answer(by_id[first.get_attribute("data-qid")], right=True))
        exam.locator(".cl-exam-submit").click()
        expect(exam.locator(".cl-report")).to_be_visible()
        _axe(page, ".cl-exam", f"{scheme}: exam report and review")
        assert blocked == []


def test_keyboard_only_with_named_controls(browser_page: tuple[Any, list[str]],
                                           server: str, quiz_data: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    page, blocked = browser_page
    page.goto(server + "containers/ecs/")
    quiz = page.locator('.cl-quiz[data-topic="ecs"]')
    expect(quiz).to_have_attribute("data-cl-ready", "true")
    question = quiz.locator('.cl-question[data-type="single"]').first
    expect(question).to_be_attached()
    stem = question.locator(".cl-stem").inner_text()
    # screen readers hear the options as a group named by the question
    group = page.get_by_role("radiogroup", name=stem)
    expect(group).to_have_count(1)
    group.get_by_role("radio").first.focus()
    page.keyboard.press("Space")                      # choose the focused option
    expect(group.get_by_role("radio").first).to_be_checked()
    page.keyboard.press("Tab")                        # the group is one tab stop
    expect(question.locator(".cl-submit")).to_be_focused()
    page.keyboard.press("Enter")
    expect(question.locator(".cl-feedback")).to_have_attribute("role", "status")
    expect(question.locator(".cl-verdict")).to_have_text(re.compile(r"^(Correct!|Not quite\.)$"))

    exam = _exam_page(page, server)
    flag = exam.locator(".cl-question").first.get_by_role("button", name="Flag for review")
    flag.focus()
    page.keyboard.press("Space")
    expect(exam.locator(".cl-question").first.locator(".cl-flag")).to_have_attribute(
        "aria-pressed", "true")
    expect(page.get_by_role("timer")).to_contain_text("Time left")
    assert blocked == []
