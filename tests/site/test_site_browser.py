"""The built site in a real headless Chromium, with nothing allowed off this machine.

Builds the site once, serves it with ``python -m http.server`` on 127.0.0.1, and drives
Debian's Chromium through Playwright. Every request goes through ``page.route``: anything
not for the local server is aborted and recorded, and the test fails if there was any.
Screenshots of each step (and of a failure) go to ``test-artifacts/site/``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin

import pytest

from tests.site.browser import (
    CHOICE,
    REPO,
    Steps,
    _assert_every_option_explained,
    _draw_until,
    _options_answer,
    _pick,
    _start,
)

pytestmark = pytest.mark.browser


def test_learner_journey_offline(browser_page: tuple[Any, list[str]], server: str,
                                 quiz_data: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    page, blocked, steps, by_id = _start(browser_page, quiz_data, "journey")

    with steps.step("home"):
        page.goto(server)
        expect(page.locator("h1")).to_have_text(re.compile(r"^ComputeLab"))
        expect(page.locator(".md-tabs")).to_be_visible()

    with steps.step("lesson-via-nav"):
        page.locator(".md-tabs__link", has_text="Containers").click()
        expect(page).to_have_url(re.compile(r"/containers/ecs/$"))
        expect(page.locator("h1")).to_have_text(re.compile(r"^Amazon ECS"))

    with steps.step("mermaid"):
        diagram = page.locator("div.mermaid svg").first
        diagram.scroll_into_view_if_needed()
        expect(diagram).to_be_visible()
        box = diagram.bounding_box()
        assert box and box["height"] > 50 and box["width"] > 50

    with steps.step("quiz-rendered"):
        quiz = page.locator('.cl-quiz[data-topic="ecs"]')
        quiz.scroll_into_view_if_needed()
        expect(quiz).to_have_attribute("data-cl-ready", "true")
        expect(quiz.locator(".cl-question")).to_have_count(3)
        question = _draw_until(quiz, CHOICE)
        q = by_id[question.get_attribute("data-qid")]
        question.scroll_into_view_if_needed()
        expect(question.locator(".cl-meta")).to_be_hidden()
        assert q["id"] not in question.inner_text() and q["topic"] not in question.inner_text()

    with steps.step("quiz-wrong-explains-every-option"):
        wrong = _options_answer(q, right=False)
        _pick(question, wrong)
        question.locator(".cl-submit").click()
        feedback = question.locator(".cl-feedback")
        expect(feedback).to_have_attribute("data-correct", "false")
        expect(feedback.locator(".cl-verdict")).to_have_text("Not quite.")
        _assert_every_option_explained(question, q, chosen=wrong)
        expect(feedback.locator(".cl-explanation")).to_have_text(q["explanation"])
        expect(feedback.locator(".cl-meta")).to_contain_text(q["id"])
        expect(question.locator(".cl-submit")).to_be_disabled()
        expect(question.locator("input").first).to_be_disabled()

    with steps.step("quiz-right"):
        quiz.locator(".cl-new").click()
        question = _draw_until(quiz, CHOICE)
        q = by_id[question.get_attribute("data-qid")]
        right = _options_answer(q, right=True)
        _pick(question, right)
        question.locator(".cl-submit").click()
        expect(question.locator(".cl-feedback")).to_have_attribute("data-correct", "true")
        expect(question.locator(".cl-verdict")).to_have_text("Correct!")
        expect(question).to_have_attribute("data-state", "correct")
        _assert_every_option_explained(question, q, chosen=right)

    with steps.step("lab-page"):
        page.locator(".md-tabs__link", has_text="Labs").click()
        expect(page).to_have_url(re.compile(r"/labs/$"))
        page.locator("article table a").first.click()
        expect(page).to_have_url(re.compile(r"/labs/\d{2}-[a-z0-9-]+/$"))
        expect(page.locator("h1")).to_contain_text(re.compile(r"^Lab \d{2}: "))
        expect(page.locator("article")).to_contain_text("computelab start")
        download = page.locator("a[download]")
        if download.count():
            href = download.get_attribute("href")
            response = page.request.get(urljoin(page.url, href))
            assert response.ok and response.json()["cells"]

    with steps.step("search"):
        page.locator(".md-search__input").click()
        page.locator(".md-search__input").press_sequentially("Fargate", delay=20)
        result = page.locator(".md-search-result__item").first
        expect(result).to_be_visible()
        expect(result).to_contain_text("Fargate")

    assert blocked == [], f"requests left the machine: {blocked}"


def test_choose_n_and_dont_know_on_a_lesson_quiz(browser_page: tuple[Any, list[str]],
                                                 server: str,
                                                 quiz_data: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    page, blocked, steps, by_id = _start(browser_page, quiz_data, "choose-n")

    with steps.step("one-answer-of-two-is-refused"):
        page.goto(server + "containers/ecs/")
        quiz = page.locator('.cl-quiz[data-topic="ecs"]')
        expect(quiz).to_have_attribute("data-cl-ready", "true")
        question = _draw_until(quiz, '.cl-question[data-type="multiple"]')
        q = by_id[question.get_attribute("data-qid")]
        question.scroll_into_view_if_needed()
        right = _options_answer(q, right=True)
        _pick(question, right[:1])
        question.locator(".cl-submit").click()
        feedback = question.locator(".cl-feedback")
        expect(feedback).to_have_attribute("data-correct", "incomplete")
        expect(feedback.locator(".cl-verdict")).to_have_text(
            f"Choose exactly {q['choose']} answers (you chose 1).")
        expect(question).to_have_attribute("data-state", "unanswered")
        expect(question.locator(".cl-explained")).to_be_hidden()

    with steps.step("the-right-count-is-graded"):
        _pick(question, right)
        question.locator(".cl-submit").click()
        expect(feedback).to_have_attribute("data-correct", "true")
        _assert_every_option_explained(question, q, chosen=right)

    with steps.step("dont-know"):
        qid = quiz.locator('.cl-question[data-state="unanswered"]').first.get_attribute("data-qid")
        other = quiz.locator(f'.cl-question[data-qid="{qid}"]')
        oq = by_id[qid]
        other.locator(".cl-dont-know").click()
        expect(other).to_have_attribute("data-state", "dont-know")
        expect(other.locator(".cl-verdict")).to_contain_text("counted as a miss")
        if "options" in oq:
            _assert_every_option_explained(other, oq, chosen=[])
        expect(other.locator(".cl-meta")).to_contain_text(oq["id"])

    assert blocked == [], f"requests left the machine: {blocked}"


def test_ordering_is_one_step_per_position_as_in_the_terminal(
        browser_page: tuple[Any, list[str]], server: str) -> None:
    from playwright.sync_api import expect

    page, blocked = browser_page
    steps = Steps(page, "ordering")
    with steps.step("answer-by-position"):
        page.goto(server + "exam/")
        page.locator(".tabbed-labels label", has_text="Practice by topic").click()
        practice = page.locator(".cl-practice")
        expect(practice).to_have_attribute("data-cl-ready", "true")
        practice.locator(".cl-practice-filter").select_option("topic:batch")
        practice.locator(".cl-practice-count").select_option("0")
        practice.locator(".cl-start").click()
        question = practice.locator('.cl-question[data-type="ordering"]').first
        question.scroll_into_view_if_needed()
        rows = question.locator(".cl-step")
        count = rows.count()
        assert count >= 2
        for position in range(count):
            row = question.locator(f'.cl-step[data-position="{position}"]')
            expect(row.locator(".cl-position")).to_have_text(f"Position {position + 1}")
            row.locator("select").select_option(str(position))   # the right step's index
        question.locator(".cl-submit").click()
        expect(question).to_have_attribute("data-state", "correct")
        expect(question.locator('.cl-step[data-correct="true"]')).to_have_count(count)

    assert blocked == [], f"requests left the machine: {blocked}"


def test_exam_is_compute_only_with_no_hints_and_an_honest_report(
        browser_page: tuple[Any, list[str]], server: str, quiz_data: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    from grader.quiz.readiness import describe, estimate

    page, blocked, steps, by_id = _start(browser_page, quiz_data, "exam")

    with steps.step("start"):
        page.goto(server + "exam/")
        exam = page.locator(".cl-exam")
        expect(exam).to_have_attribute("data-cl-ready", "true")
        expect(exam.locator(".cl-exam-submit")).to_be_hidden()
        exam.locator(".cl-exam-choice").select_option("saa-c03")
        exam.locator(".cl-exam-size").select_option("10")
        expect(exam.locator(".cl-intro").first).to_contain_text("compute part only")
        expect(exam.locator(".cl-intro").first).to_contain_text("about 20 minutes")
        expect(exam.locator(".cl-scope")).to_contain_text("Compute questions only")
        exam.locator(".cl-start").click()
        expect(exam.locator(".cl-question")).to_have_count(10)

    with steps.step("no-hints-while-answering"):
        paper = exam.locator(".cl-set").inner_text()
        for question in exam.locator(".cl-question").all():
            q = by_id[question.get_attribute("data-qid")]
            assert q["id"] not in paper
            expect(question.locator(".cl-meta")).to_be_hidden()
            expect(question.locator(".cl-feedback")).to_be_hidden()

    with steps.step("wrong-count-is-not-submitted"):
        questions = exam.locator(".cl-question").all()
        for question in questions:
            q = by_id[question.get_attribute("data-qid")]
            assert q["type"] in ("single", "multiple") and "saa-c03" in q["domains"]
            _pick(question, _options_answer(q, right=True))
        multi = exam.locator('.cl-question[data-type="multiple"]')
        if multi.count():
            first = multi.first
            q = by_id[first.get_attribute("data-qid")]
            _pick(first, _options_answer(q, right=True)[:1])
            exam.locator(".cl-exam-submit").click()
            expect(exam.locator(".cl-exam-problems")).to_contain_text("Not submitted")
            expect(exam.locator(".cl-exam-problems")).to_contain_text(
                f"Choose exactly {q['choose']} answers (you chose 1).")
            expect(exam.locator(".cl-report")).to_be_hidden()
            _pick(first, _options_answer(q, right=True))

    with steps.step("report"):
        exam.locator(".cl-exam-submit").click()
        report = exam.locator(".cl-report")
        expect(report).to_be_visible()
        expect(exam.locator(".cl-exam-problems")).to_be_hidden()
        expect(report.locator(".cl-label")).to_contain_text("compute part only")
        expect(report.locator(".cl-score")).to_have_text(
            f"10 of 10 compute questions right (100%): readiness range"
            f" {describe(estimate(10, 10))}.")
        text = report.inner_text().lower()
        assert "not a pass/fail prediction" in text
        assert "estimated scaled" not in text and "a pass." not in text
        tally: dict[str, int] = {}
        for question in questions:
            domain = by_id[question.get_attribute("data-qid")]["domains"]["saa-c03"]
            tally[domain] = tally.get(domain, 0) + 1
        for domain, n in tally.items():
            expect(report.locator(f'tr[data-domain="{domain}"] .cl-range')).to_have_text(
                describe(estimate(n, n)))
        expect(exam.locator('.cl-feedback[data-correct="true"]')).to_have_count(10)
        for question in questions:
            q = by_id[question.get_attribute("data-qid")]
            expect(question.locator(".cl-meta")).to_contain_text(q["id"])
            _assert_every_option_explained(question, q, chosen=_options_answer(q, right=True))

    assert blocked == [], f"requests left the machine: {blocked}"


def test_mock_exam_form_is_the_cli_form_and_review_shows_read_more(
        browser_page: tuple[Any, list[str]], server: str, quiz_data: dict[str, Any]) -> None:
    """A fixed form on the site is `computelab exam --form 1`; after submitting, each
    question links its lesson section and the AWS pages it was checked against."""
    from playwright.sync_api import expect

    from grader.quiz import bank, forms

    page, blocked, steps, by_id = _start(browser_page, quiz_data, "exam-form")
    page.on("dialog", lambda dialog: dialog.accept())   # "not answered ... submit anyway?"
    real = bank.load_bank(REPO / "content")
    expected = [q.id for q in forms.form(real, real.catalog.exams["saa-c03"], 1)]
    assert quiz_data["exams"]["saa-c03"]["forms"][0] == expected

    with steps.step("form-1"):
        page.goto(server + "exam/")
        exam = page.locator(".cl-exam")
        expect(exam).to_have_attribute("data-cl-ready", "true")
        exam.locator(".cl-exam-choice").select_option("saa-c03")
        exam.locator(".cl-exam-form").select_option("1")
        expect(exam.locator(".cl-exam-size")).to_be_disabled()
        exam.locator(".cl-start").click()
        questions = exam.locator(".cl-question")
        expect(questions).to_have_count(len(expected))
        assert [q.get_attribute("data-qid") for q in questions.all()] == expected

    with steps.step("read-more-after-submit"):
        exam.locator(".cl-exam-submit").click()
        expect(exam.locator(".cl-report")).to_be_visible()
        sourced = [qid for qid in expected if by_id[qid].get("lesson")]
        assert sourced, "form 1 should hold sourced questions"
        for qid in sourced[:5]:
            q = by_id[qid]
            more = exam.locator(f'.cl-question[data-qid="{qid}"] .cl-readmore')
            expect(more).to_be_visible()
            page_path, anchor = q["lesson"].split("#")
            expect(more.locator(".cl-lesson-link")).to_have_attribute(
                "href", server + page_path.removesuffix(".md") + "/#" + anchor)
            expect(more.locator(".cl-source-link")).to_have_count(len(q["source"]))
            expect(more).to_contain_text(q["verified"])

    assert blocked == [], f"requests left the machine: {blocked}"
