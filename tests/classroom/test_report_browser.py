"""The class report in a real headless Chromium: opened from disk, no server, no network;
the charts render and the numbers on the page are the gradebook's."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from grader.classroom.report import write_report
from tests.classroom.report_class import lab, write_class
from tests.site.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.browser


def test_report_renders_offline_with_the_gradebook_numbers(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    checks = [spec.name for spec in lab().checks()]
    students: dict[str, tuple[dict[str, str], float, Path | None]] = {
        f"s{i:02d}": ({checks[i % len(checks)]: "not done"} if i % 2 else {}, 0.5 * i, None)
        for i in range(20)}
    out = tmp_path / "grades"
    write_class(out, students, missing=("absent",))
    report = write_report(out, lab(), similarity=False)
    book = list(csv.DictReader((out / "gradebook.csv").read_text().splitlines()))
    blocked: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.route("**/*", lambda route: route.continue_()
                       if route.request.url.startswith("file://")
                       else (blocked.append(route.request.url), route.abort()))
            page.goto(report.as_uri())
            page.screenshot(path=str(ARTIFACTS.parent / "report.png"), full_page=True)
            for label in ("score distribution", "pass rate per check"):
                box = page.locator(f"figure[aria-label='{label}'] svg").bounding_box()
                assert box and box["width"] > 200 and box["height"] > 100, label
            assert page.locator("dd[data-key='Students']").inner_text() == str(len(book))
            assert page.locator("dd[data-key='Missing']").inner_text() == "1"
            rows = page.locator("table").first.locator("tbody tr")
            shown = {rows.nth(i).locator("td").first.locator("strong").inner_text():
                     rows.nth(i).locator("td").nth(1).inner_text()
                     for i in range(rows.count())}
            submitted = [r for r in book if r["status"] != "missing"]
            expected = {c: f"{sum(1 for r in submitted if float(r[c]) > 0)} / {len(submitted)}"
                        for c in checks}
            assert shown == expected
        finally:
            browser.close()
    assert blocked == []
