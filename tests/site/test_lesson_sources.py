"""Every lesson shows where its facts come from and when they were last checked.

A lesson ends with a "## Sources" section listing the AWS documentation pages its claims
were checked against, then a "Last checked: YYYY-MM-DD" line. Every link in a lesson goes
to AWS's own documentation (docs.aws.amazon.com or aws.amazon.com): the course teaches
what AWS documents, not what a blog post says.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
CATALOG = yaml.safe_load((REPO / "content" / "topics.yaml").read_text(encoding="utf-8"))
LESSONS = [topic["lesson"] for topic in CATALOG["topics"]]

LINK = re.compile(r"\]\((https?://[^)\s]+)\)|<(https?://[^>\s]+)>")
LAST_CHECKED = re.compile(r"^Last checked: (\d{4}-\d{2}-\d{2})\.?$", re.MULTILINE)


def is_aws_doc(url: str) -> bool:
    """True for an https URL on aws.amazon.com or one of its subdomains (docs., ...)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return parts.scheme == "https" and (host == "aws.amazon.com"
                                        or host.endswith(".aws.amazon.com"))


def source_problems(markdown: str, today: dt.date) -> list[str]:
    """What is wrong with a lesson's sourcing, one line each (empty when it is fine)."""
    problems = []
    links = [a or b for a, b in LINK.findall(markdown)]
    problems += [f"links outside AWS documentation: {url}" for url in links
                 if not is_aws_doc(url)]
    headings = re.findall(r"^## (.+)$", markdown, re.MULTILINE)
    if not headings or headings[-1].strip() != "Sources":
        return [*problems, "the last section is not '## Sources'"]
    section = markdown[markdown.rindex("\n## Sources"):]
    if not [a or b for a, b in LINK.findall(section)]:
        problems.append("the Sources section lists no links")
    checked = LAST_CHECKED.findall(section)
    if not checked:
        problems.append("no 'Last checked: YYYY-MM-DD' line after the sources")
    else:
        try:
            when = dt.date.fromisoformat(checked[-1])
        except ValueError:
            problems.append(f"'Last checked: {checked[-1]}' is not a date")
        else:
            if when > today:
                problems.append(f"'Last checked: {when}' is in the future")
    if not section.rstrip().splitlines()[-1].startswith("Last checked:"):
        problems.append("the lesson does not end with the 'Last checked' line")
    return problems


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_ends_with_aws_sources_and_a_last_checked_date(lesson: str) -> None:
    text = (REPO / "content" / lesson).read_text(encoding="utf-8")
    problems = source_problems(text, dt.date.today())
    assert not problems, f"content/{lesson}:\n" + "\n".join(problems)


GOOD = """# T

Body with [a link](https://docs.aws.amazon.com/lambda/latest/dg/welcome.html).

## Key points

- One.

## Sources

- [Lambda quotas](https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html)
- [Lambda pricing](https://aws.amazon.com/lambda/pricing/)

Last checked: 2026-12-05.
"""
TODAY = dt.date(2026, 12, 5)


def test_a_well_sourced_lesson_passes() -> None:
    assert source_problems(GOOD, TODAY) == []


@pytest.mark.parametrize(("lesson", "problem"), [
    (GOOD.split("## Sources")[0], "the last section is not '## Sources'"),
    (GOOD.replace("Last checked: 2026-12-05.\n", ""), "no 'Last checked"),
    (GOOD.replace("2026-12-05", "2026-13-05"), "is not a date"),
    (GOOD.replace("2026-12-05", "2027-01-01"), "is in the future"),
    (GOOD.replace("https://aws.amazon.com/lambda/pricing/", "https://example.com/lambda"),
     "links outside AWS documentation: https://example.com/lambda"),
    (GOOD.replace("(https://docs.aws.amazon.com/lambda/latest/dg/welcome.html)",
                  "(https://aws.amazon.com.evil.example/x)"), "links outside AWS"),
    (GOOD.replace("https://docs.aws.amazon.com/lambda/latest/dg/g",
                  "http://docs.aws.amazon.com/lambda/latest/dg/g"), "links outside AWS"),
    (re.sub(r"- \[.*\n", "", GOOD.split("## Sources")[1]).join(
        [GOOD.split("## Sources")[0] + "## Sources", ""]), "lists no links"),
    (GOOD + "\nMore text after the date.\n", "does not end with the 'Last checked' line"),
])
def test_a_badly_sourced_lesson_is_reported(lesson: str, problem: str) -> None:
    problems = source_problems(lesson, TODAY)
    assert any(problem in p for p in problems), problems
