"""Where a question's facts come from: AWS documentation URLs, the date they were checked,
and the lesson section that teaches them.

AWS changes often, so every bank question carries ``source`` (one or more pages on
docs.aws.amazon.com or aws.amazon.com), ``verified`` (the ISO date its facts were last
checked there) and ``lesson`` (``<lesson path>#<heading anchor>``, the anchor being the
slug mkdocs' ``toc`` extension gives that heading). ``computelab quiz stale`` lists the
questions checked longest ago; after an answer the CLI, the widget and the site show the
sources and the lesson section as "Read more".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from grader.paths import content_dir
from grader.quiz.model import Question

AWS_DOC_HOSTS: frozenset[str] = frozenset({"docs.aws.amazon.com", "aws.amazon.com"})
FIELDS: frozenset[str] = frozenset({"source", "verified", "lesson"})
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_ATTR_ID = re.compile(r"\s*\{[^}]*#([\w-]+)[^}]*\}\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


def slugify(heading: str) -> str:
    """The anchor Python-Markdown's ``toc`` extension (mkdocs) gives a heading's text."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)      # links: keep their text
    text = re.sub(r"[`*]|(?<!\w)_|_(?!\w)", "", text)             # code and emphasis marks
    text = re.sub(r"<[^>]+>", "", text)                            # inline HTML tags
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def heading_anchors(markdown: str) -> set[str]:
    """Every heading anchor of a Markdown page (repeats get ``_1``, ``_2`` as in ``toc``)."""
    anchors: set[str] = set()
    fenced = False
    for line in markdown.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
            continue
        match = None if fenced else _HEADING.match(line)
        if match is None:
            continue
        text = match.group(2)
        explicit = _ATTR_ID.search(text)
        slug = explicit.group(1) if explicit else slugify(_ATTR_ID.sub("", text))
        unique, n = slug, 0
        while unique in anchors:
            n += 1
            unique = f"{slug}_{n}"
        anchors.add(unique)
    return anchors


@cache
def _lesson_anchors(path: Path) -> frozenset[str] | None:
    try:
        return frozenset(heading_anchors(path.read_text(encoding="utf-8")))
    except OSError:
        return None


def lesson_problem(lesson: str, roots: tuple[Path, ...] = ()) -> str | None:
    """What is wrong with a ``lesson`` reference, or None when the page and heading exist."""
    page, hash_, anchor = lesson.partition("#")
    if not page.endswith(".md") or not hash_ or not anchor:
        return (f"lesson must be '<lesson path>#<heading anchor>', e.g. "
                f"containers/ecr.md#lifecycle-policies, got {lesson!r}")
    for root in (*roots, content_dir()):
        anchors = _lesson_anchors(root / page)
        if anchors is None:
            continue
        if anchor in anchors:
            return None
        near = sorted(a for a in anchors if anchor[:6] in a)[:3]
        hint = f" (close: {', '.join(near)})" if near else ""
        return f"lesson {page} has no heading with anchor #{anchor}{hint}"
    return f"lesson page {page} does not exist under content/"


def url_problem(url: Any) -> str | None:
    """What is wrong with one ``source`` URL, or None for an https AWS documentation page."""
    if not isinstance(url, str) or not url.strip():
        return "source entries must be URLs"
    parsed = urlparse(url.strip())
    if parsed.scheme != "https" or parsed.hostname not in AWS_DOC_HOSTS:
        return (f"source URL {url!r} must be https on "
                f"{' or '.join(sorted(AWS_DOC_HOSTS))}")
    return None


def parse_verified(value: Any) -> date | None:
    """``verified`` as a date (YAML reads 2026-12-05 as one; a quoted string works too)."""
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def check(raw: dict[str, Any], *, required: bool, roots: tuple[Path, ...] = (),
          today: date | None = None) -> tuple[tuple[str, ...], str, str, list[str]]:
    """Validate a question's ``source``, ``verified`` and ``lesson``:
    ``(sources, verified ISO date, lesson, problems)``. Missing fields are problems only when
    ``required`` (the validator and tests); the loader tolerates them."""
    problems: list[str] = []
    raw_sources = raw.get("source")
    sources: list[str] = []
    if raw_sources is None:
        if required:
            problems.append("needs source: a list of AWS documentation URLs its facts come from")
    elif not isinstance(raw_sources, list) or not raw_sources:
        problems.append("source must be a list of one or more AWS documentation URLs")
    else:
        for url in raw_sources:
            problem = url_problem(url)
            if problem:
                problems.append(problem)
            else:
                sources.append(str(url).strip())
    verified = ""
    if raw.get("verified") is None:
        if required:
            problems.append("needs verified: the date (YYYY-MM-DD) its facts were checked")
    else:
        when = parse_verified(raw["verified"])
        if when is None:
            problems.append(f"verified must be a date YYYY-MM-DD, got {raw['verified']!r}")
        elif when > (today or date.today()):
            problems.append(f"verified {when.isoformat()} is in the future")
        else:
            verified = when.isoformat()
    lesson = raw.get("lesson")
    if lesson is None:
        if required:
            problems.append("needs lesson: '<lesson path>#<heading anchor>' that teaches it")
        lesson = ""
    else:
        problem = lesson_problem(str(lesson), roots)
        if problem:
            problems.append(problem)
    return tuple(sources), verified, str(lesson), problems


DEFAULT_STALE_DAYS = 180


def stale(questions: Iterable[Question], *, older_than: int = DEFAULT_STALE_DAYS,
          today: date | None = None) -> list[tuple[Question, int | None]]:
    """Questions whose facts were checked more than ``older_than`` days ago (or never),
    oldest first: ``(question, age in days or None)``."""
    today = today or date.today()
    found: list[tuple[Question, int | None]] = []
    for q in questions:
        if q.generated:
            continue
        when = parse_verified(q.verified) if q.verified else None
        age = None if when is None else (today - when).days
        if age is None or age > older_than:
            found.append((q, age))
    return sorted(found, key=lambda pair: (-(pair[1] if pair[1] is not None else 10**6),
                                           pair[0].id))


def read_more(q: Question) -> list[str]:
    """What to read after answering: the lesson section, then the AWS pages."""
    lines = [f"Lesson: {q.lesson}"] if q.lesson else []
    return lines + list(q.sources)
