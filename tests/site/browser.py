"""What the browser tests of the built site share: one `mkdocs build --strict` per module,
a loopback server, Debian's Chromium through Playwright with every request that would
leave the machine aborted and recorded, and numbered screenshots of each step.

The fixtures are in ``conftest.py`` beside this file; the helpers here.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts" / "site"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
# Material renders Mermaid into a closed shadow root; open it so the test can see the svg.
OPEN_SHADOW_ROOTS = """
const attach = Element.prototype.attachShadow;
Element.prototype.attachShadow = function (init) {
  return attach.call(this, {...init, mode: "open"});
};
"""
TIMEOUT_MS = 15_000



def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def open_page(server: str, color_scheme: str = "light") -> Iterator[tuple[Any, list[str]]]:
    """A fresh Chromium page (light or dark theme) and the log of blocked requests."""
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium;"
                    " .ci/run installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    blocked: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900},
                                          service_workers="block", color_scheme=color_scheme)
            context.add_init_script(OPEN_SHADOW_ROOTS)
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)

            def route(r: Any) -> None:
                request_url = r.request.url
                if request_url.startswith((server, "data:", "blob:")):
                    r.continue_()
                else:
                    blocked.append(request_url)
                    r.abort()

            page.route("**/*", route)
            yield page, blocked
        finally:
            browser.close()


class Steps:
    """Numbered screenshots of each step; a failure screenshot names the step it was in."""

    def __init__(self, page: Any, prefix: str) -> None:
        self.page, self.prefix, self.n = page, prefix, 0
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        self.n += 1
        label = f"{self.prefix}-{self.n:02d}-{name}"
        try:
            yield
        except BaseException:
            self.page.screenshot(path=str(ARTIFACTS / f"{label}-FAILED.png"), full_page=True)
            raise
        self.page.screenshot(path=str(ARTIFACTS / f"{label}.png"))


def _start(browser_page: tuple[Any, list[str]], quiz_data: dict[str, Any],
           name: str) -> tuple[Any, list[str], Steps, dict[str, dict[str, Any]]]:
    """The page, its blocked-request log, numbered screenshots and the questions by id."""
    page, blocked = browser_page
    return page, blocked, Steps(page, name), {q["id"]: q for q in quiz_data["questions"]}


def _options_answer(q: dict[str, Any], right: bool) -> list[int]:
    """Indexes to pick for a single/true_false/multiple question, right or wrong."""
    correct = [i for i, o in enumerate(q["options"]) if o["correct"]]
    wrong = [i for i, o in enumerate(q["options"]) if not o["correct"]]
    if right:
        return correct
    if q["type"] == "multiple":
        return correct[:-1] + wrong[:1]
    return wrong[:1]


CHOICE = '.cl-question[data-type="single"], .cl-question[data-type="true_false"]'


def _draw_until(quiz: Any, selector: str) -> Any:
    """Draw new questions until one matching ``selector`` is among them."""
    for _ in range(30):
        if quiz.locator(selector).count():
            return quiz.locator(selector).first
        quiz.locator(".cl-new").click()
    raise AssertionError(f"no {selector} drawn in 30 tries")


def _assert_every_option_explained(question: Any, q: dict[str, Any], chosen: list[int]) -> None:
    """Every option listed once with its why, the chosen ones first."""
    from playwright.sync_api import expect

    items = question.locator(".cl-explained li.cl-explain")
    expect(items).to_have_count(len(q["options"]))
    listed = [int(i.get_attribute("data-option")) for i in items.all()]
    assert sorted(listed) == list(range(len(q["options"])))
    assert set(listed[: len(chosen)]) == set(chosen)
    for item in items.all():
        option = q["options"][int(item.get_attribute("data-option"))]
        expect(item.locator(".cl-why")).to_have_text(option["why"])
        expect(item).to_have_attribute("data-correct", str(option["correct"]).lower())


def _pick(question: Any, indexes: list[int]) -> None:
    checked = question.locator("input[type=checkbox]:checked")
    while checked.count():
        checked.first.uncheck()
    for i in indexes:
        question.locator(f'.cl-option[data-option="{i}"]').click()


